// What a format reader hands the loader: one split's bytes as read from its
// files, before normalization turns them into tensors (dataset.cc). Internal
// to the data layer: each format's reader (idx_dataset.cc, cifar.cc) fills
// these, and everything after (sizes, statistics, tensors) is shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::data {

struct RawSplit {
  std::vector<uint8_t> pixels;  // size() x features bytes, sample-major
  std::vector<uint8_t> labels;  // one per sample
  std::vector<std::string> files;  // where the samples came from, for messages
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

struct RawDataset {
  RawSplit train;
  RawSplit test;
  std::vector<int64_t> shape;  // one sample: {channels, height, width}
};

// Labels must lie in [0, classes); `why` says who set the bound, in words
// that follow "out of range: " ("the model has 10 classes").
struct ClassLimit {
  int64_t classes = 0;
  std::string why;
};

using RawResult = base::Result<RawDataset>;

// `file` of `spec`: relative to spec.dir unless absolute.
std::string DatasetPath(const plan::Dataset& spec, const std::string& file);

// "label 12 at index 7 is out of range: the model has 10 classes (0..9)".
std::string LabelOutOfRange(const ClassLimit& limit, int label, const std::string& at);

}  // namespace dml::data
