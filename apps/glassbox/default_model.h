// The model a command uses when none is given (-m absent): glassbox's house model.
#pragma once

#include <string>

namespace glassbox::app {

// Path of the default model, or "" when none is found. Looks, in order, for
//   <repo>/models/house.gguf       the house model trained by glassbox itself (docs/house-model.md),
//   <repo>/../shared/reference/storyteller-16m-q8_0.gguf   (development checkouts only),
// where <repo> is found by walking up from the executable (<repo>/build*/bin/glassbox) to a folder
// holding CMakeLists.txt.
std::string default_model_path();

}  // namespace glassbox::app
