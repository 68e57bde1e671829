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

// What every hand-written pass's ForwardBackward shares around RunLanes:
// `rows` samples of `x` (sample_size floats each) with their `labels`, in
// `count` lanes (grown to that many before any thread touches them). Each
// row's loss carries weight 1/rows in the mean, whichever lane computes it,
// so every lane gets grad_scale = grad_multiplier / rows. One lane runs on
// this thread, without a fork/join. Calls
//   pass(lane, x_part, labels_part, part_rows, grad_scale, grads, alone)
// which returns its rows' loss sum; `alone` is true on the one-lane path
// (the only one a pass profiles). Returns the mean loss.
template <typename Lane, typename PassFn>
double MeanLossInLanes(std::vector<Lane>& lanes, int count, const float* x, int64_t sample_size,
                       const int64_t* labels, int64_t rows, float grad_multiplier, float* target, int64_t num_params,
                       std::vector<double>& losses, PassFn&& pass) {
  const float grad_scale = grad_multiplier / static_cast<float>(rows);
  if (static_cast<int>(lanes.size()) < count) lanes.resize(count);
  if (count == 1) return pass(lanes[0], x, labels, rows, grad_scale, target, true) / static_cast<double>(rows);
  const double loss_sum =
      RunLanes(lanes, count, rows, target, num_params, losses, [&](Lane& lane, int64_t first, int64_t n, float* grads) {
        return pass(lane, x + first * sample_size, labels + first, n, grad_scale, grads, false);
      });
  return loss_sum / static_cast<double>(rows);
}

}  // namespace dml::train
