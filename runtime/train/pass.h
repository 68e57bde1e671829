// A training step's gradient computation for a model::Model: forward,
// mean cross-entropy and backward into a flat gradient buffer. The step
// (step.h) exchanges and applies that buffer whatever computed it.
#pragma once

#include <cstdint>
#include <memory>

#include "runtime/model/model.h"
#include "runtime/plan/plan.h"

namespace dml::train {

class Pass {
 public:
  virtual ~Pass() = default;

  // Forward, softmax-cross-entropy against `labels` and backward for a batch
  // of `rows` samples of `x` (sample-major, each input_features() floats, in
  // the model's input shape). OVERWRITES the gradient of (mean loss *
  // grad_multiplier) into `grads_out` (num_parameters floats, e.g. this
  // rank's slot in shared memory), or into the model's flat_grads() when
  // null. A multiplier of 1/world_size pre-divides for an allreduce SUM.
  // Returns the mean loss over the rows.
  virtual double ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier = 1.0f,
                                 float* grads_out = nullptr) = 0;
};

// The pass for `model` built from `spec`: the hand-written MlpPass for an
// mlp, CnnPass for a cnn, autograd through model.Forward otherwise. `model` must outlive it.
std::unique_ptr<Pass> MakePass(model::Model& model, const plan::Model& spec);

}  // namespace dml::train
