// Optimizers that update the model's ONE flat parameter buffer from its ONE
// flat gradient buffer, with their state in flat buffers of the same size:
// a step is one vectorised pass (optimizer_kernels) and allocates nothing. The update
// rules are exactly torch.optim's Adam (L2 weight decay, no amsgrad), AdamW
// (decoupled weight decay) and SGD (momentum, dampening 0, weight decay), so
// results compare with the peer.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::train {

class FlatOptimizer {
 public:
  virtual ~FlatOptimizer() = default;
  // Updates the parameters in place from the current gradients, in one fused
  // pass over the flat buffers; the gradient buffer is left as it was.
  void Step();
  // The same with the gradient given as the sum of `count` buffers of the
  // parameters' size, added in order (parts[0] + parts[1] + ...) chunk by
  // chunk as the update goes: the ranks' contributions in shared memory
  // are summed and applied in one pass, with no gradient buffer between.
  // Bitwise the same update as summing into the gradient buffer first.
  void StepSummed(const float* const* parts, int count);
  virtual const char* kind() const = 0;
  // The state buffers themselves, by name, for checkpoints: writing into them
  // restores a state.
  virtual std::vector<std::pair<std::string, torch::Tensor>> State() const = 0;

  int64_t steps() const { return steps_; }
  void set_steps(int64_t steps) { steps_ = steps; }

 protected:
  FlatOptimizer(torch::Tensor params, torch::Tensor grads) : params_(std::move(params)), grads_(std::move(grads)) {}
  // Per step, before the updates: the step's scalars (bias corrections).
  virtual void BeginStep() = 0;
  // Updates params[begin, begin + count) from `grads` (the gradients of
  // those elements, grads[0] being element `begin`'s).
  virtual void Update(const float* grads, int64_t begin, int64_t count) = 0;
  // Per step, after the updates.
  virtual void EndStep() {}

  torch::Tensor params_, grads_;
  int64_t steps_ = 0;
  std::vector<float> summed_;  // StepSummed's chunk: small enough to stay in L1
};

struct OptimizerResult {
  std::unique_ptr<FlatOptimizer> optimizer;
  std::optional<base::Error> error;  // set iff !optimizer; at its plan field ("train.optimizer.kind")
};

// `params` and `grads` are the model's flat buffers, kept by reference.
OptimizerResult MakeOptimizer(const plan::Optimizer& spec, torch::Tensor params, torch::Tensor grads);

}  // namespace dml::train
