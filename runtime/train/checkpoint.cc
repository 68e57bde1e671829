#include "runtime/train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

namespace dml::train {
namespace {

constexpr const char* kFormatKey = "dml_checkpoint";
constexpr const char* kParamsKey = "model.params";
constexpr const char* kRngKey = "rng.cpu";
constexpr const char* kOptimizerPrefix = "optimizer.";
// "checkpoint.pt.tmp.<pid>": unique per writer, recognisable when left behind.
constexpr const char* kTempInfix = ".tmp.";

std::string Errno() { return std::strerror(errno); }

// Makes a completed rename durable: the directory entry must reach disk too.
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the data itself is already synced
  ::fsync(fd);
  ::close(fd);
}

std::optional<base::Error> CopyInto(torch::serialize::InputArchive& archive, const std::string& key,
                                    torch::Tensor& target, const std::string& path) {
  torch::Tensor loaded;
  if (!archive.try_read(key, loaded)) return base::Error::InFile(path, fmt::format("checkpoint lacks '{}'", key));
  if (!target.defined() || loaded.sizes() != target.sizes()) {
    return base::Error::InFile(path, fmt::format("'{}' has {} elements but this model needs {}", key, loaded.numel(),
                                                 target.defined() ? target.numel() : 0));
  }
  torch::NoGradGuard no_grad;
  target.copy_(loaded);
  return std::nullopt;
}

// A writer killed mid-write leaves its temporary file; it is never read (the
// rename never happened) and is removed before the next write.
void RemoveTornTemporaries(const std::string& dir) {
  const std::string prefix = std::string(kCheckpointFile) + kTempInfix;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace

std::string CheckpointPath(const std::string& dir) { return (std::filesystem::path(dir) / kCheckpointFile).string(); }

std::optional<base::Error> WriteCheckpoint(const std::string& dir, const CheckpointData& data,
                                           const CheckpointWriteHooks& hooks) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::Error::InFile(dir, fmt::format("cannot create checkpoint directory: {}", ec.message()));
  const std::string path = CheckpointPath(dir);
  RemoveTornTemporaries(dir);
  const std::string tmp = fmt::format("{}{}{}", path, kTempInfix, ::getpid());

  torch::serialize::OutputArchive archive;
  archive.write(kFormatKey, c10::IValue(kCheckpointFormat));
  archive.write("epoch", c10::IValue(data.epoch));
  archive.write("step_in_epoch", c10::IValue(data.step_in_epoch));
  archive.write("world_size", c10::IValue(data.world_size));
  archive.write("batch_per_rank", c10::IValue(data.batch_per_rank));
  archive.write("global_batch", c10::IValue(data.global_batch));
  archive.write("seed", c10::IValue(data.seed));
  archive.write("optimizer_kind", c10::IValue(data.optimizer_kind));
  archive.write("optimizer_steps", c10::IValue(data.optimizer_steps));
  archive.write("samples", c10::IValue(data.samples));
  archive.write("epoch_loss_sum", c10::IValue(data.epoch_loss_sum));
  archive.write("train_seconds", c10::IValue(data.train_seconds));
  if (data.rng_state.defined()) archive.write(kRngKey, data.rng_state);
  archive.write(kParamsKey, data.params);
  for (const auto& [name, tensor] : data.optimizer_state) archive.write(kOptimizerPrefix + name, tensor);

  // Serialized in memory first: a checkpoint is small next to the data, and
  // the file then gets written in two plain halves (see CheckpointWriteHooks).
  std::string bytes;
  try {
    archive.save_to([&](const void* chunk, size_t n) -> size_t {
      bytes.append(static_cast<const char*>(chunk), n);
      return n;
    });
  } catch (const std::exception& e) {
    return base::Error::InFile(path, fmt::format("cannot serialize the checkpoint: {}", e.what()));
  }
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) return base::Error::InFile(tmp, fmt::format("cannot write checkpoint: {}", Errno()));
  const size_t half = bytes.size() / 2;
  bool write_ok = std::fwrite(bytes.data(), 1, half, file) == half && std::fflush(file) == 0;
  if (write_ok && hooks.half_written) hooks.half_written();
  write_ok = write_ok &&
             std::fwrite(bytes.data() + half, 1, bytes.size() - half, file) == bytes.size() - half &&
             std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  std::string error = write_ok ? "" : Errno();
  std::fclose(file);
  if (!write_ok) {
    std::remove(tmp.c_str());
    return base::Error::InFile(tmp, fmt::format("writing checkpoint failed: {}", error));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = Errno();
    std::remove(tmp.c_str());
    return base::Error::InFile(path, fmt::format("cannot move checkpoint into place: {}", error));
  }
  SyncDirectory(dir);
  return std::nullopt;
}

