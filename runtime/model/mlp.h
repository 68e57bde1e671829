// The multi-layer perceptron of plan::Model. Every parameter is a view into
// ONE flat buffer, and every gradient a view into one flat gradient buffer, so
// that synchronising gradients is one fused allreduce, broadcasting the
// weights one broadcast, and an optimizer can update all of it in one pass.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::model {

enum class Activation { kRelu, kTanh, kSigmoid };

class Mlp;

struct MlpResult {
  std::unique_ptr<Mlp> mlp;
  // Set iff !mlp: a model the plan describes but we cannot build, at its plan
  // field ("train.model.kind: unknown model kind 'cnn' (known: mlp)").
  std::optional<base::Error> error;
};

class Mlp {
 public:
  // Checks `spec` and allocates the flat buffers (parameters zeroed; call Init).
  static MlpResult Create(const plan::Model& spec);

  // PyTorch's nn.Linear default init (uniform in +-1/sqrt(fan_in) for weights
  // and biases), from a private generator seeded with `seed`.
  void Init(uint64_t seed);

  // Logits [batch, classes] for x [batch, features], through autograd.
  torch::Tensor Forward(const torch::Tensor& x) const;

  void ZeroGrad() { flat_grads_.zero_(); }

  // The buffers themselves (not copies): writing to them changes the model.
  torch::Tensor& flat_params() { return flat_params_; }
  torch::Tensor& flat_grads() { return flat_grads_; }
  const torch::Tensor& flat_params() const { return flat_params_; }
  const torch::Tensor& flat_grads() const { return flat_grads_; }

  // Views into flat_params(), in order: weight 0, bias 0, weight 1, ...
  const std::vector<torch::Tensor>& parameters() const { return params_; }

  // Layer widths, input first: {784, 100, 10} for the paper's model.
  const std::vector<int64_t>& layers() const { return layers_; }
  Activation activation() const { return activation_; }
  int64_t input_size() const { return layers_.front(); }
  int64_t num_classes() const { return layers_.back(); }
  int64_t num_parameters() const { return flat_params_.numel(); }

 private:
  Mlp(std::vector<int64_t> layers, Activation activation);

  std::vector<int64_t> layers_;
  Activation activation_;
  torch::Tensor flat_params_;
  torch::Tensor flat_grads_;
  std::vector<torch::Tensor> params_;
};

}  // namespace dml::model
