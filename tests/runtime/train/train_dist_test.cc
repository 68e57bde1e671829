// Two ranks as two threads over Gloo: broadcast, gradient averaging and whole
// training runs behave as the single-process equivalents.
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/collective/comm.h"
#include "runtime/model/mlp.h"
#include "runtime/train/step.h"
#include "runtime/train/trainer.h"
#include "tests/runtime/collective/rank_threads.h"
#include "tests/runtime/data/idx_fixture.h"
#include "tests/runtime/train/train_ranks.h"

namespace dml::train {
namespace {

constexpr int kWorld = 2;

plan::Model SmallModel() {
  plan::Model m;
  m.layers = {6, 5, 3};
  return m;
}

std::unique_ptr<model::Mlp> MakeModel(uint64_t seed) {
  auto mlp = std::move(model::Mlp::Create(SmallModel()).mlp);
  mlp->Init(seed);
  return mlp;
}

TEST(TrainDistributed, BroadcastGivesEveryRankRankZerosWeights) {
  std::vector<torch::Tensor> after(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    auto mlp = MakeModel(100 + rank);  // each rank draws different weights
    collective::Communicator comm(rank, kWorld, group);
    comm.Broadcast(mlp->flat_params(), 0);
    after[rank] = mlp->flat_params().clone();
  });
  auto expected = MakeModel(100);
  EXPECT_TRUE(torch::equal(after[0], expected->flat_params()));
  EXPECT_TRUE(torch::equal(after[1], expected->flat_params()));
}

// `steps` random batches of `rows` samples, and the model one rank makes of
// them, a step on each whole batch: what the ranks' steps must equal.
struct OneRankRun {
  std::vector<torch::Tensor> xs, ys;
  std::unique_ptr<model::Mlp> model;
};

OneRankRun StepOneRank(const plan::Optimizer& opt_spec, int steps, int64_t rows, uint64_t data_seed) {
  OneRankRun run;
  torch::manual_seed(data_seed);
  for (int s = 0; s < steps; ++s) {
    run.xs.push_back(torch::randn({rows, 6}));
    run.ys.push_back(torch::randint(3, {rows}, torch::kInt64));
  }
  run.model = MakeModel(1);
  auto optimizer = std::move(MakeOptimizer(opt_spec, run.model->flat_params(), run.model->flat_grads()).optimizer);
  collective::Communicator solo(0, 1, {});
  TrainStep step(*run.model, *optimizer, solo);
  for (int s = 0; s < steps; ++s) step.Run(run.xs[s], run.ys[s]);
  return run;
}

// Steps on a full batch at world 1 versus its two halves at world 2.
void ExpectTwoRankStepsMatchOneRank(const plan::Optimizer& opt_spec) {
  constexpr int kSteps = 3;
  constexpr int64_t kBatch = 8;
  const OneRankRun one = StepOneRank(opt_spec, kSteps, kBatch, 11);
  const std::vector<torch::Tensor>& xs = one.xs;
  const std::vector<torch::Tensor>& ys = one.ys;
  model::Mlp* single = one.model.get();

  std::vector<torch::Tensor> after(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    auto mlp = MakeModel(1 + rank);
    auto opt = std::move(MakeOptimizer(opt_spec, mlp->flat_params(), mlp->flat_grads()).optimizer);
    collective::Communicator comm(rank, kWorld, group);
    comm.Broadcast(mlp->flat_params(), 0);
    TrainStep step(*mlp, *opt, comm);
    for (int s = 0; s < kSteps; ++s) {
      step.Run(xs[s].narrow(0, rank * kBatch / 2, kBatch / 2), ys[s].narrow(0, rank * kBatch / 2, kBatch / 2));
    }
    after[rank] = mlp->flat_params().clone();
  });
  auto initial = MakeModel(1);
  EXPECT_FALSE(torch::allclose(single->flat_params(), initial->flat_params()));  // the steps did move it
  EXPECT_TRUE(torch::equal(after[0], after[1]));
  EXPECT_TRUE(torch::allclose(after[0], single->flat_params(), 1e-5, 1e-6))
      << "max diff " << (after[0] - single->flat_params()).abs().max().item<float>();
}

