// Per-step timestamps of one rank, for `dmlrun --step-trace DIR`: when each
// step started (its batch gathered), when its gradient exchange started and
// ended, and when the optimizer finished. Ranks of one machine share the
// steady clock, so bench/nodes lines the ranks' files up step by step and
// tells the time a rank computes, waits for the slowest rank to reach the
// exchange, and exchanges. Recording costs four clock reads a step; nothing
// is recorded unless asked for.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace dml::train {

class StepTrace {
 public:
  enum Point { kStart, kExchangeStart, kExchangeEnd, kEnd, kPoints };

  // Steps past this many are not recorded (32 MiB of timestamps).
  static constexpr size_t kMaxSteps = size_t{1} << 20;

  void Mark(Point point) {
    current_[point] = std::chrono::steady_clock::now().time_since_epoch().count();
    if (point == kEnd && steps_.size() < kMaxSteps) steps_.push_back(current_);
  }
  size_t steps() const { return steps_.size(); }

  // `path`: one line per step, the four times in nanoseconds of the steady
  // clock, tab-separated, after a header line naming them.
  std::optional<base::Error> Write(const std::string& path) const;

 private:
  std::array<int64_t, kPoints> current_{};
  std::vector<std::array<int64_t, kPoints>> steps_;
};

}  // namespace dml::train
