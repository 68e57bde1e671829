// The cnn through the train layer: the autograd pass against plain autograd,
// MakePass's choice, two ranks against one on the joined batch, whole runs
// that learn, an interrupted and resumed run against an uninterrupted one,
// and the trainer's checks that the model fits the dataset.
#include <gtest/gtest.h>

#include <atomic>

#include "runtime/collective/comm.h"
#include "runtime/model/cnn.h"
#include "runtime/model/mlp.h"
#include "runtime/train/autograd_pass.h"
#include "runtime/train/cnn_pass.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/mlp_pass.h"
#include "runtime/train/pass.h"
#include "runtime/train/step.h"
#include "runtime/train/trainer.h"
#include "tests/runtime/collective/rank_threads.h"
#include "tests/runtime/data/idx_fixture.h"
#include "tests/runtime/train/train_ranks.h"

namespace dml::train {
namespace {

plan::Model CnnSpec(std::vector<int64_t> input = {2, 12, 12}, std::vector<int64_t> channels = {3, 4},
                    int64_t classes = 5) {
  plan::Model m;
  m.kind = "cnn";
  m.input = std::move(input);
  m.channels = std::move(channels);
  m.kernel = 3;
  m.classes = classes;
  return m;
}

std::unique_ptr<model::Model> MakeModel(const plan::Model& spec, uint64_t seed) {
  model::ModelResult made = model::CreateModel(spec);
  EXPECT_TRUE(made.model) << made.error->Render();
  made.model->Init(seed);
  return std::move(made.model);
}

// Plain autograd's gradient of mean cross-entropy, as a flat copy.
torch::Tensor AutogradGrads(model::Model& m, const torch::Tensor& x, const torch::Tensor& y, double* loss) {
  m.ZeroGrad();
  torch::Tensor l = torch::nn::functional::cross_entropy(m.Forward(x), y);
  l.backward();
  *loss = l.item<double>();
  return m.flat_grads().clone();
}

TEST(TrainCnn, AutogradPassOverwritesScaledGradientsWhereAsked) {
  auto cnn = MakeModel(CnnSpec(), 3);
  torch::manual_seed(1);
  torch::Tensor x = torch::randn({7, 2, 12, 12});
  torch::Tensor y = torch::randint(5, {7}, torch::kInt64);
  double expected_loss = 0;
  torch::Tensor expected = AutogradGrads(*cnn, x, y, &expected_loss);

  AutogradPass pass(*cnn);
  cnn->flat_grads().fill_(123.0f);  // overwritten, not accumulated into
  double loss = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 7);
  EXPECT_DOUBLE_EQ(loss, expected_loss);
  EXPECT_TRUE(torch::equal(cnn->flat_grads(), expected));

  // Scaled by the multiplier (the loss is not), and copied out when asked.
  torch::Tensor out = torch::full({cnn->num_parameters()}, 7.0f);
  loss = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 7, 0.25f, out.data_ptr<float>());
  EXPECT_DOUBLE_EQ(loss, expected_loss);
  EXPECT_TRUE(torch::allclose(out, expected * 0.25, 1e-6, 1e-9));
  EXPECT_GT(out.abs().sum().item<float>(), 0.0f);
}

TEST(TrainCnn, MakePassPicksTheHandWrittenPassesForMlpAndCnn) {
  plan::Model mlp_spec;
  mlp_spec.layers = {6, 5, 3};
  auto mlp = MakeModel(mlp_spec, 1);
  auto cnn = MakeModel(CnnSpec(), 1);
  EXPECT_NE(dynamic_cast<MlpPass*>(MakePass(*mlp, mlp_spec).get()), nullptr);
  EXPECT_NE(dynamic_cast<CnnPass*>(MakePass(*cnn, CnnSpec()).get()), nullptr);

  // Both passes compute the same gradient on the mlp.
  torch::manual_seed(2);
  torch::Tensor x = torch::randn({9, 6});
  torch::Tensor y = torch::randint(3, {9}, torch::kInt64);
  AutogradPass autograd(*mlp);
  double a = autograd.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 9, 0.5f);
  torch::Tensor from_autograd = mlp->flat_grads().clone();
  double b = MakePass(*mlp, mlp_spec)->ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 9, 0.5f);
  EXPECT_NEAR(a, b, 1e-5);
  EXPECT_TRUE(torch::allclose(mlp->flat_grads(), from_autograd, 1e-4, 1e-6));
}

