// Whole single-rank training runs: learning, reporting, checkpoints, errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/collective/comm.h"
#include "runtime/data/dataset.h"
#include "runtime/model/mlp.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/report.h"
#include "runtime/train/step.h"
#include "runtime/train/trainer.h"
#include "tests/runtime/data/idx_fixture.h"

namespace dml::train {
namespace {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

plan::TrainSpec BandSpec(const std::string& dir) {
  plan::TrainSpec spec;
  spec.dataset = testing::WriteBandDataset(dir, 1000, 200);
  spec.model.layers = {64, 32, 4};
  spec.batch_per_rank = 32;
  spec.epochs = 2;
  spec.seed = 4;
  return spec;
}

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

TEST(TrainRun, LearnsSyntheticDataAndReports) {
  testing::TempDir dir("run");
  plan::TrainSpec spec = BandSpec(dir.path());
  std::ostringstream log;
  TrainOptions options;
  options.metrics_path = dir.File("metrics.jsonl");
  options.log = &log;
  TrainResult r = RunTraining(spec, options);
  ASSERT_TRUE(r.ok) << base::Render(r.error);
  EXPECT_GE(r.test_accuracy, 0.95);
  EXPECT_EQ(r.epochs, 2);
  EXPECT_GT(r.samples_per_second, 0);
  EXPECT_GT(r.train_seconds, 0);
  EXPECT_NE(log.str().find("epoch 1/2  loss "), std::string::npos) << log.str();

  auto records = ReadJsonLines(options.metrics_path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["event"], "epoch");
  EXPECT_EQ(records[1]["epoch"], 2);
  EXPECT_EQ(records[0]["samples"], 1000);
  const auto& final = records[2];
  EXPECT_EQ(final["event"], "final");
  EXPECT_EQ(final["world_size"], 1);
  EXPECT_EQ(final["epochs"], 2);
  EXPECT_DOUBLE_EQ(final["test_accuracy"].get<double>(), r.test_accuracy);
  for (const char* key : {"train_seconds", "samples_per_second", "final_loss"}) EXPECT_TRUE(final.contains(key));
}

TEST(TrainRun, EpochsOverrideAndSgd) {
  testing::TempDir dir("run");
  plan::TrainSpec spec = BandSpec(dir.path());
  spec.optimizer.kind = "sgd";
  spec.optimizer.lr = 0.1;
  spec.optimizer.momentum = 0.9;
  TrainOptions options;
  options.epochs_override = 1;
  TrainResult r = RunTraining(spec, options);
  ASSERT_TRUE(r.ok) << base::Render(r.error);
  EXPECT_EQ(r.epochs, 1);
  EXPECT_GE(r.test_accuracy, 0.9);
}

TEST(TrainRun, SameSeedSameResult) {
  testing::TempDir dir("run");
  plan::TrainSpec spec = BandSpec(dir.path());
  spec.epochs = 1;
  TrainResult a = RunTraining(spec, {});
  TrainResult b = RunTraining(spec, {});
  spec.seed = 5;
  TrainResult c = RunTraining(spec, {});
  ASSERT_TRUE(a.ok && b.ok && c.ok);
  EXPECT_EQ(a.final_loss, b.final_loss);
  EXPECT_EQ(a.test_accuracy, b.test_accuracy);
  EXPECT_NE(a.final_loss, c.final_loss);
}

TEST(TrainRun, CheckpointHoldsTheTrainedModel) {
  testing::TempDir dir("run");
  plan::TrainSpec spec = BandSpec(dir.path());
  spec.checkpoint.dir = dir.File("ckpt/nested");
  spec.checkpoint.every_epochs = 1;
  TrainResult r = RunTraining(spec, {});
  ASSERT_TRUE(r.ok) << base::Render(r.error);

  auto mlp = std::move(model::Mlp::Create(spec.model).mlp);
  auto opt = std::move(MakeOptimizer(spec.optimizer, mlp->flat_params(), mlp->flat_grads()).optimizer);
  CheckpointData data;
  data.params = mlp->flat_params();
  data.optimizer_state = opt->State();
  auto error = ReadCheckpoint(CheckpointPath(spec.checkpoint.dir), &data);
  ASSERT_FALSE(error) << error->Render();
  EXPECT_EQ(data.epoch, 2);
  EXPECT_EQ(data.optimizer_kind, "adam");
  EXPECT_EQ(data.optimizer_steps, 2 * 32);  // 1000 samples / batch 32 = 32 steps per epoch
  EXPECT_GT(opt->State()[1].second.abs().sum().item<float>(), 0);  // Adam's second moment came back

  // The weights read back classify the test set as well as the run reported.
  auto loaded = data::LoadIdxDataset(spec.dataset, {4});
  ASSERT_TRUE(loaded.dataset);
  collective::Communicator solo(0, 1, {});
  EvalResult eval = Evaluate(*mlp, loaded.dataset->test.images, loaded.dataset->test.labels, solo);
  EXPECT_DOUBLE_EQ(eval.accuracy(), r.test_accuracy);
  for (const auto& entry : std::filesystem::directory_iterator(spec.checkpoint.dir)) {
    EXPECT_EQ(entry.path().filename(), kCheckpointFile);  // no temporary file left behind
  }
}

TEST(TrainRun, CheckpointOfAnotherShapeIsRejected) {
  testing::TempDir dir("run");
  CheckpointData small;
  small.params = torch::ones({5});
  ASSERT_FALSE(WriteCheckpoint(dir.path(), small));
  CheckpointData big;
  big.params = torch::zeros({7});
  auto error = ReadCheckpoint(CheckpointPath(dir.path()), &big);
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find("'model.params' has 5 elements but this model needs 7"), std::string::npos)
      << error->Render();
  std::ofstream(dir.File("junk.pt")) << "not a checkpoint";
  error = ReadCheckpoint(dir.File("junk.pt"), &big);
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find("not a readable checkpoint"), std::string::npos) << error->Render();
}

