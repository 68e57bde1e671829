// Reading CIFAR-10's binary batches ("data_batch_1.bin", "test_batch.bin"):
// no header, only records of one label byte then 3x32x32 pixel bytes, the
// red plane, then green, then blue, each row-major: already the [C, H, W]
// order a convolution reads, so the bytes are kept as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/base/error.h"
#include "runtime/data/raw_split.h"
#include "runtime/plan/plan.h"

namespace dml::data {

inline constexpr int64_t kCifarChannels = 3;
inline constexpr int64_t kCifarSide = 32;
inline constexpr int64_t kCifarPixels = kCifarChannels * kCifarSide * kCifarSide;  // 3072
inline constexpr int64_t kCifarRecord = 1 + kCifarPixels;                           // 3073

// Appends the records of the file at `path` to `split` (labels checked
// against `limit`). Errors name the file and, where one is to blame, the byte
// offset of the record.
std::optional<base::Error> ReadCifarFile(const std::string& path, const ClassLimit& limit, RawSplit* split);

// Both splits of a cifar dataset (spec.train_batches, spec.test_batches, in
// order), checked against the plan's declared sizes.
RawResult ReadCifarDataset(const plan::Dataset& spec, const ClassLimit& limit);

}  // namespace dml::data
