// Writes small CIFAR-10 binary batches for tests: records of one label byte
// then 3x32x32 pixel bytes, with a learnable pattern.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::testing {

inline constexpr int kCifarRecordBytes = 1 + 3 * 32 * 32;

// `labels.size()` records: background noise, and in the red plane the
// horizontal band of rows that the label (0..9) names is bright; the green
// plane holds the record's index (mod 256) everywhere, so a test can tell
// records apart and see the channel order kept.
std::vector<uint8_t> CifarRecords(const std::vector<uint8_t>& labels, uint32_t seed = 1);

// `n` random labels in [0, classes).
std::vector<uint8_t> RandomLabels(int64_t n, int classes = 10, uint32_t seed = 1);

// A cifar dataset under `dir`: train split over `train_files` batch files
// ("data_batch_1.bin", ...) of `per_train_file` records each, one test
// batch "test_batch.bin" of `test_size`; sizes, shape and classes declared.
plan::Dataset WriteCifarDataset(const std::string& dir, int train_files, int64_t per_train_file,
                                int64_t test_size);

}  // namespace dml::testing
