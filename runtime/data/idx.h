// Reading one MNIST-format IDX file (gzip or plain). The IDX layout is a
// 4-byte magic (0, 0, element type, rank), one big-endian uint32 per
// dimension, then the elements. Only unsigned-byte files exist in MNIST-style
// datasets, so that is the only element type accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace dml::data {

// Magic numbers of the two kinds of file a dataset is made of.
inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // ubyte, 3 dims: N x rows x cols
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // ubyte, 1 dim: N

struct IdxArray {
  std::vector<int64_t> dims;  // dims[0] is the item count
  std::vector<uint8_t> data;  // row-major, product(dims) bytes
};

struct IdxResult {
  std::optional<IdxArray> array;
  std::optional<base::Error> error;  // set iff !array; at the file (the path as given)
};

// Reads `path`, which must carry `expected_magic`. Gzip is recognised by its
// own magic bytes, not by the file name.
IdxResult ReadIdxFile(const std::string& path, uint32_t expected_magic);

}  // namespace dml::data
