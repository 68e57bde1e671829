// A reusable batch buffer: the training loop gathers each step's samples into
// the same memory instead of allocating a tensor per step.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "runtime/data/dataset.h"

namespace dml::data {

class BatchBuffer {
 public:
  // Room for up to `max_rows` samples of `features` values each.
  BatchBuffer(int64_t max_rows, int64_t features);

  // Copies the samples `indices[0..rows)` of `split` into the buffer, in that
  // order, as normalized floats (from split.pixels when it has them, else
  // split.images); rows <= max_rows and every index in [0, split.size())
  // (the shard indices are, by construction).
  void Gather(const Split& split, const int64_t* indices, int64_t rows);

  // Starts loading the samples `indices[0..rows)` into the CPU caches, to be
  // gathered a step later: random rows of a dataset larger than the caches
  // otherwise cost a memory round trip each, in the middle of the step.
  void Prefetch(const Split& split, const int64_t* indices, int64_t rows) const;

  // Row-major [rows() x features] and [rows()], valid until the next Gather.
  const float* images() const { return images_.data_ptr<float>(); }
  const int64_t* labels() const { return labels_.data_ptr<int64_t>(); }
  int64_t rows() const { return rows_; }

 private:
  torch::Tensor images_;  // float32 [max_rows, features]
  torch::Tensor labels_;  // int64 [max_rows]
  int64_t features_;
  int64_t rows_ = 0;
};

}  // namespace dml::data
