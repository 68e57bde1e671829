#include "runtime/train/trainer.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/collective/comm.h"
#include "runtime/data/batch.h"
#include "runtime/data/dataset.h"
#include "runtime/data/step_batches.h"
#include "runtime/model/model.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/flat_optimizer.h"
#include "runtime/model/torchscript_model.h"
#include "runtime/train/mlp_pass.h"
#include "runtime/train/output_dir.h"
#include "runtime/train/pass.h"
#include "runtime/train/process_stats.h"
#include "runtime/train/report.h"
#include "runtime/train/step.h"

namespace dml::train {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TrainResult Failure(base::Error error) {
  TrainResult result;
  result.error = std::move(error);
  return result;
}

class Trainer {
 public:
  Trainer(const plan::TrainSpec& spec, const TrainOptions& options)
      : spec_(spec),
        options_(options),
        comm_(options.rank, options.world_size, options.process_group, options.subgroups, options.networks) {}

  TrainResult Run() {
    // Every rank learns whether any rank failed to set up, so none of them
    // waits in a collective for a rank that has already given up.
    std::optional<base::Error> error = SetUp();
    torch::Tensor failed = torch::full({1}, error ? 1.0 : 0.0, torch::kFloat64);
    comm_.AllreduceSum(failed);
    if (error) return Failure(*error);
    if (failed.item<double>() > 0) {
      return Failure(AtThisRank(base::Error("stopped: another rank failed during set-up")));
    }

    model_->Init(spec_.seed);
    comm_.Broadcast(model_->flat_params(), 0);  // rank 0's weights win, whatever the others drew
    if (auto error = Resume()) return Failure(*error);
    LogStart();

    TrainResult result;
    result.train_seconds = resume_.train_seconds;
    total_samples_ = resume_.samples;
    EpochStats stats;
    const auto wall_start = Clock::now();
    if (resume_.epoch >= epochs_) stats = FinalEvaluation();  // nothing left to train
    for (int epoch = static_cast<int>(resume_.epoch); epoch < epochs_; ++epoch) {
      const bool first = epoch == resume_.epoch;
      stats = RunEpoch(epoch, first ? resume_.step_in_epoch : 0, first ? resume_.epoch_loss_sum : 0.0);
      result.train_seconds += stats.train_seconds;
      total_samples_ += stats.samples;
      train_seconds_so_far_ = result.train_seconds;
      if (stopped_after_) return Interrupted(epoch, stats.train_loss, result);
      if (is_root() && options_.log != nullptr) *options_.log << EpochLine(stats) << std::endl;
      if (is_root()) metrics_.Write(EpochRecord(stats, comm_.world_size()));
      if (auto error = MaybeCheckpoint(epoch)) return Failure(*error);
    }
    result.ok = true;
    result.epochs = epochs_;
    result.test_accuracy = stats.test_accuracy;
    result.final_loss = stats.train_loss;
    result.samples_per_second = result.train_seconds > 0 ? total_samples_ / result.train_seconds : 0;
    if (!options_.step_trace_dir.empty()) {
      const std::string path = fmt::format("{}/rank-{}.tsv", options_.step_trace_dir, comm_.rank());
      if (auto error = trace_.Write(path)) return Failure(AtThisRank(*error));
    }
    if (is_root()) {
      if (auto error = Finish(result, SecondsSince(wall_start))) return Failure(*error);
    }
    return result;
  }

 private:
  bool is_root() const { return comm_.rank() == 0; }
  // `error` placed at this rank when there are several.
  base::Error AtThisRank(base::Error error) const {
    if (comm_.world_size() == 1) return error;
    return base::Error(base::RankAt{comm_.rank()}, "").CausedBy(std::move(error));
  }

