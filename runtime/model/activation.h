// The hidden layers' activation functions of plan::Model (mlp and cnn).
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>

namespace dml::model {

enum class Activation { kRelu, kTanh, kSigmoid };

// "relu", "tanh", "sigmoid"; nothing for any other name.
std::optional<Activation> ParseActivation(const std::string& name);

// The activation applied to `x`, through autograd.
torch::Tensor Apply(Activation activation, const torch::Tensor& x);

}  // namespace dml::model