// One step on a batch at world 1 against each half on one of two ranks.
void ExpectTwoRankStepsMatchOneRank(const plan::Optimizer& opt_spec) {
  constexpr int kSteps = 3;
  constexpr int64_t kBatch = 8;
  constexpr int kWorld = 2;
  torch::manual_seed(11);
  std::vector<torch::Tensor> xs, ys;
  for (int s = 0; s < kSteps; ++s) {
    xs.push_back(torch::randn({kBatch, 2, 12, 12}));
    ys.push_back(torch::randint(5, {kBatch}, torch::kInt64));
  }
  auto single = MakeModel(CnnSpec(), 1);
  auto single_opt = std::move(MakeOptimizer(opt_spec, single->flat_params(), single->flat_grads()).optimizer);
  collective::Communicator solo(0, 1, {});
  TrainStep solo_step(*single, *single_opt, solo);
  for (int s = 0; s < kSteps; ++s) solo_step.Run(xs[s], ys[s]);

  std::vector<torch::Tensor> after(kWorld);
  testing::RunRanks(kWorld, [&](int rank, auto group) {
    auto cnn = MakeModel(CnnSpec(), 1 + rank);
    auto opt = std::move(MakeOptimizer(opt_spec, cnn->flat_params(), cnn->flat_grads()).optimizer);
    collective::Communicator comm(rank, kWorld, group);
    comm.Broadcast(cnn->flat_params(), 0);
    TrainStep step(*cnn, *opt, comm);
    for (int s = 0; s < kSteps; ++s) {
      step.Run(xs[s].narrow(0, rank * kBatch / 2, kBatch / 2), ys[s].narrow(0, rank * kBatch / 2, kBatch / 2));
    }
    after[rank] = cnn->flat_params().clone();
  });
  auto initial = MakeModel(CnnSpec(), 1);
  EXPECT_FALSE(torch::allclose(single->flat_params(), initial->flat_params()));  // the steps did move it
  EXPECT_TRUE(torch::equal(after[0], after[1]));
  EXPECT_TRUE(torch::allclose(after[0], single->flat_params(), 1e-5, 1e-6))
      << "max diff " << (after[0] - single->flat_params()).abs().max().item<float>();
}

TEST(TrainCnn, TwoRankSgdStepsEqualOneRankStepsOnTheWholeBatch) {
  plan::Optimizer sgd;
  sgd.kind = "sgd";
  sgd.lr = 0.5;  // large, so a wrong gradient scale would show
  sgd.momentum = 0.9;
  ExpectTwoRankStepsMatchOneRank(sgd);
}

TEST(TrainCnn, TwoRankAdamWStepsEqualOneRankStepsOnTheWholeBatch) {
  plan::Optimizer adamw;
  adamw.kind = "adamw";
  adamw.lr = 0.01;
  adamw.weight_decay = 0.1;
  ExpectTwoRankStepsMatchOneRank(adamw);
}

// Evaluation goes through an image model in chunks: the same counts as one
// forward of the whole set, for flat rows as the trainer holds them.
TEST(TrainCnn, EvaluationInChunksCountsAsOneForward) {
  auto cnn = MakeModel(CnnSpec(), 6);
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({601, 2 * 12 * 12});
  torch::Tensor y = torch::randint(5, {601}, torch::kInt64);
  torch::NoGradGuard no_grad;
  torch::Tensor logits = cnn->Forward(x.view({601, 2, 12, 12}));
  const int64_t correct = logits.argmax(1).eq(y).sum().item<int64_t>();
  const double loss = torch::nn::functional::cross_entropy(logits, y).item<double>() * 601;
  collective::Communicator solo(0, 1, {});
  EvalResult eval = Evaluate(*cnn, x, y, solo);
  EXPECT_EQ(eval.total, 601);
  EXPECT_EQ(eval.correct, correct);
  EXPECT_NEAR(eval.loss_sum, loss, 1e-3);
}

// 8x8 images of 4 bands: conv 3x3 -> 6x6 -> pool 3x3, fc 4*9 -> 4.
plan::TrainSpec BandCnnSpec(const std::string& dir) {
  plan::TrainSpec spec;
  spec.dataset = testing::WriteBandDataset(dir, 1000, 200);
  spec.dataset.classes = 4;
  spec.model = CnnSpec({1, 8, 8}, {4}, 4);
  spec.batch_per_rank = 32;
  spec.epochs = 2;
  spec.seed = 4;
  return spec;
}

TEST(TrainCnn, LearnsSyntheticDataWithAdamAndAdamW) {
  testing::TempDir dir("cnn");
  for (const char* optimizer : {"adam", "adamw"}) {
    plan::TrainSpec spec = BandCnnSpec(dir.path());
    spec.optimizer.kind = optimizer;
    spec.optimizer.lr = 0.01;
    spec.optimizer.weight_decay = 0.01;
    TrainResult r = RunTraining(spec, {});
    ASSERT_TRUE(r.ok) << base::Render(r.error);
    EXPECT_GE(r.test_accuracy, 0.95) << optimizer;  // chance: 0.25
  }
}

