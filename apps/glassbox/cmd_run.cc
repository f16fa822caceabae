// glassbox run (being written: placeholder until its module lands).
#include <cstdio>

#include "commands.h"

namespace glassbox::app {

int cmd_run(int, char**) {
  std::fprintf(stderr, "glassbox run: not built yet\n");
  return 1;
}

}  // namespace glassbox::app
