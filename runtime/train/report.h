// How training reports progress: one readable line per epoch for people, and
// JSON lines (one record per epoch, then a "final" record) for programs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace dml::train {

struct EpochStats {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double train_loss = 0;  // mean over the epoch's steps and all ranks
  double test_loss = 0;
  double test_accuracy = 0;
  double train_seconds = 0;  // this epoch's training loop, evaluation excluded
  int64_t samples = 0;       // trained this epoch, all ranks together
  double samples_per_second() const { return train_seconds > 0 ? samples / train_seconds : 0; }
};

// "epoch  3/10  loss 0.4123  test acc 0.8412  train 2.1 s  28,500 samples/s"
std::string EpochLine(const EpochStats& stats);

// 28500.4 -> "28,500"
std::string GroupThousands(double value);

nlohmann::json EpochRecord(const EpochStats& stats, int world_size);

// Appends one JSON object per line, flushed at once so a crash keeps what was written.
class MetricsWriter {
 public:
  // Empty `path`: writes nothing. Returns an error at the file if it cannot be opened.
  std::optional<base::Error> Open(const std::string& path);
  void Write(const nlohmann::json& record);
  // Every record written so far, one JSON text each (for the output directory's copy).
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::vector<std::string> lines_;
};

}  // namespace dml::train
