// The cnn's forward and backward pass written out by hand over the model's
// flat buffers (the cnn geometry and parameter order of plan::Model: conv k x k,
// stride 1, no padding -> activation -> 2x2 max pool, per entry of
// `channels`, then one linear layer to the classes). Each convolution is
// im2col plus one GEMM over the whole batch on the system BLAS, with its
// activations kept channel-major; bias, activation and pooling are fused
// (forward and backward); gradients are written straight into their place
// in the flat gradient buffer (overwritten, so no zeroing pass). Autograd
// through torch::nn::functional computes the same thing; tests hold the two equal.
#pragma once

#include "runtime/train/pass.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"
#include "runtime/train/cnn_kernels.h"

namespace dml::train {

// A lane of a cnn step needs far fewer rows than an MLP's to pay for its
// thread: 16 rows are ~1.5 ms of convolutions on this project's machine.
inline constexpr int64_t kCnnMinRowsPerLane = 16;

class CnnPass;

// Seconds spent in each phase of the single-lane passes while set (the
// bench's step breakdown, bench/runtime/cnn_step.cc); a clock read per phase.
struct CnnPassProfile {
  struct Conv {
    double im2col = 0, gemm = 0, pool = 0;                                 // forward
    double pool_backward = 0, weight_gemm = 0, input_gemm = 0, col2im = 0;  // backward
  };
  std::vector<Conv> convs;
  double fc_forward = 0, loss = 0, fc_backward = 0;
  int64_t passes = 0;
};

struct CnnPassResult {
  std::unique_ptr<CnnPass> pass;
  std::optional<base::Error> error;  // set iff !pass, at its plan field ("train.model.activation")
};

class CnnPass : public Pass {
 public:
  // A pass over `spec` (kind "cnn") whose parameters live in `params` and
  // gradients in `grads` (num_parameters floats each, kept as raw pointers:
  // they must outlive the pass and never move). Refuses, with the field, a
  // spec that is not a cnn, an unknown activation, or a geometry that shrinks
  // the image below one pixel.
  static CnnPassResult Create(const plan::Model& spec, float* params, float* grads);

  // The floats of the flat buffers for `spec` (Create's geometry must hold).
  int64_t num_parameters() const { return num_params_; }

  // Forward, softmax-cross-entropy against `labels` and backward for `rows`
  // samples of `x` ([rows, C, H, W] as the batch arrives). Overwrites
  // `grads_out` (or the flat gradient buffer when null) with the gradient of
  // (mean loss * grad_multiplier); returns the mean loss. Buffers grow on
  // the first call with a larger batch; later calls of at most that size
  // allocate nothing. With several intra-op threads (at::get_num_threads)
  // the batch splits into lanes of at least kCnnMinRowsPerLane rows, each
  // running the whole pass with single-threaded BLAS; lanes' gradients are
  // then summed (as MlpPass does).
  double ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier = 1.0f,
                         float* grads_out = nullptr) override;

  // Logits [rows x classes] for `x`, computed in chunks (an evaluation over
  // a whole test set needs no batch-sized im2col); valid until the next call.
  const float* Forward(const float* x, int64_t rows);

  // Lanes ForwardBackward uses for `rows` rows with the current intra-op threads.
  int LanesFor(int64_t rows) const;
  int last_lanes() const { return last_lanes_; }

  // Accumulate phase times into `profile` (null: stop); only one-lane passes are timed.
  void set_profile(CnnPassProfile* profile) { profile_ = profile; }

 private:
  struct Conv {
    int64_t in_c = 0, out_c = 0;
    int64_t in_h = 0, in_w = 0;      // the input image
    int64_t conv_h = 0, conv_w = 0;  // after the convolution
    int64_t pool_h = 0, pool_w = 0;  // after pooling
    int64_t weight_offset = 0, bias_offset = 0;
    int64_t patch = 0;  // the GEMM's depth: in_c * k * k
  };
  // One thread's buffers, sized for `capacity` rows.
  struct Lane {
    int64_t capacity = 0;
    std::vector<std::vector<float>> col;    // per conv: im2col [patch, N * conv plane]; reused by dcol
    std::vector<std::vector<float>> z;      // per conv: [out_c, N, conv_h, conv_w]; becomes dz
    std::vector<std::vector<float>> out;    // per conv: pooled; the last one [N, features]
    std::vector<std::vector<float>> dout;   // per conv but the last: d(pooled), channel-major
    std::vector<float> logits, delta, dflat;
    std::vector<float> grads;  // lanes > 0: their own gradient buffer
  };

  CnnPass() = default;
  void Reserve(Lane& lane, int64_t rows) const;
  kernels::ImageLayout InputLayout(size_t layer, int64_t rows) const;
  kernels::ImageLayout OutputLayout(size_t layer, int64_t rows) const;
  const float* ForwardLane(Lane& lane, const float* x, int64_t rows, CnnPassProfile* profile) const;
  double PassLane(Lane& lane, const float* x, const int64_t* labels, int64_t rows, float grad_scale, float* grads,
                  CnnPassProfile* profile) const;

  std::vector<Conv> convs_;
  int64_t kernel_ = 0;
  int64_t sample_size_ = 0;  // C * H * W of one input
  int64_t features_ = 0;     // the linear layer's input
  int64_t classes_ = 0;
  int64_t fc_weight_offset_ = 0, fc_bias_offset_ = 0;
  kernels::Act act_ = kernels::Act::kRelu;
  float* params_ = nullptr;
  float* grads_ = nullptr;
  int64_t num_params_ = 0;
  std::vector<Lane> lanes_;
  std::vector<double> lane_losses_;
  std::vector<float> eval_logits_;
  int last_lanes_ = 1;
  CnnPassProfile* profile_ = nullptr;
};

}  // namespace dml::train
