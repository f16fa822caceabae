// glassbox synth (being written: placeholder until its module lands).
#include <cstdio>

#include "commands.h"

namespace glassbox::app {

int cmd_synth(int, char**) {
  std::fprintf(stderr, "glassbox synth: not built yet\n");
  return 1;
}

}  // namespace glassbox::app
