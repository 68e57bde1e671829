// The gradient pass of any model::Model through autograd: Forward, mean
// cross-entropy, backward. The model's parameters' .grad are views of its
// flat gradient buffer (Model::SeatParameters), so backward lands there
// with no copy; only a separate `grads_out` costs one copy.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/model/model.h"
#include "runtime/train/pass.h"

namespace dml::train {

class AutogradPass : public Pass {
 public:
  // `model` must outlive the pass.
  explicit AutogradPass(model::Model& model);

  double ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier = 1.0f,
                         float* grads_out = nullptr) override;

 private:
  model::Model& model_;
  std::vector<int64_t> batch_shape_;  // {rows, input_shape()...}; rows set per call
};

}  // namespace dml::train
