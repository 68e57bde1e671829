// What this dmlrun can run, by the names a plan uses. dmlc's checks read
// these lists (so a .dml file asking for something the runtime lacks is
// refused at its line:col), and Validate refuses a plan naming anything else.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace dml::plan {

inline constexpr std::array<std::string_view, 3> kModelKinds = {"mlp", "cnn", "torchscript"};
inline constexpr std::array<std::string_view, 3> kOptimizerKinds = {"adam", "adamw", "sgd"};
inline constexpr std::array<std::string_view, 1> kLosses = {"cross_entropy"};
inline constexpr std::array<std::string_view, 2> kDatasetFormats = {"idx", "cifar"};
inline constexpr std::array<std::string_view, 3> kActivations = {"relu", "tanh", "sigmoid"};

template <size_t N>
constexpr bool Supports(const std::array<std::string_view, N>& known, std::string_view name) {
  for (std::string_view k : known) {
    if (k == name) return true;
  }
  return false;
}

// "mlp, cnn, torchscript": for messages.
template <size_t N>
std::string ListOf(const std::array<std::string_view, N>& known, std::string_view separator = ", ") {
  std::string text;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) text += separator;
    text += known[i];
  }
  return text;
}

}  // namespace dml::plan