// Each broken spec comes back as an error naming the field, never a throw.
TEST(TrainRun, BadSpecsAreErrorValues) {
  testing::TempDir dir("run");
  const plan::TrainSpec good = BandSpec(dir.path());
  struct Case {
    std::function<void(plan::TrainSpec&)> breaks;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](auto& s) { s.optimizer.kind = "rmsprop"; }, "train.optimizer.kind: unknown optimizer 'rmsprop'"},
      {[](auto& s) { s.model.kind = "transformer"; }, "train.model.kind: unknown model kind 'transformer'"},
      {[](auto& s) { s.model.activation = "elu"; }, "train.model.activation: unknown activation 'elu'"},
      {[](auto& s) { s.model.layers = {784, 100, 4}; }, "train.model.layers: the input size is 784 but the dataset"},
      {[](auto& s) { s.model.layers = {64, 3}; }, "label 3 at index"},
      {[](auto& s) { s.loss = "mse"; }, "train.loss: unknown loss 'mse'"},
      {[](auto& s) { s.batch_per_rank = 0; }, "train.batch_per_rank: must be at least 1"},
      {[](auto& s) { s.dataset.train_size = 999; }, "holds 1000 images but the plan declares train_size: 999"},
  };
  for (const Case& c : cases) {
    plan::TrainSpec spec = good;
    c.breaks(spec);
    TrainResult r = RunTraining(spec, {});
    EXPECT_FALSE(r.ok);
    EXPECT_NE(base::Render(r.error).find(c.expected), std::string::npos)
        << "got: " << base::Render(r.error) << "\nwanted: " << c.expected;
  }
}

TEST(TrainRun, BadOptionsAreErrorValues) {
  testing::TempDir dir("run");
  plan::TrainSpec spec = BandSpec(dir.path());
  TrainOptions options;
  options.world_size = 2;  // but no process group
  EXPECT_EQ(base::Render(RunTraining(spec, options).error), "a world of 2 ranks needs a process group");
  options.world_size = 1;
  options.metrics_path = dir.File("no/such/dir/metrics.jsonl");
  TrainResult r = RunTraining(spec, options);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(base::Render(r.error).find("cannot open metrics file"), std::string::npos) << base::Render(r.error);
}

TEST(TrainReport, EpochLineAndThousands) {
  EXPECT_EQ(GroupThousands(28500.4), "28,500");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EpochStats s;
  s.epoch = 3;
  s.epochs = 10;
  s.train_loss = 0.41234;
  s.test_accuracy = 0.84123;
  s.train_seconds = 2.0;
  s.samples = 57000;
  EXPECT_EQ(EpochLine(s), "epoch  3/10  loss 0.4123  test acc 0.8412  train 2.0 s  28,500 samples/s");
}

TEST(TrainRun, FashionMnistOneEpochOneRank) {
  if (!std::filesystem::is_directory(kFashionMnistDir)) GTEST_SKIP() << kFashionMnistDir << " is not installed";
  plan::TrainSpec spec;
  spec.dataset.dir = kFashionMnistDir;
  spec.dataset.train_images = "train-images-idx3-ubyte.gz";
  spec.dataset.train_labels = "train-labels-idx1-ubyte.gz";
  spec.dataset.test_images = "t10k-images-idx3-ubyte.gz";
  spec.dataset.test_labels = "t10k-labels-idx1-ubyte.gz";
  spec.dataset.train_size = 60000;
  spec.dataset.test_size = 10000;
  spec.model.layers = {784, 100, 10};
  spec.epochs = 1;
  TrainOptions options;
  options.threads = 1;  // two threads crawl when CI runs other tests beside this one
  TrainResult r = RunTraining(spec, options);
  ASSERT_TRUE(r.ok) << base::Render(r.error);
  EXPECT_GE(r.test_accuracy, 0.80);
}

}  // namespace
}  // namespace dml::train
