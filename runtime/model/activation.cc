#include "runtime/model/activation.h"

namespace dml::model {

std::optional<Activation> ParseActivation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  return std::nullopt;
}

torch::Tensor Apply(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::kRelu: return torch::relu(x);
    case Activation::kTanh: return torch::tanh(x);
    case Activation::kSigmoid: return torch::sigmoid(x);
  }
  return x;
}

}  // namespace dml::model