  std::optional<base::Error> SetUp() {
    epochs_ = options_.epochs_override > 0 ? options_.epochs_override : spec_.epochs;
    if (epochs_ < 1) return base::Error::InField("train.epochs", fmt::format("must be at least 1, got {}", epochs_));
    if (auto error = CheckBatch()) return error;
    if (spec_.loss != "cross_entropy") {
      return base::Error::InField("train.loss", fmt::format("unknown loss '{}' (known: cross_entropy)", spec_.loss));
    }
    auto built = model::CreateModel(spec_.model);
    if (!built.model) return built.error;
    model_ = std::move(built.model);
    auto made = MakeOptimizer(spec_.optimizer, model_->flat_params(), model_->flat_grads());
    if (!made.optimizer) return made.error;
    optimizer_ = std::move(made.optimizer);

    // `threads` is what the rank may use; a step too small to split runs on
    // fewer (StepThreads), and so does the rest of the run: evaluation's
    // few large GEMMs gain milliseconds from more threads, not worth a
    // second thread-pool configuration.
    threads_allowed_ = options_.threads > 0 ? options_.threads : at::get_num_threads();
    // The mlp's pass splits a batch into lanes of kMinRowsPerLane rows;
    // autograd's convolutions use every allowed thread at any batch size.
    const bool lanes = spec_.model.kind == "mlp";
    at::set_num_threads(lanes ? StepThreads(MaxRows(), threads_allowed_) : threads_allowed_);
    if (auto error = CheckModelClasses()) return error;
    // Batches are converted from the pixel bytes (BatchBuffer): no float copy of the train set.
    auto loaded = data::LoadDataset(spec_.dataset, data::LoadOptions{model_->num_classes(), false});
    if (!loaded.dataset) return AtThisRank(*loaded.error);
    data_ = std::move(*loaded.dataset);
    if (auto error = CheckModelFitsData()) return error;
    if (is_root()) {
      if (auto error = metrics_.Open(options_.metrics_path)) return error;
      if (!spec_.checkpoint.dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(spec_.checkpoint.dir, ec);
        if (ec) {
          return base::Error::InFile(spec_.checkpoint.dir,
                                     fmt::format("cannot create checkpoint directory: {}", ec.message()));
        }
      }
    }
    // Reused by every step: the batch is gathered into these, never allocated.
    batch_.emplace(MaxRows(), data_.features);
    // One for the whole run: its pass buffers and its shared-memory segment
    // (set up collectively on the first step) serve every epoch.
    StepOptions step_options;
    if (!options_.step_trace_dir.empty()) step_options.trace = &trace_;
    step_.emplace(*model_, *optimizer_, comm_, step_options, MakePass(*model_, spec_.model));
    return std::nullopt;
  }

  // The dataset's samples must be what the model reads: an error at the
  // model's plan field.
  std::optional<base::Error> CheckModelFitsData() const {
    const plan::Model& m = spec_.model;
    if (m.kind == "mlp") {
      if (data_.features == model_->input_features()) return std::nullopt;
      return base::Error::InField("train.model.layers",
                                  fmt::format("the input size is {} but the dataset's images have {} pixels",
                                              model_->input_features(), data_.features));
    }
    const std::vector<int64_t>& input = model_->input_shape();
    const std::vector<int64_t>& shape = spec_.dataset.shape;  // as declared (the loader checks the files)
    if (data_.features != model_->input_features() || (!shape.empty() && shape != input)) {
      std::string theirs = shape.empty() ? fmt::format("{} values", data_.features)
                                         : fmt::format("[{}]", fmt::join(shape, ", "));
      return base::Error::InField("train.model.input",
                                  fmt::format("the model reads images of [{}] but the dataset's samples are {}",
                                              fmt::join(input, ", "), theirs));
    }
    return std::nullopt;
  }

  // Before loading: a model with fewer outputs than the dataset's declared
  // classes (the mlp's last layer is checked against the labels themselves).
  std::optional<base::Error> CheckModelClasses() const {
    if (spec_.model.kind == "mlp" || model_->num_classes() >= spec_.dataset.classes) return std::nullopt;
    return base::Error::InField("train.model.classes",
                                fmt::format("the model has {} outputs but the dataset has {} classes "
                                            "(train.dataset.classes)",
                                            model_->num_classes(), spec_.dataset.classes));
  }

  data::Batching Batching() const {
    if (spec_.global_batch > 0) return data::Batching{0, spec_.global_batch};
    return data::Batching{spec_.batch_per_rank, 0};
  }
  int64_t MaxRows() const { return data::MaxRowsPerStep(comm_.world_size(), Batching()); }

  // A global batch too small to give every rank a row would leave ranks
  // that never train: refused rather than silently idle.
  std::optional<base::Error> CheckBatch() const {
    if (spec_.global_batch > 0) {
      if (spec_.global_batch >= comm_.world_size()) return std::nullopt;
      return base::Error::InField("train.global_batch",
                                  fmt::format("{} rows a step cannot give each of the {} ranks one; raise it to at "
                                              "least {} or run fewer ranks",
                                              spec_.global_batch, comm_.world_size(), comm_.world_size()));
    }
    if (spec_.global_batch < 0) {
      return base::Error::InField("train.global_batch", fmt::format("must be at least 1, got {}", spec_.global_batch));
    }
    if (spec_.batch_per_rank >= 1) return std::nullopt;
    return base::Error::InField("train.batch_per_rank", fmt::format("must be at least 1, got {}", spec_.batch_per_rank));
  }

