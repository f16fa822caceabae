// Comm: the processes of a data-parallel training run and the collectives it needs (MPI when
// built with it; one process otherwise).
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"

namespace glassbox::train {

class Comm {
 public:
  virtual ~Comm() = default;
  // This process alone (rank 0 of 1).
  static std::unique_ptr<Comm> single();
  // Joins the MPI job this process was started in (mpirun). Call once, before any other thread
  // starts; the last Comm destroyed finalizes MPI. kUnimplemented when glassbox was built without
  // MPI (no_mpi.cc).
  static Result<std::unique_ptr<Comm>> mpi();
  // Whether the environment says this process was started by mpirun with more than one process.
  static bool launched_by_mpirun();

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place: data[i] = sum over processes (every process gets the result). Collective.
  virtual Status all_reduce_sum(float* data, int64_t n) = 0;
  virtual Status all_reduce_sum(double* data, int64_t n) = 0;
};

}  // namespace glassbox::train
