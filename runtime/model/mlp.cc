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
    : Model({layers.front()}, layers.back()), layers_(std::move(layers)), activation_(activation) {
  std::vector<torch::Tensor> params;
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    params.push_back(torch::zeros({layers_[i + 1], layers_[i]}));
    params.push_back(torch::zeros({layers_[i + 1]}));
  }
  SeatParameters(std::move(params));
}

void Mlp::Init(uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  const std::vector<torch::Tensor>& params = parameters();
  for (size_t i = 0; i < params.size(); i += 2) {
    double bound = 1.0 / std::sqrt(static_cast<double>(params[i].size(1)));
    // uniform_ on the seated tensor writes the flat buffer (its storage).
    torch::Tensor weight = params[i], bias = params[i + 1];
    weight.uniform_(-bound, bound, gen);
    bias.uniform_(-bound, bound, gen);
  }
}

torch::Tensor Mlp::Forward(const torch::Tensor& x) {
  const std::vector<torch::Tensor>& params = parameters();
  torch::Tensor h = x.dim() == 2 ? x : x.flatten(1);  // an image batch [N, C, H, W] reads as [N, features]
  size_t layers = params.size() / 2;
  for (size_t i = 0; i < layers; ++i) {
    h = torch::addmm(params[2 * i + 1], h, params[2 * i].t());
    if (i + 1 == layers) break;  // no activation on the logits
    h = Apply(activation_, h);
  }
  return h;
}

}  // namespace dml::model
