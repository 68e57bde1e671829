// A whole MNIST-format dataset (train and test splits) resident in memory as
// tensors, checked against the launch plan's declaration.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <optional>

#include "runtime/data/idx.h"
#include "runtime/plan/plan.h"

namespace dml::data {

// MNIST and Fashion-MNIST both have ten classes.
inline constexpr int64_t kDefaultNumClasses = 10;

// Every pixel byte maps to one of 256 normalized values.
inline constexpr int kPixelValues = 256;

struct Split {
  torch::Tensor images;  // float32 [N, features], normalized; undefined if not materialized (LoadOptions)
  torch::Tensor labels;  // int64 [N], each in [0, num_classes)
  torch::Tensor pixels;  // uint8 [N, features], the file's bytes: 4x smaller than `images`
  // pixel byte -> normalized value: images == pixel_values[pixels], exactly.
  std::array<float, kPixelValues> pixel_values{};
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct IdxDataset {
  Split train;
  Split test;
  int64_t features = 0;  // rows * cols
  // Normalization, from the train set's own pixels (scaled to [0, 1]); the
  // test set uses the same values, as the PyTorch peer does.
  double mean = 0;
  double std = 1;
};

struct LoadOptions {
  int64_t num_classes = kDefaultNumClasses;  // labels must lie in [0, num_classes)
  // The training loop converts each batch from `pixels` (BatchBuffer), so it
  // need not hold the float train set: 188 MB less per rank for
  // Fashion-MNIST, and less to write at start-up. The test split is always
  // materialized (evaluation reads it whole).
  bool materialize_train_images = true;
};

struct DatasetResult {
  std::optional<IdxDataset> dataset;
  std::optional<base::Error> error;  // set iff !dataset: at a file, or a plan field
};

// File names in `spec` are relative to spec.dir unless absolute. A declared
// train_size/test_size of 0 means "not declared" and is not checked.
DatasetResult LoadIdxDataset(const plan::Dataset& spec, const LoadOptions& options = {});

}  // namespace dml::data
