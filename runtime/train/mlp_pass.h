// The MLP's forward and backward pass written out by hand over the model's
// flat buffers: GEMMs into preallocated activation buffers, bias and
// activation fused into one pass, softmax-cross-entropy and its gradient in
// one pass, and each layer's weight and bias gradients written straight into
// their place in the flat gradient buffer (overwritten, so no zeroing pass).
// Autograd computes the same thing (model::Mlp::Forward + backward), three
// to four times slower on this model; tests hold the two equal.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/model/mlp.h"
#include "runtime/train/mlp_kernels.h"
#include "runtime/train/pass.h"

namespace dml::train {

// A lane needs enough rows for its GEMMs to stay efficient (see mlp_pass.cc).
inline constexpr int64_t kMinRowsPerLane = 128;

// The intra-op threads worth using for a training step of `rows` rows when
// `threads` are allowed: one per lane of at least kMinRowsPerLane rows. The
// trainer runs its steps with this many, so that a batch too small to split
// is not slowed down by BLAS threads that cost more than they save.
int StepThreads(int64_t rows, int threads);

class MlpPass : public Pass {
 public:
  // Keeps raw pointers into `model`'s flat buffers: the model must outlive
  // the pass and its buffers must not be replaced (they never are; writes
  // into them, e.g. a checkpoint restore, are fine).
  explicit MlpPass(model::Mlp& model);

  // Forward, softmax-cross-entropy against `labels` and backward for a batch
  // of `rows` rows of `x` (row-major [rows x input_size]). Overwrites the
  // flat gradient buffer with the gradient of (mean loss * grad_multiplier):
  // a multiplier of 1/world_size pre-divides for an allreduce SUM. Returns
  // the mean loss over the rows. Buffers grow on the first call with a larger
  // batch; later calls of at most that size allocate nothing.
  //
  // With several intra-op threads (at::get_num_threads) the batch is split
  // into one lane per thread, each running the whole pass on its rows with
  // single-threaded BLAS; the lanes' gradients are then summed. For this
  // model's small matrices that scales far better than threading each GEMM
  // (5 fork/joins a step, each a chance to wait on a descheduled thread).
  //
  // `grads_out`: where the gradient goes instead of the model's flat
  // gradient buffer (a buffer of num_parameters floats, e.g. this rank's
  // slot in shared memory), or null for the model's own.
  double ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier = 1.0f,
                         float* grads_out = nullptr) override;

  // Logits [rows x classes] for `x`; the pointer is valid until the next call.
  const float* Forward(const float* x, int64_t rows);

  // Lanes the last ForwardBackward used (1: no split).
  int last_lanes() const { return last_lanes_; }

 private:
  struct Layer {
    int64_t in = 0, out = 0;
    int64_t weight_offset = 0, bias_offset = 0;  // into the flat buffers
  };
  // One thread's buffers.
  struct Lane {
    int64_t capacity = 0;                    // rows the buffers hold
    std::vector<std::vector<float>> outputs;  // per layer, [capacity x out]; the last holds the logits
    std::vector<float> delta, delta_prev;    // dLoss/d(pre-activation), [capacity x widest layer]
    std::vector<float> grads;                // lanes > 0: their own gradient buffer
  };

  void Reserve(Lane& lane, int64_t rows) const;
  const float* ForwardLane(Lane& lane, const float* x, int64_t rows) const;
  // The pass over `rows` rows into `grads`, scaled by grad_scale per row; returns the summed loss.
  double PassLane(Lane& lane, const float* x, const int64_t* labels, int64_t rows, float grad_scale,
                  float* grads) const;
  int LanesFor(int64_t rows) const;

  std::vector<Layer> layers_;
  kernels::Act hidden_act_;
  float* params_;
  float* grads_;
  int64_t num_params_;
  std::vector<Lane> lanes_;
  std::vector<double> lane_losses_;  // reused: no allocation per step
  int last_lanes_ = 1;
};

}  // namespace dml::train
