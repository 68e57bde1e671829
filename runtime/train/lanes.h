// A batch split into lanes, one per intra-op thread, each running the whole
// hand-written pass on its rows with its own buffers and single-threaded
// BLAS; the lanes' gradients are then summed. For small models that scales
// far better than threading each GEMM. MlpPass and CnnPass share it.
#pragma once

#include <ATen/Parallel.h>

#include <cstdint>
#include <vector>

#include "runtime/collective/accumulate.h"

namespace dml::train {

// Runs pass(lane, first_row, rows, grads) for lanes [0, count) in parallel
// over `rows` rows: lane 0 writes its gradient into `target`, lane l > 0
// into its own `grads` vector (grown to num_params), which are then added
// into `target`. `losses` is reused storage. Returns the sum of the lanes'
// returned losses.
template <typename Lane, typename PassFn>
double RunLanes(std::vector<Lane>& lanes, int count, int64_t rows, float* target, int64_t num_params,
                std::vector<double>& losses, PassFn&& pass) {
  losses.assign(count, 0.0);
  at::parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t l = begin; l < end; ++l) {
      const int64_t first = rows * l / count, last = rows * (l + 1) / count;
      Lane& lane = lanes[l];
      if (l > 0 && static_cast<int64_t>(lane.grads.size()) < num_params) lane.grads.resize(num_params);
      float* grads = l == 0 ? target : lane.grads.data();
      losses[l] = pass(lane, first, last - first, grads);
    }
  });
  // Lane 0 wrote into target; add the others' gradients to it, on this
  // thread: ~10 us, less than another fork/join could cost.
  for (int l = 1; l < count; ++l) collective::Accumulate(target, lanes[l].grads.data(), num_params);
  double loss_sum = 0;
  for (double loss : losses) loss_sum += loss;
  return loss_sum;
}

}  // namespace dml::train
