// A tiny MLP job for tests that train a few steps over several ranks and
// compare gradient exchanges: its layers, Adam, and one batch of `rows`
// samples that the ranks split; each rank builds the same model and optimizer.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "runtime/model/mlp.h"
#include "runtime/plan/plan.h"
#include "runtime/train/flat_optimizer.h"

namespace dml::testing {

struct TinyJob {
  plan::Model spec;
  plan::Optimizer adam;
  torch::Tensor x, y;
};

inline TinyJob MakeTinyJob(int64_t rows) {
  TinyJob job;
  job.spec.layers = {6, 5, 3};
  job.adam.lr = 0.01;
  torch::manual_seed(4);
  job.x = torch::randn({rows, 6});
  job.y = torch::randint(3, {rows}, torch::kInt64);
  return job;
}

// One rank's model (initialised from seed 1) and its optimizer.
struct TinyRank {
  std::unique_ptr<model::Mlp> mlp;
  std::unique_ptr<train::FlatOptimizer> optimizer;
};

inline TinyRank MakeTinyRank(const TinyJob& job) {
  TinyRank rank;
  rank.mlp = std::move(model::Mlp::Create(job.spec).mlp);
  rank.mlp->Init(1);
  rank.optimizer =
      std::move(train::MakeOptimizer(job.adam, rank.mlp->flat_params(), rank.mlp->flat_grads()).optimizer);
  return rank;
}

}  // namespace dml::testing
