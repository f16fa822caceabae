// Comm over MPI (MPI_COMM_WORLD, MPI_Allreduce).
#include <mpi.h>

#include <algorithm>
#include <climits>

#include "train/comm.h"

namespace glassbox::train {
namespace {

class MpiComm final : public Comm {
 public:
  MpiComm() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiComm() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Status all_reduce_sum(float* data, int64_t n) override { return reduce(data, n, MPI_FLOAT); }
  Status all_reduce_sum(double* data, int64_t n) override { return reduce(data, n, MPI_DOUBLE); }

 private:
  Status reduce(void* data, int64_t n, MPI_Datatype type) {
    int elem = 0;
    MPI_Type_size(type, &elem);
    auto* p = static_cast<char*>(data);
    for (int64_t done = 0; done < n;) {  // MPI counts are int
      const int count = static_cast<int>(std::min<int64_t>(n - done, INT_MAX / 2));
      const int rc =
          MPI_Allreduce(MPI_IN_PLACE, p + done * elem, count, type, MPI_SUM, MPI_COMM_WORLD);
      if (rc != MPI_SUCCESS)
        return internal_error(str_format("mpi: MPI_Allreduce failed (%d)", rc));
      done += count;
    }
    return ok_status();
  }
  int rank_ = 0, size_ = 1;
};

}  // namespace

Result<std::unique_ptr<Comm>> Comm::mpi() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      return internal_error("mpi: MPI_Init_thread failed");
  }
  return std::unique_ptr<Comm>(std::make_unique<MpiComm>());
}

}  // namespace glassbox::train
