// The convolutional network of plan::Model (kind cnn), built from torch::nn
// layers whose parameters are re-seated in the flat buffers (model.h).
//
// Geometry (the design every branch shares): for each entry c of `channels`,
// Conv2d(in, c, kernel, stride 1, no padding) -> activation -> MaxPool2d(2,
// stride 2, floor); then flatten in PyTorch's x.flatten(1) order and
// Linear(C*H*W, classes). Parameters in named_parameters() order:
// conv0.weight, conv0.bias, conv1.weight, ..., fc.weight, fc.bias.
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
#include "runtime/plan/cnn_geometry.h"
#include "runtime/plan/plan.h"

namespace dml::model {

class Cnn;

struct CnnResult {
  std::unique_ptr<Cnn> cnn;
  // Set iff !cnn: at its plan field ("train.model.input: ...").
  std::optional<base::Error> error;
};

class Cnn : public Model {
 public:
  // Checks `spec` (kind cnn) and builds the layers (parameters zeroed; call Init).
  static CnnResult Create(const plan::Model& spec);

  std::string kind() const override { return "cnn"; }

  // PyTorch's default Conv2d/Linear init (weights and biases uniform in
  // +-1/sqrt(fan_in)), drawn in parameter order from a private generator.
  void Init(uint64_t seed) override;

  // Logits [N, classes] for x [N, C, H, W] (or [N, C*H*W], read as images).
  torch::Tensor Forward(const torch::Tensor& x) override;

  const std::vector<int64_t>& channels() const { return channels_; }
  int64_t kernel() const { return kernel_; }
  Activation activation() const { return activation_; }
  // Each layer's sizes (never too small: Create refuses that).
  const plan::CnnGeometry& geometry() const { return geometry_; }

 private:
  Cnn(const plan::Model& spec, Activation activation, plan::CnnGeometry geometry);

  std::vector<int64_t> channels_;
  int64_t kernel_;
  Activation activation_;
  plan::CnnGeometry geometry_;
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace dml::model
