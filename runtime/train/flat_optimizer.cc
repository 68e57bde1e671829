#include "runtime/train/flat_optimizer.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "runtime/collective/accumulate.h"
#include "runtime/plan/capabilities.h"
#include "runtime/train/optimizer_kernels.h"

namespace dml::train {
namespace {

// Elements per thread chunk. The update of this model's 79,510 parameters
// takes ~40 us on one core; splitting it would add a fork/join to every step,
// and each fork/join can cost a whole scheduler time slice (milliseconds)
// when another process holds a core. So only buffers of millions of
// elements are split.
constexpr int64_t kGrain = int64_t{1} << 20;
// StepSummed sums this many elements (16 KiB) at a time, then updates them
// while they are still in L1.
constexpr int64_t kSumChunk = 4096;

// Adam, or with `decoupled` AdamW: the same state under the same names, so
// checkpoints carry either alike (their kind tells them apart).
class FlatAdam : public FlatOptimizer {
 public:
  FlatAdam(const plan::Optimizer& spec, torch::Tensor params, torch::Tensor grads, bool decoupled)
      : FlatOptimizer(std::move(params), std::move(grads)),
        spec_(spec),
        decoupled_(decoupled),
        exp_avg_(torch::zeros_like(params_)),
        exp_avg_sq_(torch::zeros_like(params_)) {}

  const char* kind() const override { return decoupled_ ? "adamw" : "adam"; }

  std::vector<std::pair<std::string, torch::Tensor>> State() const override {
    return {{"exp_avg", exp_avg_}, {"exp_avg_sq", exp_avg_sq_}};
  }

 private:
  void BeginStep() override {
    ++steps_;
    // torch.optim computes the bias corrections in double, then applies them as float scalars.
    const double bias_correction1 = 1 - std::pow(spec_.beta1, static_cast<double>(steps_));
    const double bias_correction2 = 1 - std::pow(spec_.beta2, static_cast<double>(steps_));
    s_.beta1 = static_cast<float>(spec_.beta1);
    s_.beta2 = static_cast<float>(spec_.beta2);
    s_.eps = static_cast<float>(spec_.eps);
    s_.weight_decay = static_cast<float>(spec_.weight_decay);
    s_.step_size = static_cast<float>(spec_.lr / bias_correction1);
    s_.inv_sqrt_bias_correction2 = static_cast<float>(1.0 / std::sqrt(bias_correction2));
    // torch.optim.AdamW: p.mul_(1 - lr * weight_decay), the factor in double.
    decay_factor_ = static_cast<float>(1.0 - spec_.lr * spec_.weight_decay);
  }

  void Update(const float* grads, int64_t begin, int64_t count) override {
    float* p = params_.data_ptr<float>() + begin;
    float* m = exp_avg_.data_ptr<float>() + begin;
    float* v = exp_avg_sq_.data_ptr<float>() + begin;
    if (decoupled_) {
      kernels::AdamWUpdate(p, grads, m, v, count, s_, decay_factor_);
    } else {
      kernels::AdamUpdate(p, grads, m, v, count, s_);
    }
  }

  plan::Optimizer spec_;
  bool decoupled_;
  float decay_factor_ = 1;
  torch::Tensor exp_avg_, exp_avg_sq_;
  kernels::AdamScalars s_{};
};

class FlatSgd : public FlatOptimizer {
 public:
  FlatSgd(const plan::Optimizer& spec, torch::Tensor params, torch::Tensor grads)
      : FlatOptimizer(std::move(params), std::move(grads)), spec_(spec), momentum_(torch::zeros_like(params_)) {}

  const char* kind() const override { return "sgd"; }

  std::vector<std::pair<std::string, torch::Tensor>> State() const override { return {{"momentum", momentum_}}; }

 private:
  void BeginStep() override {}

