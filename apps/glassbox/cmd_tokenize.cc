// glassbox tokenize (being written: placeholder until its module lands).
#include <cstdio>

#include "commands.h"

namespace glassbox::app {

int cmd_tokenize(int, char**) {
  std::fprintf(stderr, "glassbox tokenize: not built yet\n");
  return 1;
}

}  // namespace glassbox::app