  // "64 per rank", or "64 over all ranks (3 or 4 per rank)".
  std::string BatchText() const {
    if (spec_.global_batch <= 0) return fmt::format("{} per rank", spec_.batch_per_rank);
    const int64_t fewest = spec_.global_batch / comm_.world_size();
    const int64_t most = MaxRows();
    return fmt::format("{} over all ranks ({} per rank)", spec_.global_batch,
                       fewest == most ? std::to_string(most) : fmt::format("{} or {}", fewest, most));
  }

  // Why fewer threads than allowed run, if they do.
  std::string ThreadNote() const {
    if (at::get_num_threads() >= threads_allowed_) return "";
    return fmt::format(" (of {} allowed: a batch of {} rows per rank is split only at {} rows per thread)",
                       threads_allowed_, MaxRows(), kMinRowsPerLane);
  }

  void LogStart() const {
    if (!is_root() || options_.log == nullptr) return;
    int64_t n = data_.train.size();
    *options_.log << fmt::format(
                         "training: world {}, {} thread(s) per rank{}, {} parameters, {} train / {} test samples, "
                         "batch {}, {} steps per epoch, {} {}",
                         comm_.world_size(), at::get_num_threads(), ThreadNote(),
                         GroupThousands(model_->num_parameters()),
                         GroupThousands(n), GroupThousands(data_.test.size()), BatchText(),
                         data::StepsPerEpoch(n, comm_.world_size(), Batching()), optimizer_->kind(),
                         spec_.optimizer.lr)
                  << std::endl;
  }

  // `first_step` > 0 continues an epoch a checkpoint stopped in; `loss_carry`
  // is that epoch's loss so far.
  EpochStats RunEpoch(int epoch, int64_t first_step, double loss_carry) {
    const data::EpochBatches batches(data_.train.size(), comm_.rank(), comm_.world_size(), spec_.seed,
                                     static_cast<int64_t>(epoch), Batching());
    const int64_t steps = batches.steps();
    TrainStep& step = *step_;
    const int64_t* indices = batches.indices();
    // Each step's mean loss, weighted by this rank's share of the step's rows
    // (times the world): summed over ranks, world x the step's mean loss.
    double loss_sum = loss_carry;
    int64_t samples = 0;

    const auto start = Clock::now();
    for (int64_t s = first_step; s < steps; ++s) {
      const data::StepRows part = batches.Step(s);
      batch_->Gather(data_.train, indices + part.offset, part.rows);
      if (s + 1 < steps) {  // the next batch's rows load while this step computes
        const data::StepRows next = batches.Step(s + 1);
        batch_->Prefetch(data_.train, indices + next.offset, next.rows);
      }
      const double loss = step.Run(batch_->images(), batch_->labels(), part.rows, StopAsked(), part.all_rows);
      loss_sum += loss * static_cast<double>(part.rows * comm_.world_size()) / static_cast<double>(part.all_rows);
      samples += part.all_rows;
      if (first_step_done_ == 0) {  // start-up ends here (bench/runtime measures it)
        first_step_done_ = UnixSeconds();
        first_step_process_age_ = ProcessAgeSeconds();
        first_step_since_main_ = SecondsSinceMain();
        // Which exchange the ranks agreed on in this first step.
        if (is_root() && options_.log != nullptr) {
          *options_.log << "gradient exchange: " << step.exchange() << std::endl;
        }
      }
      if (options_.after_step) options_.after_step(optimizer_->steps());
      if (StopAgreed(step)) {
        stopped_after_ = s + 1;
        break;
      }
    }
    EpochStats stats;
    stats.train_seconds = SecondsSince(start);
    stats.epoch = epoch + 1;
    stats.epochs = epochs_;
    stats.samples = samples;
    if (stopped_after_) {
      stats.train_loss = loss_sum;  // this rank's partial sum; Interrupted() totals it
      return stats;
    }

    torch::Tensor loss = torch::tensor({loss_sum, static_cast<double>(steps)}, torch::kFloat64);
    comm_.AllreduceSum(loss);
    stats.train_loss = loss[0].item<double>() / loss[1].item<double>();
    EvalResult eval = Evaluate(*model_, data_.test.images, data_.test.labels, comm_);
    stats.test_accuracy = eval.accuracy();
    stats.test_loss = eval.mean_loss();
    return stats;
  }