TEST(TrainDistributed, TwoRankSgdStepsEqualOneRankStepsOnTheWholeBatch) {
  plan::Optimizer sgd;
  sgd.kind = "sgd";
  sgd.lr = 0.5;  // large, so a wrong gradient scale would show
  sgd.momentum = 0.9;
  ExpectTwoRankStepsMatchOneRank(sgd);
}

TEST(TrainDistributed, TwoRankAdamStepsEqualOneRankStepsOnTheWholeBatch) {
  plan::Optimizer adam;
  adam.lr = 0.01;
  ExpectTwoRankStepsMatchOneRank(adam);
}

// A global batch split unevenly: 3, 2 and 0 rows of a 5-row step (the
// empty part: a global batch's short last step). Each rank's gradient
// counts by its rows, so the step equals one rank's on all 5, on either
// exchange (the shared-memory slots, or the process group on flat_grads).
void ExpectUnevenPartsMatchOneRank(GradientSync sync) {
  constexpr int kRanks = 3;
  constexpr int kSteps = 3;
  constexpr int64_t kRows = 5;
  const int64_t begin[kRanks] = {0, 3, 5};
  const int64_t rows[kRanks] = {3, 2, 0};
  plan::Optimizer sgd;
  sgd.kind = "sgd";
  sgd.lr = 0.5;
  sgd.momentum = 0.9;
  const OneRankRun one = StepOneRank(sgd, kSteps, kRows, 12);
  const std::vector<torch::Tensor>& xs = one.xs;
  const std::vector<torch::Tensor>& ys = one.ys;
  model::Mlp* single = one.model.get();

  std::vector<torch::Tensor> after(kRanks);
  std::vector<double> losses(kRanks);
  testing::RunRanks(kRanks, [&](int rank, auto group) {
    auto mlp = MakeModel(1);
    auto opt = std::move(MakeOptimizer(sgd, mlp->flat_params(), mlp->flat_grads()).optimizer);
    collective::Communicator comm(rank, kRanks, group);
    StepOptions options;
    options.sync = sync;
    TrainStep step(*mlp, *opt, comm, options);
    for (int s = 0; s < kSteps; ++s) {
      torch::Tensor x = xs[s].narrow(0, begin[rank], rows[rank]).contiguous();
      torch::Tensor y = ys[s].narrow(0, begin[rank], rows[rank]).contiguous();
      losses[rank] = step.Run(x.data_ptr<float>(), y.data_ptr<int64_t>(), rows[rank], false, kRows);
    }
    after[rank] = mlp->flat_params().clone();
  });
  EXPECT_EQ(losses[2], 0.0);  // no rows, no loss
  for (int r = 1; r < kRanks; ++r) EXPECT_TRUE(torch::equal(after[0], after[r])) << "rank " << r;
  EXPECT_TRUE(torch::allclose(after[0], single->flat_params(), 1e-5, 1e-6))
      << "max diff " << (after[0] - single->flat_params()).abs().max().item<float>();
}

TEST(TrainDistributed, UnevenPartsOfAStepWeighByRowsThroughSharedMemory) {
  ExpectUnevenPartsMatchOneRank(GradientSync::kAuto);
}

TEST(TrainDistributed, UnevenPartsOfAStepWeighByRowsThroughTheProcessGroup) {
  ExpectUnevenPartsMatchOneRank(GradientSync::kProcessGroup);
}

TEST(TrainDistributed, EvaluationCountsAreSummedOverRanks) {
  auto mlp = MakeModel(3);
  torch::manual_seed(2);
  torch::Tensor x = torch::randn({101, 6});
  torch::Tensor y = torch::randint(3, {101}, torch::kInt64);
  collective::Communicator solo(0, 1, {});
  EvalResult whole = Evaluate(*mlp, x, y, solo);
  std::vector<EvalResult> parts(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    collective::Communicator comm(rank, kWorld, group);
    parts[rank] = Evaluate(*mlp, x, y, comm);
  });
  for (const EvalResult& part : parts) {
    EXPECT_EQ(part.total, 101);
    EXPECT_EQ(part.correct, whole.correct);
    EXPECT_NEAR(part.loss_sum, whole.loss_sum, 1e-3);
  }
}

plan::TrainSpec BandSpec(const std::string& dir) {
  plan::TrainSpec spec;
  spec.dataset = testing::WriteBandDataset(dir, 1200, 300);
  spec.model.layers = {64, 32, 4};
  spec.batch_per_rank = 32;
  spec.epochs = 2;
  spec.seed = 9;
  return spec;
}

