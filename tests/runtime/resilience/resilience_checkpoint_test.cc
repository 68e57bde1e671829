// Stopping and continuing for real: SIGTERM to `dmlrun local` mid-epoch,
// a rank 0 killed while writing a checkpoint, a rank that crashes once under
// job.max_restarts. Each continued run must end with exactly the weights of
// a run that was never interrupted.
#include <signal.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "launch_test_util.h"
#include "runtime/model/model.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/flat_optimizer.h"
#include "tests/runtime/resilience/resilience_fixture.h"

namespace dml::resilience {
namespace {

using launch::testing::TempDir;
using std::chrono::milliseconds;

constexpr milliseconds kRunTimeout{60000};
constexpr milliseconds kStartTimeout{30000};
constexpr int kExitInterrupted = 3;  // dmlrun's documented code for a requested stop
// 600 samples on 2 ranks, batch 16: 19 steps per epoch, so stop checks
// (every 16 steps) fall at different places in different epochs.
constexpr int kTrainSize = 600;
constexpr int kEpochs = 4;

struct Checkpoint {
  std::optional<base::Error> error;
  train::CheckpointData data;
};

Checkpoint Load(const plan::TrainSpec& spec, const std::string& path) {
  Checkpoint result;
  auto model = std::move(model::CreateModel(spec.model).model);
  auto optimizer = std::move(train::MakeOptimizer(spec.optimizer, model->flat_params(), model->flat_grads()).optimizer);
  result.data.params = model->flat_params();
  result.data.optimizer_state = optimizer->State();
  result.error = train::ReadCheckpoint(path, &result.data);
  return result;
}

nlohmann::json FinalRecord(const std::string& metrics_path) {
  std::string text = launch::testing::ReadFile(metrics_path);
  size_t end = text.find_last_not_of('\n');
  size_t begin = text.rfind('\n', end);
  return nlohmann::json::parse(text.substr(begin == std::string::npos ? 0 : begin + 1), nullptr, false);
}

struct Job {
  TempDir dir;
  plan::Plan plan;
  std::string plan_path;

  int64_t steps_per_epoch = 19;