  // Rank 0 writes; every rank then learns whether that worked, so a failed
  // write stops the whole job instead of leaving the others waiting.
  std::optional<base::Error> MaybeCheckpoint(int epoch) {
    const auto& ckpt = spec_.checkpoint;
    const bool last = epoch + 1 == epochs_;
    if (ckpt.dir.empty() || ckpt.every_epochs < 1 || ((epoch + 1) % ckpt.every_epochs != 0 && !last)) {
      return std::nullopt;
    }
    if (auto error = SaveCheckpoint(ckpt.dir, StateAt(epoch + 1, 0, 0.0), comm_, options_.checkpoint_hooks)) {
      return error;
    }
    if (is_root() && options_.log != nullptr) {
      *options_.log << fmt::format("checkpoint: epoch {} -> {}", epoch + 1, CheckpointPath(ckpt.dir)) << std::endl;
    }
    return std::nullopt;
  }

  // What a checkpoint taken now holds (filled on rank 0 only: it alone writes).
  CheckpointData StateAt(int64_t epoch, int64_t step_in_epoch, double epoch_loss_sum) {
    CheckpointData data;
    data.epoch = epoch;
    data.step_in_epoch = step_in_epoch;
    data.world_size = comm_.world_size();
    data.batch_per_rank = spec_.global_batch > 0 ? 0 : spec_.batch_per_rank;
    data.global_batch = spec_.global_batch;
    data.seed = static_cast<int64_t>(spec_.seed);
    data.optimizer_kind = optimizer_->kind();
    data.optimizer_steps = optimizer_->steps();
    data.epoch_loss_sum = epoch_loss_sum;
    data.train_seconds = train_seconds_so_far_;
    data.samples = total_samples_;
    data.params = model_->flat_params();
    data.optimizer_state = optimizer_->State();
    return data;
  }

  std::optional<base::Error> Resume() {
    RunIdentity run{comm_.world_size(), spec_.global_batch > 0 ? 0 : spec_.batch_per_rank, spec_.global_batch,
                    static_cast<int64_t>(spec_.seed), optimizer_->kind()};
    auto error = RestoreCheckpoint(spec_.checkpoint.dir, options_.resume, run, model_->flat_params(), *optimizer_,
                                   comm_, &resume_);
    if (!error && is_root() && options_.log != nullptr && !resume_.note.empty()) {
      *options_.log << "checkpoint: " << resume_.note << std::endl;
    }
    return error;
  }

  // Every kStopCheckInterval steps the ranks agree whether any was asked to
  // stop, so that all stop after the same step. A step whose gradients went
  // through shared memory carried the ranks' votes already: every step then.
  bool StopAsked() const { return options_.stop_requested != nullptr && options_.stop_requested->load() != 0; }

  bool StopAgreed(const TrainStep& step) {
    if (options_.stop_requested == nullptr) return false;
    if (step.votes_every_step()) return step.stop_voted();
    const bool asked = StopAsked();
    if (comm_.world_size() == 1) return asked;
    if (++steps_since_stop_check_ < kStopCheckInterval) return false;
    steps_since_stop_check_ = 0;
    return comm_.AnyRank(asked);
  }

  // After an agreed stop inside `epoch`: the partial loss is totalled over
  // ranks, rank 0 saves the position, and the run ends as interrupted.
  TrainResult Interrupted(int epoch, double partial_loss, const TrainResult& so_far) {
    torch::Tensor loss = torch::full({1}, partial_loss, torch::kFloat64);
    comm_.AllreduceSum(loss);
    TrainResult result = so_far;
    result.interrupted = true;
    const std::string& dir = spec_.checkpoint.dir;
    if (dir.empty()) {
      result.error = base::Error(fmt::format("stopped on request in epoch {} after step {}; no checkpoint directory "
                                             "is set, so this progress is not saved",
                                             epoch + 1, *stopped_after_));
      return result;
    }
    CheckpointData state = StateAt(epoch, *stopped_after_, loss.item<double>());
    if (auto error = SaveCheckpoint(dir, state, comm_, options_.checkpoint_hooks)) {
      result.interrupted = false;
      result.error = std::move(error);
      return result;
    }
    result.error = base::Error(fmt::format("stopped on request in epoch {} after step {}; checkpoint {} (continue "
                                           "with --resume)",
                                           epoch + 1, *stopped_after_, CheckpointPath(dir)));
    return result;
  }

  // The result when a resumed checkpoint already holds every epoch.
  EpochStats FinalEvaluation() {
    EpochStats stats;
    stats.epoch = stats.epochs = epochs_;
    EvalResult eval = Evaluate(*model_, data_.test.images, data_.test.labels, comm_);
    stats.test_accuracy = eval.accuracy();
    stats.test_loss = eval.mean_loss();
    return stats;
  }

