// The flat optimizers follow torch.optim's update rules exactly.
#include <gtest/gtest.h>

#include "runtime/train/flat_optimizer.h"

namespace dml::train {
namespace {

constexpr int kSteps = 6;

// Runs `spec` both as a flat optimizer and as torch::optim `reference` on the
// same parameters and gradient sequence, and compares the parameters.
template <typename TorchOptimizer, typename TorchOptions>
void ExpectSameAsTorch(const plan::Optimizer& spec, const TorchOptions& options) {
  torch::manual_seed(5);
  torch::Tensor flat = torch::randn({50});
  torch::Tensor grads = torch::zeros({50});
  torch::Tensor ref = flat.clone().requires_grad_(true);
  TorchOptimizer reference({ref}, options);
  OptimizerResult made = MakeOptimizer(spec, flat, grads);
  ASSERT_TRUE(made.optimizer) << made.error->Render();
  for (int i = 0; i < kSteps; ++i) {
    torch::Tensor g = torch::randn({50});
    grads.copy_(g);
    ref.mutable_grad() = g.clone();
    made.optimizer->Step();
    reference.step();
    ASSERT_TRUE(torch::allclose(flat, ref.detach(), 1e-5, 1e-6)) << "step " << i;
  }
  EXPECT_EQ(made.optimizer->steps(), kSteps);
  EXPECT_FALSE(torch::allclose(flat, torch::zeros({50})));
}

TEST(TrainOptimizer, AdamMatchesTorch) {
  plan::Optimizer spec;
  spec.kind = "adam";
  spec.lr = 0.01;
  spec.weight_decay = 0.1;
  ExpectSameAsTorch<torch::optim::Adam>(spec, torch::optim::AdamOptions(0.01).weight_decay(0.1));
}

// Decoupled weight decay: p shrinks by lr * weight_decay, then Adam's step.
TEST(TrainOptimizer, AdamWMatchesTorch) {
  plan::Optimizer spec;
  spec.kind = "adamw";
  spec.lr = 0.01;
  spec.weight_decay = 0.1;
  spec.beta1 = 0.8;
  spec.beta2 = 0.99;
  ExpectSameAsTorch<torch::optim::AdamW>(
      spec, torch::optim::AdamWOptions(0.01).weight_decay(0.1).betas(std::make_tuple(0.8, 0.99)));
}

// AdamW is not Adam with L2: the same settings give other weights.
TEST(TrainOptimizer, AdamWDiffersFromAdamWithL2) {
  plan::Optimizer adam, adamw;
  adam.weight_decay = adamw.weight_decay = 0.5;
  adamw.kind = "adamw";
  torch::Tensor a = torch::ones({4}), b = torch::ones({4}), ga = torch::full({4}, 0.1f), gb = ga.clone();
  auto adam_opt = std::move(MakeOptimizer(adam, a, ga).optimizer);
  auto adamw_opt = std::move(MakeOptimizer(adamw, b, gb).optimizer);
  EXPECT_STREQ(adamw_opt->kind(), "adamw");
  adam_opt->Step();
  adamw_opt->Step();
  // Adam: the decay enters the gradient, normalised away: one step of lr.
  EXPECT_NEAR(a[0].item<float>(), 1 - 1e-3, 1e-6);
  // AdamW: the decay shrinks p by lr * wd = 5e-4 first, then the same step.
  EXPECT_NEAR(b[0].item<float>(), 1 * (1 - 5e-4) - 1e-3, 1e-6);
}

TEST(TrainOptimizer, SgdWithMomentumMatchesTorch) {
  plan::Optimizer spec;
  spec.kind = "sgd";
  spec.lr = 0.05;
  spec.momentum = 0.9;
  spec.weight_decay = 0.01;
  ExpectSameAsTorch<torch::optim::SGD>(spec, torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(0.01));
}

TEST(TrainOptimizer, PlainSgdMatchesTorch) {
  plan::Optimizer spec;
  spec.kind = "sgd";
  spec.lr = 0.1;
  ExpectSameAsTorch<torch::optim::SGD>(spec, torch::optim::SGDOptions(0.1));
}

// StepSummed (the ranks' gradients summed as the update goes) is bitwise the
// update of Step on their sum, for one, two and three parts and a size that
// is not a multiple of its chunk.
void ExpectSummedStepIsTheSame(const plan::Optimizer& spec) {
  constexpr int64_t kSize = 10000;
  for (int count = 1; count <= 3; ++count) {
    torch::manual_seed(9);
    torch::Tensor start = torch::randn({kSize});
    torch::Tensor a = start.clone(), a_grads = torch::zeros({kSize});
    torch::Tensor b = start.clone(), b_grads = torch::zeros({kSize});
    auto summed = std::move(MakeOptimizer(spec, a, a_grads).optimizer);
    auto plain = std::move(MakeOptimizer(spec, b, b_grads).optimizer);
    for (int step = 0; step < kSteps; ++step) {
      std::vector<torch::Tensor> parts;
      std::vector<const float*> pointers;
      for (int r = 0; r < count; ++r) {
        parts.push_back(torch::randn({kSize}));
        pointers.push_back(parts.back().data_ptr<float>());
      }
      b_grads.copy_(parts[0]);
      for (int r = 1; r < count; ++r) b_grads.add_(parts[r]);  // in order, as StepSummed adds
      summed->StepSummed(pointers.data(), count);
      plain->Step();
      ASSERT_TRUE(torch::equal(a, b)) << spec.kind << ", " << count << " parts, step " << step;
    }
    EXPECT_EQ(summed->steps(), kSteps);
    for (auto& [name, state] : summed->State()) {
      for (auto& [other_name, other] : plain->State()) {
        if (name == other_name) EXPECT_TRUE(torch::equal(state, other)) << name;
      }
    }
  }
}

TEST(TrainOptimizer, SummedAdamStepIsBitwiseTheSame) {
  plan::Optimizer adam;
  adam.kind = "adam";
  adam.weight_decay = 0.01;
  ExpectSummedStepIsTheSame(adam);
}

TEST(TrainOptimizer, SummedAdamWStepIsBitwiseTheSame) {
  plan::Optimizer adamw;
  adamw.kind = "adamw";
  adamw.weight_decay = 0.05;
  ExpectSummedStepIsTheSame(adamw);
}

TEST(TrainOptimizer, SummedSgdStepIsBitwiseTheSame) {
  plan::Optimizer sgd;
  sgd.kind = "sgd";
  sgd.lr = 0.1;
  sgd.momentum = 0.9;
  ExpectSummedStepIsTheSame(sgd);
}

TEST(TrainOptimizer, UnknownKindNamesTheField) {
  plan::Optimizer spec;
  spec.kind = "lbfgs";
  OptimizerResult r = MakeOptimizer(spec, torch::zeros({3}), torch::zeros({3}));
  ASSERT_FALSE(r.optimizer);
  EXPECT_EQ(r.error->Render(), "train.optimizer.kind: unknown optimizer 'lbfgs' (known: adam, adamw, sgd)");
}

TEST(TrainOptimizer, NonPositiveLearningRate) {
  plan::Optimizer spec;
  spec.lr = 0;
  OptimizerResult r = MakeOptimizer(spec, torch::zeros({3}), torch::zeros({3}));
  ASSERT_FALSE(r.optimizer);
  EXPECT_EQ(r.error->Where(), "train.optimizer.lr");
}

}  // namespace
}  // namespace dml::train