  // `global_batch` > 0: steps of that many rows over both ranks (13 and 12 for 25).
  explicit Job(int max_restarts = 0, bool cnn = false, int global_batch = 0) {
    WriteTinyDataset(dir.path(), kTrainSize, 100);
    plan = LoopbackPlan(dir.path(), 1, 1);
    if (cnn) {
      plan::Model& m = plan.train->model;
      m.kind = "cnn";
      m.layers.clear();
      m.input = {1, kSide, kSide};
      m.channels = {4};
      m.classes = kClasses;
    }
    plan.train->epochs = kEpochs;
    if (global_batch > 0) {
      plan.train->global_batch = global_batch;
      steps_per_epoch = (kTrainSize + global_batch - 1) / global_batch;
    }
    plan.train->checkpoint.every_epochs = 1;
    plan.max_restarts = max_restarts;
    plan_path = WritePlan(dir.path(), plan);
  }
  std::string CheckpointDir(const std::string& name) const { return dir.File(name); }
  // Runs `dmlrun local` to the end; returns its status.
  int Run(const std::string& name, std::vector<std::string> extra = {},
          const std::vector<std::pair<std::string, std::string>>& env = {}) {
    std::vector<std::string> argv = {kDmlrun, "local", plan_path, "--checkpoint-dir", CheckpointDir(name),
                                     "--metrics", dir.File(name + ".jsonl")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process process(argv, dir.File(name + ".log"), env);
    std::optional<int> status = process.Wait(kRunTimeout);
    last_log = process.Log();
    return status.value_or(-1);
  }
  torch::Tensor FinalParams(const std::string& name) {
    Checkpoint ckpt = Load(*plan.train, train::CheckpointPath(CheckpointDir(name)));
    EXPECT_FALSE(ckpt.error) << ckpt.error->Render();
    EXPECT_EQ(ckpt.data.epoch, kEpochs);
    return ckpt.data.params.clone();
  }
  std::string last_log;
};

void ExpectSigtermAndResumeMatchesAnUninterruptedRun(Job& job) {
  ASSERT_EQ(job.Run("straight"), 0) << job.last_log;
  const torch::Tensor expected = job.FinalParams("straight");

  {
    Process run({kDmlrun, "local", job.plan_path, "--checkpoint-dir", job.CheckpointDir("stopped"), "--metrics",
                 job.dir.File("stopped.jsonl")},
                job.dir.File("stopped.log"), {{"DML_FAULT_INJECT", "step_delay_ms=20"}});
    ASSERT_TRUE(run.WaitForLog(" test acc ", kStartTimeout)) << run.Log();
    run.Signal(SIGTERM);
    std::optional<int> status = run.Wait(kRunTimeout);
    ASSERT_TRUE(status) << run.Log();
    EXPECT_EQ(*status, kExitInterrupted) << run.Log();
    EXPECT_NE(run.Log().find("stopped on request in epoch"), std::string::npos) << run.Log();
    EXPECT_NE(run.Log().find("continue with --resume"), std::string::npos) << run.Log();
  }
  Checkpoint saved = Load(*job.plan.train, train::CheckpointPath(job.CheckpointDir("stopped")));
  ASSERT_FALSE(saved.error) << saved.error->Render();
  EXPECT_LT(saved.data.epoch, kEpochs);
  EXPECT_GT(saved.data.step_in_epoch, 0) << "the stop should land mid-epoch";
  EXPECT_EQ(saved.data.world_size, 2);
  EXPECT_EQ(saved.data.optimizer_steps, saved.data.epoch * job.steps_per_epoch + saved.data.step_in_epoch);
  EXPECT_EQ(saved.data.global_batch, job.plan.train->global_batch);
  EXPECT_TRUE(saved.data.rng_state.defined());

  ASSERT_EQ(job.Run("stopped", {"--resume"}), 0) << job.last_log;
  EXPECT_NE(job.last_log.find("resuming from"), std::string::npos) << job.last_log;
  const torch::Tensor resumed = job.FinalParams("stopped");
  EXPECT_TRUE(torch::equal(resumed, expected)) << "max difference "
                                               << (resumed - expected).abs().max().item<float>();
  // The same seed and world size give the same reported result, resumed or not.
  nlohmann::json a = FinalRecord(job.dir.File("straight.jsonl"));
  nlohmann::json b = FinalRecord(job.dir.File("stopped.jsonl"));
  EXPECT_EQ(a.value("test_accuracy", -1.0), b.value("test_accuracy", -2.0));
  EXPECT_NEAR(a.value("final_loss", -1.0), b.value("final_loss", -2.0), 1e-9);
}

TEST(ResilienceCheckpoint, SigtermMidEpochSavesACheckpointAndResumeMatchesAnUninterruptedRun) {
  Job job;
  ExpectSigtermAndResumeMatchesAnUninterruptedRun(job);
}

// The same for a cnn (autograd through torch::nn layers seated in the flat buffers).
TEST(ResilienceCheckpoint, CnnSigtermMidEpochAndResumeMatchesAnUninterruptedRun) {
  Job job(/*max_restarts=*/0, /*cnn=*/true);
  ExpectSigtermAndResumeMatchesAnUninterruptedRun(job);
}

// And for a global batch, whose ranks take uneven parts of each step.
TEST(ResilienceCheckpoint, GlobalBatchSigtermMidEpochAndResumeMatchesAnUninterruptedRun) {
  Job job(/*max_restarts=*/0, /*cnn=*/false, /*global_batch=*/25);
  ExpectSigtermAndResumeMatchesAnUninterruptedRun(job);
}

TEST(ResilienceCheckpoint, RerunWithTheSameSeedAndWorldSizeGivesTheSameResult) {
  Job job;
  ASSERT_EQ(job.Run("first"), 0) << job.last_log;
  ASSERT_EQ(job.Run("second"), 0) << job.last_log;
  nlohmann::json a = FinalRecord(job.dir.File("first.jsonl"));
  nlohmann::json b = FinalRecord(job.dir.File("second.jsonl"));
  ASSERT_TRUE(a.is_object() && b.is_object());
  EXPECT_EQ(a.value("final_loss", -1.0), b.value("final_loss", -2.0));
  EXPECT_EQ(a.value("test_accuracy", -1.0), b.value("test_accuracy", -2.0));
  EXPECT_TRUE(torch::equal(job.FinalParams("first"), job.FinalParams("second")));
}

TEST(ResilienceCheckpoint, KillDuringACheckpointWriteKeepsThePreviousOne) {
  Job job;
  // Rank 0 is SIGKILLed halfway through writing its second checkpoint.
  int status = job.Run("torn", {}, {{"DML_FAULT_INJECT", "rank=0,crash_in_checkpoint=2"}});
  EXPECT_EQ(status, 1) << job.last_log;
  EXPECT_NE(job.last_log.find("rank 0 (pid"), std::string::npos) << job.last_log;
  const std::string dir = job.CheckpointDir("torn");
  std::vector<std::string> torn;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name != train::kCheckpointFile) torn.push_back(entry.path().string());
  }
  ASSERT_EQ(torn.size(), 1u) << "expected the killed writer's temporary file";
  EXPECT_TRUE(Load(*job.plan.train, torn[0]).error) << "a torn file must not load";
  Checkpoint previous = Load(*job.plan.train, train::CheckpointPath(dir));
  ASSERT_FALSE(previous.error) << previous.error->Render();
  EXPECT_EQ(previous.data.epoch, 1);