  std::optional<base::Error> Finish(const TrainResult& result, double wall_seconds) {
    const nlohmann::json final_record = {{"event", "final"},
                                         {"test_accuracy", result.test_accuracy},
                                         {"final_loss", result.final_loss},
                                         {"world_size", comm_.world_size()},
                                         {"epochs", result.epochs},
                                         {"train_seconds", result.train_seconds},
                                         {"samples_per_second", result.samples_per_second},
                                         {"samples", total_samples_},
                                         {"wall_seconds", wall_seconds},
                                         {"batch_per_rank", spec_.global_batch > 0 ? 0 : spec_.batch_per_rank},
                                         {"global_batch", spec_.global_batch},
                                         {"threads_per_rank", threads_allowed_},
                                         {"threads_used", at::get_num_threads()},
                                         {"first_step_unix_s", first_step_done_},
                                         {"first_step_process_age_s", first_step_process_age_},
                                         {"first_step_since_main_s", first_step_since_main_},
                                         {"peak_rss_mb", PeakRssMegabytes()}};
    metrics_.Write(final_record);
    if (options_.log != nullptr) {
      *options_.log << fmt::format("done: test acc {:.4f}  loss {:.4f}  {} epochs  train {:.1f} s  {} samples/s",
                                   result.test_accuracy, result.final_loss, result.epochs, result.train_seconds,
                                   GroupThousands(result.samples_per_second))
                    << std::endl;
    }
    if (options_.output_dir.empty()) return std::nullopt;
    // A torchscript model is exported from its own module (its buffers as trained).
    const auto* scripted = dynamic_cast<const model::TorchScriptModel*>(model_.get());
    return WriteTrainedOutput({options_.output_dir, &spec_.model, model_->flat_params(),
                               scripted != nullptr ? &scripted->module() : nullptr, data_.mean, data_.std,
                               metrics_.lines(), final_record});
  }

  const plan::TrainSpec& spec_;
  const TrainOptions& options_;
  collective::Communicator comm_;
  int epochs_ = 0;
  int threads_allowed_ = 1;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<FlatOptimizer> optimizer_;
  data::IdxDataset data_;
  MetricsWriter metrics_;
  std::optional<data::BatchBuffer> batch_;  // every step's samples are gathered here
  std::optional<TrainStep> step_;
  StepTrace trace_;  // filled only with --step-trace
  int64_t total_samples_ = 0;
  ResumePoint resume_;                     // where this run started
  std::optional<int64_t> stopped_after_;  // steps done in the epoch when a stop was agreed
  int64_t steps_since_stop_check_ = 0;
  double train_seconds_so_far_ = 0;       // for checkpoints
  double first_step_done_ = 0;  // wall-clock time the first step ended, for start-up measurements
  double first_step_process_age_ = 0;  // and this process's age then
  double first_step_since_main_ = 0;   // and the time since main() (rendezvous, data, first step)
};

std::optional<base::Error> CheckOptions(const TrainOptions& options) {
  if (options.world_size < 1) {
    return base::Error(fmt::format("world size must be at least 1, got {}", options.world_size));
  }
  if (options.rank < 0 || options.rank >= options.world_size) {
    return base::Error(fmt::format("rank {} is outside the world of {} ranks", options.rank, options.world_size));
  }
  if (options.world_size > 1) {
    if (!options.process_group) {
      return base::Error(fmt::format("a world of {} ranks needs a process group", options.world_size));
    }
    if (options.process_group->getSize() != options.world_size ||
        options.process_group->getRank() != options.rank) {
      return base::Error(fmt::format("the process group is rank {} of {}, but training was asked for rank {} of {}",
                                     options.process_group->getRank(), options.process_group->getSize(),
                                     options.rank, options.world_size));
    }
  }
  return std::nullopt;
}

}  // namespace

TrainResult RunTraining(const plan::TrainSpec& spec, const TrainOptions& options) {
  if (auto error = CheckOptions(options)) return Failure(*error);
  // A library's exception, as the cause of the stop at this rank.
  auto stopped = [&](std::string what) {
    base::Location where;
    if (options.world_size > 1) where = base::RankAt{options.rank};
    TrainResult result = Failure(base::Error(where, "training stopped").CausedBy(base::Error(std::move(what))));
    result.aborted = true;
    return result;
  };
  try {
    return Trainer(spec, options).Run();
  } catch (const c10::Error& e) {
    // Almost always a collective that failed: a peer died or timed out.
    return stopped(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return stopped(e.what());
  }
}

}  // namespace dml::train