  void Update(const float* grads, int64_t begin, int64_t count) override {
    // torch.optim.SGD starts the momentum buffer at the first gradient, not at zero.
    kernels::SgdUpdate(params_.data_ptr<float>() + begin, grads, momentum_.data_ptr<float>() + begin, count,
                       static_cast<float>(spec_.lr), static_cast<float>(spec_.momentum),
                       static_cast<float>(spec_.weight_decay), steps_ == 0);
  }

  void EndStep() override { ++steps_; }

  plan::Optimizer spec_;
  torch::Tensor momentum_;
};

std::optional<base::Error> Check(const plan::Optimizer& spec) {
  auto bad = [](const char* field, std::string message) {
    return base::Error::InField(fmt::format("train.optimizer.{}", field), std::move(message));
  };
  auto in_unit = [](double v) { return v >= 0 && v < 1; };
  if (!(spec.lr > 0) || !std::isfinite(spec.lr)) return bad("lr", fmt::format("must be positive, got {}", spec.lr));
  if (!(spec.weight_decay >= 0)) return bad("weight_decay", fmt::format("must be >= 0, got {}", spec.weight_decay));
  if (spec.kind == "sgd" && !in_unit(spec.momentum)) {
    return bad("momentum", fmt::format("must be in [0, 1), got {}", spec.momentum));
  }
  if (spec.kind == "adam" || spec.kind == "adamw") {
    if (!in_unit(spec.beta1)) return bad("beta1", fmt::format("must be in [0, 1), got {}", spec.beta1));
    if (!in_unit(spec.beta2)) return bad("beta2", fmt::format("must be in [0, 1), got {}", spec.beta2));
    if (!(spec.eps > 0)) return bad("eps", fmt::format("must be positive, got {}", spec.eps));
  }
  return std::nullopt;
}

}  // namespace

void FlatOptimizer::Step() {
  BeginStep();
  const float* g = grads_.data_ptr<float>();
  at::parallel_for(0, params_.numel(), kGrain, [&](int64_t begin, int64_t end) { Update(g + begin, begin, end - begin); });
  EndStep();
}

void FlatOptimizer::StepSummed(const float* const* parts, int count) {
  TORCH_CHECK(count >= 1, "StepSummed: no gradient parts");
  BeginStep();
  summed_.resize(static_cast<size_t>(kSumChunk));  // once: later calls allocate nothing
  const int64_t n = params_.numel();
  for (int64_t begin = 0; begin < n; begin += kSumChunk) {
    const int64_t len = std::min(kSumChunk, n - begin);
    float* g = summed_.data();
    std::memcpy(g, parts[0] + begin, static_cast<size_t>(len) * sizeof(float));
    for (int r = 1; r < count; ++r) collective::Accumulate(g, parts[r] + begin, len);
    Update(g, begin, len);
  }
  EndStep();
}

OptimizerResult MakeOptimizer(const plan::Optimizer& spec, torch::Tensor params, torch::Tensor grads) {
  if (!plan::Supports(plan::kOptimizerKinds, spec.kind)) {
    return {nullptr, base::Error::InField("train.optimizer.kind",
                                          fmt::format("unknown optimizer '{}' (known: {})", spec.kind,
                                                      plan::ListOf(plan::kOptimizerKinds)))};
  }
  if (auto error = Check(spec)) return {nullptr, error};
  // The update loops walk raw float arrays: anything else is a caller's bug.
  TORCH_CHECK(params.scalar_type() == torch::kFloat32 && params.is_contiguous() && grads.is_contiguous() &&
                  grads.scalar_type() == torch::kFloat32 && params.numel() == grads.numel(),
              "MakeOptimizer: params and grads must be contiguous float32 buffers of one size");
  if (spec.kind == "adam" || spec.kind == "adamw") {
    const bool decoupled = spec.kind == "adamw";
    return {std::make_unique<FlatAdam>(spec, std::move(params), std::move(grads), decoupled), std::nullopt};
  }
  return {std::make_unique<FlatSgd>(spec, std::move(params), std::move(grads)), std::nullopt};
}

}  // namespace dml::train