TEST(TrainCnn, TwoRanksTrainToTheSameResult) {
  testing::TempDir dir("cnn");
  plan::TrainSpec spec = BandCnnSpec(dir.path());
  spec.optimizer.lr = 0.01;
  const std::vector<TrainResult> results = testing::TrainOnRanks(spec, 2);
  for (const TrainResult& r : results) {
    ASSERT_TRUE(r.ok) << base::Render(r.error);
    EXPECT_GE(r.test_accuracy, 0.9);
  }
  EXPECT_EQ(results[0].final_loss, results[1].final_loss);
}

// The final checkpoint's parameters of a run (asserting it finished).
torch::Tensor FinalParams(const plan::TrainSpec& spec) {
  auto m = MakeModel(spec.model, 0);
  auto opt = std::move(MakeOptimizer(spec.optimizer, m->flat_params(), m->flat_grads()).optimizer);
  CheckpointData data;
  data.params = m->flat_params();
  data.optimizer_state = opt->State();
  auto error = ReadCheckpoint(CheckpointPath(spec.checkpoint.dir), &data);
  EXPECT_FALSE(error) << error->Render();
  EXPECT_EQ(data.epoch, spec.epochs);
  EXPECT_EQ(data.optimizer_kind, spec.optimizer.kind);
  return data.params.clone();
}

TEST(TrainCnn, InterruptedAndResumedRunEqualsAnUninterruptedOne) {
  testing::TempDir dir("cnn");
  plan::TrainSpec spec = BandCnnSpec(dir.path());
  spec.epochs = 3;
  spec.optimizer.kind = "adamw";
  spec.optimizer.weight_decay = 0.05;
  spec.checkpoint.dir = dir.File("straight");
  TrainResult straight = RunTraining(spec, {});
  ASSERT_TRUE(straight.ok) << base::Render(straight.error);

  spec.checkpoint.dir = dir.File("stopped");
  std::atomic<int> stop{0};
  TrainOptions stopping;
  stopping.stop_requested = &stop;
  stopping.after_step = [&](int64_t steps) {
    if (steps == 45) stop = 1;  // mid-epoch 2 (32 steps an epoch)
  };
  TrainResult interrupted = RunTraining(spec, stopping);
  ASSERT_TRUE(interrupted.interrupted) << base::Render(interrupted.error);
  TrainOptions resuming;
  resuming.resume = ResumeMode::kRequired;
  TrainResult resumed = RunTraining(spec, resuming);
  ASSERT_TRUE(resumed.ok) << base::Render(resumed.error);

  torch::Tensor a = FinalParams(spec);
  spec.checkpoint.dir = dir.File("straight");
  torch::Tensor b = FinalParams(spec);
  EXPECT_TRUE(torch::equal(a, b)) << "max difference " << (a - b).abs().max().item<float>();
  EXPECT_EQ(resumed.test_accuracy, straight.test_accuracy);
  EXPECT_EQ(resumed.final_loss, straight.final_loss);
}

// Each mismatch between the model and the data names the model's field.
TEST(TrainCnn, AModelThatDoesNotFitTheDataNamesItsField) {
  testing::TempDir dir("cnn");
  const plan::TrainSpec good = BandCnnSpec(dir.path());
  struct Case {
    std::function<void(plan::TrainSpec&)> breaks;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](auto& s) { s.model.input = {1, 9, 9}; },
       "train.model.input: the model reads images of [1, 9, 9] but the dataset's samples are 64 values"},
      {[](auto& s) {
         s.model.input = {1, 4, 16};
         s.dataset.shape = {1, 8, 8};
       },
       "train.model.input: the model reads images of [1, 4, 16] but the dataset's samples are [1, 8, 8]"},
      {[](auto& s) { s.dataset.classes = 10; },
       "train.model.classes: the model has 4 outputs but the dataset has 10 classes (train.dataset.classes)"},
      {[](auto& s) { s.model.channels = {4, 4}; }, "train.model.input: an image of [1, 8, 8] is too small"},
      {[](auto& s) { s.model.kind = "torchscript"; }, "train.model.file: must name the saved module"},
  };
  for (const Case& c : cases) {
    plan::TrainSpec spec = good;
    c.breaks(spec);
    TrainResult r = RunTraining(spec, {});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(base::Render(r.error).rfind(c.expected, 0), 0u)  // starts with it
        << "got: " << base::Render(r.error) << "\nwanted: " << c.expected;
  }
}

}  // namespace
}  // namespace dml::train
