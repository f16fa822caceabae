// Comm::mpi when glassbox is built without MPI.
#include "train/comm.h"

namespace glassbox::train {

Result<std::unique_ptr<Comm>> Comm::mpi() {
  return unimplemented(
      "this glassbox was built without MPI (install libopenmpi-dev and openmpi-bin, as "
      "scripts/setup does, and rebuild)");
}

}  // namespace glassbox::train
