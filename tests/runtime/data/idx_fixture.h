// Writes small IDX datasets for tests: plain or gzip, well-formed or broken
// in one chosen way, and a learnable synthetic dataset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::testing {

// The bytes of an IDX file: magic, big-endian dims, then `payload`.
std::vector<uint8_t> IdxBytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload);

void WritePlain(const std::string& path, const std::vector<uint8_t>& bytes);
void WriteGzip(const std::string& path, const std::vector<uint8_t>& bytes);

// A fresh empty directory under the test temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A learnable task: `side` x `side` images of background noise, where the
// label (0..classes-1) says which of `classes` horizontal bands is bright.
// Writes train/test files into `dir` (gzip when `gzip`) and returns the spec.
plan::Dataset WriteBandDataset(const std::string& dir, int64_t train_size, int64_t test_size, int side = 8,
                               int classes = 4, bool gzip = true, uint32_t seed = 1);

}  // namespace dml::testing