  ASSERT_EQ(job.Run("torn", {"--resume"}), 0) << job.last_log;
  EXPECT_FALSE(std::filesystem::exists(torn[0])) << "the torn file is cleaned up";
  ASSERT_EQ(job.Run("straight"), 0) << job.last_log;
  EXPECT_TRUE(torch::equal(job.FinalParams("torn"), job.FinalParams("straight")));
}

TEST(ResilienceCheckpoint, RankThatCrashesOnceIsRestartedFromTheLastCheckpoint) {
  Job job(/*max_restarts=*/1);
  // Rank 1 SIGKILLs itself in epoch 3 of the first attempt only.
  int status = job.Run("restarted", {}, {{"DML_FAULT_INJECT", "rank=1,crash_at_step=45"}});
  ASSERT_EQ(status, 0) << job.last_log;
  EXPECT_NE(job.last_log.find("killed by signal 9"), std::string::npos) << job.last_log;
  EXPECT_NE(job.last_log.find("restarting from the last checkpoint (restart 1 of 1)"), std::string::npos)
      << job.last_log;
  EXPECT_NE(job.last_log.find("resuming from"), std::string::npos) << job.last_log;
  EXPECT_EQ(FinalRecord(job.dir.File("restarted.jsonl")).value("epochs", 0), kEpochs);
  ASSERT_EQ(job.Run("straight"), 0) << job.last_log;
  EXPECT_TRUE(torch::equal(job.FinalParams("restarted"), job.FinalParams("straight")));
}

TEST(ResilienceCheckpoint, WithoutRestartsTheSameCrashFailsTheJob) {
  Job job(/*max_restarts=*/0);
  int status = job.Run("crashed", {}, {{"DML_FAULT_INJECT", "rank=1,crash_at_step=45"}});
  EXPECT_EQ(status, 1) << job.last_log;
  EXPECT_EQ(job.last_log.find("restarting"), std::string::npos) << job.last_log;
}

// An exception on a library's own thread (as c10d's store client throws
// when a peer's connection resets) fails the job with a named error, not
// std::terminate's raw "terminate called after throwing" and an abort.
TEST(ResilienceCheckpoint, AnExceptionOnALibraryThreadFailsTheJobCleanly) {
  Job job(/*max_restarts=*/0);
  int status = job.Run("thrown", {}, {{"DML_FAULT_INJECT", "rank=1,throw_on_thread_at_step=45"}});
  EXPECT_EQ(status, 1) << job.last_log;
  EXPECT_NE(job.last_log.find("dmlrun: error: a thread of the runtime's libraries failed: "),
            std::string::npos)
      << job.last_log;
  EXPECT_NE(job.last_log.find("Connection reset by peer"), std::string::npos) << job.last_log;
  EXPECT_EQ(job.last_log.find("terminate called"), std::string::npos) << job.last_log;
  EXPECT_EQ(job.last_log.find("signal 6"), std::string::npos) << job.last_log;
}

TEST(ResilienceCheckpoint, ResumeWithoutACheckpointIsAnError) {
  Job job;
  EXPECT_EQ(job.Run("empty", {"--resume"}), 1) << job.last_log;
  EXPECT_NE(job.last_log.find("no checkpoint to resume from"), std::string::npos) << job.last_log;
}

}  // namespace
}  // namespace dml::resilience
