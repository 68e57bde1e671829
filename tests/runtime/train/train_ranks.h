// Whole training runs on ranks as threads over Gloo (testing::RunRanks):
// what the train tests do for each world size they compare.
#pragma once

#include <ostream>
#include <vector>

#include "runtime/train/trainer.h"
#include "tests/runtime/collective/rank_threads.h"

namespace dml::testing {

// RunTraining of `spec` on `world` ranks; each rank's result, in rank order.
// `log` (optional) gets rank 0's log, as a real run's console does.
inline std::vector<train::TrainResult> TrainOnRanks(const plan::TrainSpec& spec, int world, std::ostream* log = nullptr) {
  std::vector<train::TrainResult> results(static_cast<size_t>(world));
  RunRanks(world, [&](int rank, auto group) {
    train::TrainOptions options;
    options.rank = rank;
    options.world_size = world;
    options.process_group = group;
    options.log = log;  // only rank 0 writes to it
    results[static_cast<size_t>(rank)] = train::RunTraining(spec, options);
  });
  return results;
}

}  // namespace dml::testing
