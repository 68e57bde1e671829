#include "runtime/model/cnn.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/plan/capabilities.h"
#include "runtime/plan/cnn_geometry.h"

namespace dml::model {
namespace {

constexpr size_t kImageDims = 3;  // {C, H, W}

base::Error Fail(std::string field, std::string message) {
  return base::Error::InField(std::move(field), std::move(message));
}

std::optional<base::Error> CheckSpec(const plan::Model& spec) {
  if (spec.input.size() != kImageDims) {
    return Fail("train.model.input",
                fmt::format("must be [channels, height, width], got [{}]", fmt::join(spec.input, ", ")));
  }
  for (size_t i = 0; i < spec.input.size(); ++i) {
    if (spec.input[i] < 1) return Fail(fmt::format("train.model.input[{}]", i), "must be >= 1");
  }
  if (spec.channels.empty()) return Fail("train.model.channels", "must list at least one conv layer");
  for (size_t i = 0; i < spec.channels.size(); ++i) {
    if (spec.channels[i] < 1) {
      return Fail(fmt::format("train.model.channels[{}]", i), fmt::format("must be >= 1, not {}", spec.channels[i]));
    }
  }
  if (spec.kernel < 1) return Fail("train.model.kernel", fmt::format("must be >= 1, not {}", spec.kernel));
  if (spec.classes < 2) return Fail("train.model.classes", fmt::format("must be >= 2, not {}", spec.classes));
  return std::nullopt;
}

// The error at the plan field when an image shrinks to nothing.
std::optional<base::Error> CheckGeometry(const plan::Model& spec, const plan::CnnGeometry& geometry) {
  if (!geometry.too_small) return std::nullopt;
  const plan::CnnTooSmall& failure = *geometry.too_small;
  return Fail("train.model.input",
              fmt::format("an image of [{}] is too small for these layers: conv layer {} (kernel {}) gets "
                          "{}x{} pixels and leaves {}x{}, but its 2x2 pooling needs at least 2x2",
                          fmt::join(spec.input, ", "), failure.layer, spec.kernel, failure.height, failure.width,
                          std::max<int64_t>(failure.conv_height, 0), std::max<int64_t>(failure.conv_width, 0)));
}

}  // namespace

CnnResult Cnn::Create(const plan::Model& spec) {
  if (spec.kind != "cnn") {
    return {nullptr, Fail("train.model.kind", fmt::format("model kind '{}' is not a cnn", spec.kind))};
  }
  if (auto error = CheckSpec(spec)) return {nullptr, error};
  auto activation = ParseActivation(spec.activation);
  if (!activation) {
    return {nullptr, Fail("train.model.activation", fmt::format("unknown activation '{}' (known: {})",
                                                                spec.activation, plan::ListOf(plan::kActivations)))};
  }
  plan::CnnGeometry geometry = plan::ComputeCnnGeometry(spec);
  if (auto error = CheckGeometry(spec, geometry)) return {nullptr, error};
  return {std::unique_ptr<Cnn>(new Cnn(spec, *activation, std::move(geometry))), std::nullopt};
}

Cnn::Cnn(const plan::Model& spec, Activation activation, plan::CnnGeometry geometry)
    : Model(spec.input, spec.classes),
      channels_(spec.channels),
      kernel_(spec.kernel),
      activation_(activation),
      geometry_(std::move(geometry)) {
  // The layers' constructors draw their own init from torch's global
  // generator; Init replaces it. Built without autograd history either way.
  std::vector<torch::Tensor> params;
  int64_t in = spec.input[0];
  for (int64_t out : channels_) {
    convs_.emplace_back(torch::nn::Conv2dOptions(in, out, kernel_).stride(1).padding(0).bias(true));
    params.push_back(convs_.back()->weight);
    params.push_back(convs_.back()->bias);
    in = out;
  }
  fc_ = torch::nn::Linear(geometry_.fc_in, spec.classes);
  params.push_back(fc_->weight);
  params.push_back(fc_->bias);
  SeatParameters(std::move(params));
  {
    torch::NoGradGuard no_grad;
    flat_params().zero_();  // as the mlp starts: deterministic until Init
  }
}

void Cnn::Init(uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  const std::vector<torch::Tensor>& params = parameters();
  for (size_t i = 0; i < params.size(); i += 2) {
    torch::Tensor weight = params[i], bias = params[i + 1];
    // fan_in: a conv weight [out, in, k, k] sees in*k*k inputs, a linear [out, in] sees in.
    const int64_t fan_in = weight.numel() / weight.size(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    weight.uniform_(-bound, bound, gen);
    bias.uniform_(-bound, bound, gen);
  }
}

torch::Tensor Cnn::Forward(const torch::Tensor& x) {
  std::vector<int64_t> shape = {x.size(0)};
  shape.insert(shape.end(), input_shape().begin(), input_shape().end());
  TORCH_CHECK(x.numel() == x.size(0) * input_features(), "Cnn::Forward: x must be [N, ",
              fmt::format("{}", fmt::join(input_shape(), ", ")), "]");
  torch::Tensor h = x.reshape(shape);
  for (torch::nn::Conv2d& conv : convs_) {
    h = torch::max_pool2d(Apply(activation_, conv->forward(h)), plan::kCnnPool, plan::kCnnPool);
  }
  return fc_->forward(h.flatten(1));
}

}  // namespace dml::model
