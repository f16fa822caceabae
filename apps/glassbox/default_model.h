// The model a command uses when none is given (-m absent): glassbox's house model.
#pragma once

#include <string>

namespace glassbox::app {

// Path of the default model, or "" when none is found. In order:
//   <repo>/models/house.gguf   the house model trained by glassbox itself (docs/house-model.md), where
//                              <repo> is found by walking up from the executable to a folder holding
//                              CMakeLists.txt (a source checkout);
//   the same file linked into the binary at build time, written once to
//                              $XDG_CACHE_HOME/glassbox (or ~/.cache/glassbox) so it can be mapped;
//   <repo>/../shared/reference/storyteller-16m-q8_0.gguf   (development checkouts without a house model).
std::string default_model_path();

}  // namespace glassbox::app
