// glassbox logits (being written: placeholder until its module lands).
#include <cstdio>

#include "commands.h"

namespace glassbox::app {

int cmd_logits(int, char**) {
  std::fprintf(stderr, "glassbox logits: not built yet\n");
  return 1;
}

}  // namespace glassbox::app