std::optional<base::Error> ReadCheckpoint(const std::string& path, CheckpointData* into) {
  if (!std::filesystem::exists(path)) return base::Error::InFile(path, "checkpoint not found");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    c10::IValue value;
    auto lacks = [&](const char* key) {
      return base::Error::InFile(path, fmt::format("checkpoint lacks '{}'", key));
    };
    int64_t format = 0;
    if (!archive.try_read(kFormatKey, value) || !value.isInt()) {
      return base::Error::InFile(
          path, fmt::format("written by an older dmlrun (no '{}' key); it cannot be resumed", kFormatKey));
    }
    format = value.toInt();
    if (format != kCheckpointFormat) {
      return base::Error::InFile(
          path, fmt::format("checkpoint format {} is not supported (this dmlrun reads format {})", format,
                            kCheckpointFormat));
    }
    for (auto [key, out] : {std::pair{"epoch", &into->epoch}, std::pair{"step_in_epoch", &into->step_in_epoch},
                            std::pair{"world_size", &into->world_size},
                            std::pair{"batch_per_rank", &into->batch_per_rank}, std::pair{"seed", &into->seed},
                            std::pair{"optimizer_steps", &into->optimizer_steps},
                            std::pair{"samples", &into->samples}}) {
      if (!archive.try_read(key, value) || !value.isInt()) return lacks(key);
      *out = value.toInt();
    }
    for (auto [key, out] : {std::pair{"epoch_loss_sum", &into->epoch_loss_sum},
                            std::pair{"train_seconds", &into->train_seconds}}) {
      if (!archive.try_read(key, value) || !value.isDouble()) return lacks(key);
      *out = value.toDouble();
    }
    if (!archive.try_read("optimizer_kind", value) || !value.isString()) return lacks("optimizer_kind");
    into->optimizer_kind = value.toStringRef();
    // Absent from checkpoints of runs before global batches: those were per rank.
    into->global_batch = archive.try_read("global_batch", value) && value.isInt() ? value.toInt() : 0;
    torch::Tensor rng;
    into->rng_state = archive.try_read(kRngKey, rng) ? rng : torch::Tensor();
    if (auto error = CopyInto(archive, kParamsKey, into->params, path)) return error;
    for (auto& [name, tensor] : into->optimizer_state) {
      if (auto error = CopyInto(archive, kOptimizerPrefix + name, tensor, path)) return error;
    }
  } catch (const std::exception&) {
    return base::Error::InFile(path, "not a readable checkpoint (corrupt, truncated or not written by dmlrun)");
  }
  return std::nullopt;
}

namespace {

// The fields RestoreCheckpoint sends from rank 0 to the others, in order.
enum Header : int64_t { kFailed, kFound, kEpoch, kStep, kOptimizerSteps, kSamples, kLossSum, kSeconds, kHeaderSize };

std::optional<base::Error> CheckFits(const CheckpointData& data, const RunIdentity& run, const std::string& path) {
  if (data.seed != run.seed) {
    return base::Error::InFile(
        path, fmt::format("the checkpoint is of a run with seed {}, this run has seed {}", data.seed, run.seed));
  }
  if (data.optimizer_kind != run.optimizer_kind) {
    return base::Error::InFile(
        path, fmt::format("the checkpoint holds {} state, this run uses {}", data.optimizer_kind, run.optimizer_kind));
  }
  if (data.step_in_epoch > 0 && (data.world_size != run.world_size || data.batch_per_rank != run.batch_per_rank ||
                                  data.global_batch != run.global_batch)) {
    auto batch = [](int64_t per_rank, int64_t global) {
      return global > 0 ? fmt::format("global batch {}", global) : fmt::format("batch {} per rank", per_rank);
    };
    return base::Error::InFile(
        path, fmt::format("the checkpoint was taken mid-epoch by {} rank(s) with {}; this run has {} rank(s) with "
                          "{}: a mid-epoch checkpoint continues only with the same world size and batch",
                          data.world_size, batch(data.batch_per_rank, data.global_batch), run.world_size,
                          batch(run.batch_per_rank, run.global_batch)));
  }
  return std::nullopt;
}

// Rank 0's part of RestoreCheckpoint: find, read and check the file.
std::optional<base::Error> ReadForResume(const std::string& dir, ResumeMode mode, const RunIdentity& run,
                                         CheckpointData* data, bool* found, std::string* note) {
  *found = false;
  if (dir.empty()) {
    if (mode == ResumeMode::kRequired) {
      return base::Error(
          "--resume: there is no checkpoint directory (train.checkpoint.dir in the plan, or --checkpoint-dir)");
    }
    *note = "no checkpoint directory: starting from the beginning";
    return std::nullopt;
  }
  const std::string path = CheckpointPath(dir);
  if (!std::filesystem::exists(path)) {
    if (mode == ResumeMode::kRequired) {
      return base::Error("--resume").CausedBy(base::Error::InFile(path, "no checkpoint to resume from"));
    }
    *note = fmt::format("no checkpoint in {} yet: starting from the beginning", dir);
    return std::nullopt;
  }
  if (auto error = ReadCheckpoint(path, data)) return error;
  if (auto error = CheckFits(*data, run, path)) return error;
  *found = true;
  *note = fmt::format("resuming from {}: epoch {} done, step {} of the next", path, data->epoch, data->step_in_epoch);
  if (data->world_size != run.world_size) {
    *note += fmt::format(" (written by {} rank(s), continued by {})", data->world_size, run.world_size);
  }
  return std::nullopt;
}

}  // namespace

