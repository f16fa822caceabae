// Comm: the single-process communicator and launcher detection.
#include "train/comm.h"

#include <cstdlib>

namespace glassbox::train {
namespace {

class SingleComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status all_reduce_sum(float*, int64_t) override { return ok_status(); }
  Status all_reduce_sum(double*, int64_t) override { return ok_status(); }
};

}  // namespace

std::unique_ptr<Comm> Comm::single() { return std::make_unique<SingleComm>(); }

bool Comm::launched_by_mpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* v = std::getenv(var);
    if (v && std::atoi(v) > 1) return true;
  }
  return false;
}

}  // namespace glassbox::train
