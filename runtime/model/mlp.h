// The multi-layer perceptron of plan::Model: a Model (model.h) whose
// parameters are plain tensors seated in the flat buffers. Its hand-written
// training pass (train/mlp_pass.h) reads the same flat layout.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/model/activation.h"
#include "runtime/model/model.h"
#include "runtime/plan/plan.h"

namespace dml::model {

class Mlp;

struct MlpResult {
  std::unique_ptr<Mlp> mlp;
  // Set iff !mlp: a model the plan describes but we cannot build, at its plan
  // field ("train.model.kind: unknown model kind 'cnn' (known: mlp)"; CreateModel picks the kind).
  std::optional<base::Error> error;
};

class Mlp : public Model {
 public:
  // Checks `spec` and allocates the flat buffers (parameters zeroed; call Init).
  static MlpResult Create(const plan::Model& spec);

  std::string kind() const override { return "mlp"; }

  // PyTorch's nn.Linear default init (uniform in +-1/sqrt(fan_in) for weights
  // and biases), from a private generator seeded with `seed`.
  void Init(uint64_t seed) override;

  // Logits [batch, classes] for x [batch, features], through autograd.
  torch::Tensor Forward(const torch::Tensor& x) override;

  // Parameters in order: weight 0, bias 0, weight 1, ...
  // Layer widths, input first: {784, 100, 10} for the paper's model.
  const std::vector<int64_t>& layers() const { return layers_; }
  Activation activation() const { return activation_; }
  int64_t input_size() const { return layers_.front(); }

 private:
  Mlp(std::vector<int64_t> layers, Activation activation);

  std::vector<int64_t> layers_;
  Activation activation_;
};

}  // namespace dml::model
