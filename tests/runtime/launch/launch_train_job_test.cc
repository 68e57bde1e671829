// `dmlrun local` on a training plan: two rank processes rendezvous over
// loopback, train on a tiny IDX dataset written here, and report a result.
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "launch_test_util.h"
#include "runtime/dist/port.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::launch {
namespace {

using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

constexpr char kDmlrun[] = DMLRUN_PATH;
constexpr uint32_t kImagesMagic = 0x00000803;  // IDX: unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // IDX: unsigned bytes, 1 dimension
constexpr int kSide = 28;
constexpr int kClasses = 10;
constexpr int kTrainSize = 256;
constexpr int kTestSize = 64;

void Put32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// Plain IDX files where an image of label k has row k lit: easy to learn.
void WriteIdx(const std::string& dir, const std::string& prefix, int count) {
  std::string images, labels;
  Put32(images, kImagesMagic);
  for (uint32_t dim : {static_cast<uint32_t>(count), uint32_t{kSide}, uint32_t{kSide}}) {
    Put32(images, dim);
  }
  Put32(labels, kLabelsMagic);
  Put32(labels, static_cast<uint32_t>(count));
  for (int i = 0; i < count; ++i) {
    int label = i % kClasses;
    labels.push_back(static_cast<char>(label));
    for (int pixel = 0; pixel < kSide * kSide; ++pixel) {
      images.push_back(static_cast<char>(pixel / kSide == label ? 255 : 0));
    }
  }
  WriteFile(dir + "/" + prefix + "-images", images);
  WriteFile(dir + "/" + prefix + "-labels", labels);
}

plan::Plan TrainPlan(const std::string& data_dir) {
  plan::Plan plan;
  plan.job = "tiny";
  plan.kind = plan::JobKind::kTrain;
  plan.cluster.subnet = "10.8.1.0/24";
  plan.cluster.master_addr = "10.8.1.250";
  plan.cluster.port = dist::PickFreePort();
  plan.cluster.groups = {{"master", 1, 1, ""}, {"workers", 1, 1, ""}};
  plan.timeouts.rendezvous_s = 30;
  plan::TrainSpec train;
  train.dataset = plan::IdxFiles("tiny", data_dir, "train-images", "train-labels",
                   "test-images", "test-labels", kTrainSize, kTestSize);
  train.model.layers = {kSide * kSide, 16, kClasses};
  train.batch_per_rank = 16;
  train.epochs = 5;  // --epochs 1 below must win
  train.seed = 7;
  train.threads_per_rank = 1;
  plan.train = train;
  return plan;
}

// The tiny dataset and a 2-rank plan training on it, in `dir`; returns the plan's path.
std::string WriteTinyJob(const TempDir& dir) {
  WriteIdx(dir.path(), "train", kTrainSize);
  WriteIdx(dir.path(), "test", kTestSize);
  std::string plan_path = dir.File("tiny.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(TrainPlan(dir.path())));
  return plan_path;
}

std::string LastLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

TEST(LaunchTrainJob, TwoRanksTrainOverLoopback) {
  TempDir dir;
  const std::string plan_path = WriteTinyJob(dir);
  std::string metrics = dir.File("metrics.jsonl");
  WriteFile(metrics, "{\"stale\": true}\n");  // a previous run's records are replaced

  std::string log;
  int status =
      RunCommand({kDmlrun, "local", plan_path, "--epochs", "1", "--metrics", metrics}, dir, &log);
  ASSERT_EQ(status, 0) << log;
  EXPECT_NE(log.find("world size 2"), std::string::npos) << log;
  EXPECT_NE(log.find("2 rank(s) x 1 thread(s)"), std::string::npos) << log;
  EXPECT_NE(log.find("dmlrun: done: test accuracy"), std::string::npos) << log;

  std::string text = ReadFile(metrics);
  EXPECT_EQ(text.find("stale"), std::string::npos) << text;
  nlohmann::json last = nlohmann::json::parse(LastLine(text), nullptr, false);
  ASSERT_TRUE(last.is_object()) << text;
  EXPECT_EQ(last.value("world_size", 0), 2) << text;
  EXPECT_EQ(last.value("epochs", 0), 1) << text;
  double accuracy = last.value("test_accuracy", -1.0);
  EXPECT_GE(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
}

// More threads than the cores allow are capped with a note; two ranks are
// pinned to their own cores when there are two, and not with --no-pin.
TEST(LaunchTrainJob, ThreadsAreCappedAndRanksPinned) {
  TempDir dir;
  const std::string plan_path = WriteTinyJob(dir);
  // As dmlrun counts them (this test binary does not link its LibTorch side).
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  const int cores = CPU_COUNT(&set);
  const int fair = std::max(1, cores / 2);

  std::string log;
  int status = RunCommand({kDmlrun, "local", plan_path, "--epochs", "1", "--threads", "1000"}, dir, &log);
  ASSERT_EQ(status, 0) << log;
  EXPECT_NE(log.find("1000 thread(s) per rank asked for"), std::string::npos) << log;
  EXPECT_NE(log.find("2 rank(s) x " + std::to_string(fair) + " thread(s) on " + std::to_string(cores) + " core(s)"),
            std::string::npos)
      << log;
  if (cores >= 2) EXPECT_NE(log.find("dmlrun: pinned rank 0 -> cpu "), std::string::npos) << log;

  log.clear();
  status = RunCommand({kDmlrun, "local", plan_path, "--epochs", "1", "--no-pin"}, dir, &log);
  ASSERT_EQ(status, 0) << log;
  EXPECT_EQ(log.find("pinned"), std::string::npos) << log;
}

// The test accuracy of each epoch record in a metrics file, in order.
std::vector<double> EpochAccuracies(const std::string& metrics) {
  std::vector<double> accuracies;
  std::istringstream lines(ReadFile(metrics));
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_object() && record.value("event", "") == "epoch") {
      accuracies.push_back(record.value("test_accuracy", -1.0));
    }
  }
  return accuracies;
}

// A plan's cnn (kind cnn, 28x28 images) and AdamW train through `dmlrun
// local` on two ranks: the test accuracy rises from chance to near 1.
TEST(LaunchTrainJob, CnnWithAdamWLearnsThroughAPlan) {
  TempDir dir;
  WriteIdx(dir.path(), "train", kTrainSize);
  WriteIdx(dir.path(), "test", kTestSize);
  plan::Plan plan = TrainPlan(dir.path());
  plan.train->dataset.shape = {1, kSide, kSide};
  plan.train->dataset.classes = kClasses;
  plan.train->model.kind = "cnn";
  plan.train->model.layers.clear();
  plan.train->model.input = {1, kSide, kSide};
  plan.train->model.channels = {4};  // 28 -conv-> 26 -pool-> 13; fc 4*13*13 -> 10
  plan.train->model.kernel = 3;
  plan.train->model.classes = kClasses;
  plan.train->optimizer.kind = "adamw";
  plan.train->optimizer.lr = 3e-3;
  plan.train->optimizer.weight_decay = 0.01;
  plan.train->epochs = 3;
  const std::string plan_path = dir.File("cnn.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(plan));
  const std::string metrics = dir.File("metrics.jsonl");

  std::string log;
  ASSERT_EQ(RunCommand({kDmlrun, "local", plan_path, "--metrics", metrics}, dir, &log), 0) << log;
  EXPECT_NE(log.find("6,810 parameters"), std::string::npos) << log;  // 4*9+4 + 676*10+10
  EXPECT_NE(log.find("adamw"), std::string::npos) << log;
  std::vector<double> accuracies = EpochAccuracies(metrics);
  ASSERT_EQ(accuracies.size(), 3u) << ReadFile(metrics);
  EXPECT_GE(accuracies.back(), 0.9) << ReadFile(metrics);  // chance: 0.1
  EXPECT_GE(accuracies.back(), accuracies.front()) << ReadFile(metrics);
}

TEST(LaunchTrainJob, MissingDatasetFailsTheJobWithTheFileNamed) {
  TempDir dir;
  std::string missing = dir.File("no-such-dataset");
  std::string plan_path = dir.File("tiny.plan.yaml");
  WriteFile(plan_path, plan::SerializePlan(TrainPlan(missing)));
  std::string log;
  EXPECT_EQ(RunCommand({kDmlrun, "local", plan_path}, dir, &log), 1) << log;
  EXPECT_NE(log.find("no-such-dataset"), std::string::npos) << log;
  EXPECT_NE(log.find("dmlrun: error: rank "), std::string::npos) << log;
}

}  // namespace
}  // namespace dml::launch