std::optional<base::Error> RestoreCheckpoint(const std::string& dir, ResumeMode mode, const RunIdentity& run,
                                              torch::Tensor& params, FlatOptimizer& optimizer,
                                              collective::Communicator& comm, ResumePoint* point) {
  *point = ResumePoint{};
  if (mode == ResumeMode::kNo) return std::nullopt;
  std::optional<base::Error> error;
  torch::Tensor header = torch::zeros({kHeaderSize}, torch::kFloat64);
  CheckpointData data;
  if (comm.rank() == 0) {
    data.params = params;
    data.optimizer_state = optimizer.State();
    bool found = false;
    error = ReadForResume(dir, mode, run, &data, &found, &point->note);
    auto h = header.accessor<double, 1>();
    h[kFailed] = error ? 1 : 0;
    h[kFound] = found ? 1 : 0;
    // Doubles hold these counts exactly (below 2^53).
    h[kEpoch] = static_cast<double>(data.epoch);
    h[kStep] = static_cast<double>(data.step_in_epoch);
    h[kOptimizerSteps] = static_cast<double>(data.optimizer_steps);
    h[kSamples] = static_cast<double>(data.samples);
    h[kLossSum] = data.epoch_loss_sum;
    h[kSeconds] = data.train_seconds;
  }
  comm.Broadcast(header, 0);
  auto h = header.accessor<double, 1>();
  if (h[kFailed] > 0) {
    return error ? *error : base::Error::AtRank(comm.rank(), "stopped: rank 0 could not resume from its checkpoint");
  }
  if (h[kFound] == 0) return std::nullopt;
  comm.Broadcast(params, 0);
  for (auto& [name, tensor] : optimizer.State()) comm.Broadcast(tensor, 0);
  optimizer.set_steps(static_cast<int64_t>(h[kOptimizerSteps]));
  point->resumed = true;
  point->epoch = static_cast<int64_t>(h[kEpoch]);
  point->step_in_epoch = static_cast<int64_t>(h[kStep]);
  point->samples = static_cast<int64_t>(h[kSamples]);
  // Only rank 0 carries the partial epoch's loss: the epoch-end allreduce sums it once.
  point->epoch_loss_sum = comm.rank() == 0 ? h[kLossSum] : 0.0;
  point->train_seconds = h[kSeconds];
  if (comm.rank() == 0 && data.rng_state.defined()) {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(data.rng_state);
  }
  return std::nullopt;
}

std::optional<base::Error> SaveCheckpoint(const std::string& dir, const CheckpointData& data,
                                           collective::Communicator& comm, const CheckpointWriteHooks& hooks) {
  std::optional<base::Error> error;
  if (comm.rank() == 0) {
    CheckpointData with_rng = data;
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      with_rng.rng_state = generator.get_state();
    }
    error = WriteCheckpoint(dir, with_rng, hooks);
  }
  if (!comm.AnyRank(error.has_value())) return std::nullopt;
  if (error) return error;
  return base::Error::AtRank(comm.rank(), "stopped: rank 0 failed to write a checkpoint");
}

}  // namespace dml::train
