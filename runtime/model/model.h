// A trainable model of plan::Model, whatever its kind (mlp, cnn,
// torchscript). Every kind keeps its parameters in ONE flat float buffer and
// its gradients in another, each parameter (and each parameter's .grad) a
// view into them: the fused allreduce, the shared-memory exchange, the flat
// optimizers and checkpoints work on the buffers and never see a layer.
//
// How a step's gradient is computed (a hand-written pass, or autograd through
// Forward) is the train layer's business (train/pass.h); this layer defines
// the model: its parameters, their initialisation and its forward function.
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

class Model {
 public:
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // The plan's kind: "mlp", "cnn", "torchscript".
  virtual std::string kind() const = 0;

  // Fresh weights from `seed`, as PyTorch initialises each layer by default,
  // from a private generator: the same seed gives the same weights on every
  // rank. A torchscript model keeps the weights it was saved with.
  virtual void Init(uint64_t seed) = 0;

  // Logits [N, classes] for x float32 [N, input_shape()...], through autograd
  // (callers that only evaluate hold a torch::NoGradGuard).
  virtual torch::Tensor Forward(const torch::Tensor& x) = 0;

  // Training or evaluation mode (dropout, batch norm): only a torchscript
  // model has layers that care; the built-in kinds have none.
  virtual void SetTraining(bool /*on*/) {}

  // One sample's shape as batches reach the model: {features} for an mlp
  // (the image flattened), {C, H, W} for the others.
  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  int64_t input_features() const;  // the product of input_shape()
  int64_t num_classes() const { return num_classes_; }
  int64_t num_parameters() const { return flat_params_.numel(); }

  // The buffers themselves (not copies): writing to them changes the model.
  torch::Tensor& flat_params() { return flat_params_; }
  torch::Tensor& flat_grads() { return flat_grads_; }
  const torch::Tensor& flat_params() const { return flat_params_; }
  const torch::Tensor& flat_grads() const { return flat_grads_; }
  void ZeroGrad() { flat_grads_.zero_(); }

  // Views into flat_params(), in the order the model's layers declare them.
  const std::vector<torch::Tensor>& parameters() const { return params_; }

 protected:
  Model(std::vector<int64_t> input_shape, int64_t num_classes)
      : input_shape_(std::move(input_shape)), num_classes_(num_classes) {}

  // Allocates the flat buffers for `params` (in order), copies their values
  // in, and re-seats each as a view of flat_params() whose .grad is a view
  // of flat_grads() (autograd accumulates into an existing .grad in place,
  // so gradients land in the flat buffer with no copy). Each tensor in
  // `params` is changed in place (set_), so modules holding them (torch::nn
  // layers, a TorchScript module's attributes) use the flat storage from
  // then on.
  void SeatParameters(std::vector<torch::Tensor> params);

 private:
  std::vector<int64_t> input_shape_;
  int64_t num_classes_;
  torch::Tensor flat_params_;
  torch::Tensor flat_grads_;
  std::vector<torch::Tensor> params_;
};

struct ModelResult {
  std::unique_ptr<Model> model;
  // Set iff !model: what the plan asks for and cannot be built, at its plan
  // field ("train.model.file: /m.pt: not a TorchScript module: ...").
  std::optional<base::Error> error;
};

// The model of `spec`, weights not yet initialised (call Init).
ModelResult CreateModel(const plan::Model& spec);

}  // namespace dml::model
