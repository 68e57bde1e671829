#include "runtime/model/mlp.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dml::model {
namespace {

constexpr const char* kKnownKinds = "mlp";
constexpr const char* kKnownActivations = "relu, tanh, sigmoid";
constexpr size_t kMinLayers = 2;  // input and output

std::optional<Activation> ParseActivation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  return std::nullopt;
}

}  // namespace

MlpResult Mlp::Create(const plan::Model& spec) {
  auto fail = [](std::string field, std::string message) {
    return MlpResult{nullptr, base::Error::InField(std::move(field), std::move(message))};
  };
  if (spec.kind != "mlp") {
    return fail("train.model.kind", fmt::format("unknown model kind '{}' (known: {})", spec.kind, kKnownKinds));
  }
  if (spec.layers.size() < kMinLayers) {
    return fail("train.model.layers",
                fmt::format("needs at least an input and an output size, got [{}]", fmt::join(spec.layers, ", ")));
  }
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    if (spec.layers[i] <= 0) {
      return fail("train.model.layers", fmt::format("size {} at position {} must be positive", spec.layers[i], i));
    }
  }
  auto activation = ParseActivation(spec.activation);
  if (!activation) {
    return fail("train.model.activation",
                fmt::format("unknown activation '{}' (known: {})", spec.activation, kKnownActivations));
  }
  return MlpResult{std::unique_ptr<Mlp>(new Mlp(spec.layers, *activation)), std::nullopt};
}

Mlp::Mlp(std::vector<int64_t> layers, Activation activation)
    : layers_(std::move(layers)), activation_(activation) {
  int64_t total = 0;
  for (size_t i = 0; i + 1 < layers_.size(); ++i) total += layers_[i + 1] * layers_[i] + layers_[i + 1];
  flat_params_ = torch::zeros({total}, torch::kFloat32);
  flat_grads_ = torch::zeros({total}, torch::kFloat32);

  int64_t offset = 0;
  auto carve = [&](std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    // The flat buffer does not require grad, so its views are leaves that can.
    torch::Tensor param = flat_params_.narrow(0, offset, n).view(shape);
    param.requires_grad_(true);
    // Autograd accumulates into an existing .grad in place, so the gradients
    // land in the flat gradient buffer with no copy.
    param.mutable_grad() = flat_grads_.narrow(0, offset, n).view(shape);
    offset += n;
    params_.push_back(param);
  };
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    carve({layers_[i + 1], layers_[i]});
    carve({layers_[i + 1]});
  }
}

void Mlp::Init(uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); i += 2) {
    double bound = 1.0 / std::sqrt(static_cast<double>(params_[i].size(1)));
    params_[i].uniform_(-bound, bound, gen);
    params_[i + 1].uniform_(-bound, bound, gen);
  }
}

torch::Tensor Mlp::Forward(const torch::Tensor& x) const {
  torch::Tensor h = x;
  size_t layers = params_.size() / 2;
  for (size_t i = 0; i < layers; ++i) {
    h = torch::addmm(params_[2 * i + 1], h, params_[2 * i].t());
    if (i + 1 == layers) break;  // no activation on the logits
    switch (activation_) {
      case Activation::kRelu: h = torch::relu(h); break;
      case Activation::kTanh: h = torch::tanh(h); break;
      case Activation::kSigmoid: h = torch::sigmoid(h); break;
    }
  }
  return h;
}

}  // namespace dml::model