TEST(TrainDistributed, TwoRanksTrainToTheSameHighAccuracy) {
  testing::TempDir dir("dist");
  plan::TrainSpec spec = BandSpec(dir.path());
  std::ostringstream log;
  const std::vector<TrainResult> results = testing::TrainOnRanks(spec, kWorld, &log);
  for (const TrainResult& r : results) {
    ASSERT_TRUE(r.ok) << base::Render(r.error);
    EXPECT_GE(r.test_accuracy, 0.95);
    EXPECT_EQ(r.epochs, 2);
  }
  EXPECT_EQ(results[0].test_accuracy, results[1].test_accuracy);
  EXPECT_EQ(results[0].final_loss, results[1].final_loss);
  EXPECT_NE(log.str().find("training: world 2"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("epoch 2/2"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("epoch 3/"), std::string::npos);
}

// A global batch makes the world size a matter of speed only: three ranks
// train what one rank does (up to float summation order), over epochs
// whose last step of 1 row leaves two ranks without rows.
TEST(TrainDistributed, AGlobalBatchTrainsAsOneRankDoes) {
  testing::TempDir dir("dist");
  plan::TrainSpec spec = BandSpec(dir.path());  // 1200 training samples
  spec.global_batch = 109;                      // 11 steps of 109 and one of 1
  spec.batch_per_rank = 0;
  auto train = [&](int world) {
    std::ostringstream log;
    const std::vector<TrainResult> results = testing::TrainOnRanks(spec, world, &log);
    for (const TrainResult& r : results) EXPECT_TRUE(r.ok) << base::Render(r.error);
    EXPECT_NE(log.str().find("12 steps per epoch"), std::string::npos) << log.str();
    return std::pair{results[0], log.str()};
  };
  const auto [one, one_log] = train(1);
  const auto [three, three_log] = train(3);
  EXPECT_NE(three_log.find("batch 109 over all ranks (36 or 37 per rank)"), std::string::npos) << three_log;
  EXPECT_NEAR(three.final_loss, one.final_loss, 1e-4 * one.final_loss);
  EXPECT_NEAR(three.test_accuracy, one.test_accuracy, 0.005);
  EXPECT_GE(one.test_accuracy, 0.9);
  // Per rank, the same batch would be a different training: 3 x 109 rows a step.
  plan::TrainSpec per_rank = spec;
  per_rank.global_batch = 0;
  per_rank.batch_per_rank = 109;
  const std::vector<TrainResult> results = testing::TrainOnRanks(per_rank, 3);
  ASSERT_TRUE(results[0].ok);
  EXPECT_GT(std::abs(results[0].final_loss - one.final_loss), 1e-3 * one.final_loss);
}

TEST(TrainDistributed, AGlobalBatchSmallerThanTheWorldIsRefusedAtItsField) {
  testing::TempDir dir("dist");
  plan::TrainSpec spec = BandSpec(dir.path());
  spec.global_batch = 2;
  for (const TrainResult& r : testing::TrainOnRanks(spec, 3)) {
    ASSERT_FALSE(r.ok);
    const std::string text = base::Render(r.error);
    EXPECT_NE(text.find("train.global_batch: 2 rows a step cannot give each of the 3 ranks one"), std::string::npos)
        << text;
  }
}

TEST(TrainDistributed, ARankThatCannotLoadDataStopsEveryRank) {
  testing::TempDir dir("dist");
  plan::TrainSpec good = BandSpec(dir.path());
  plan::TrainSpec broken = good;
  broken.dataset.dir = dir.File("missing");
  std::vector<TrainResult> results(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    TrainOptions options;
    options.rank = rank;
    options.world_size = kWorld;
    options.process_group = group;
    results[rank] = RunTraining(rank == 1 ? broken : good, options);
  });
  ASSERT_FALSE(results[0].ok);
  ASSERT_FALSE(results[1].ok);
  EXPECT_EQ(base::Render(results[0].error), "rank 0: stopped: another rank failed during set-up");
  EXPECT_NE(base::Render(results[1].error)
                .find("rank 1: " + dir.File("missing") + "/train-images-idx3-ubyte.gz: file not found"),
            std::string::npos)
      << base::Render(results[1].error);
}

}  // namespace
}  // namespace dml::train
