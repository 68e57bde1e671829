// A whole dataset (train and test splits) resident in memory as tensors,
// checked against the launch plan's declaration. Formats (plan.h's Dataset):
// idx (MNIST's files, idx_dataset.h) and cifar (CIFAR-10's batches, cifar.h);
// both load into the same Split, so batches and the trainer never ask which.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::data {

// MNIST, Fashion-MNIST and CIFAR-10 all have ten classes.
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

struct LoadedDataset {
  Split train;
  Split test;
  std::vector<int64_t> shape;  // one sample: {channels, height, width} (idx: {1, rows, cols})
  int64_t features = 0;        // channels * height * width: a sample's bytes, C-major
  // Normalization, from the train set's own pixels (scaled to [0, 1]); the
  // test set uses the same values, as the PyTorch peer does.
  double mean = 0;
  double std = 1;
};

// The name from when idx was the only format.
using IdxDataset = LoadedDataset;

struct LoadOptions {
  // The model's outputs: labels must lie in [0, num_classes), and in
  // [0, spec.classes) as the plan declares.
  int64_t num_classes = kDefaultNumClasses;
  // The training loop converts each batch from `pixels` (BatchBuffer), so it
  // need not hold the float train set: 188 MB less per rank for
  // Fashion-MNIST, and less to write at start-up. The test split is always
  // materialized (evaluation reads it whole).
  bool materialize_train_images = true;
};

struct DatasetResult {
  std::optional<LoadedDataset> dataset;
  std::optional<base::Error> error;  // set iff !dataset: at a file, or a plan field
};

// Reads the dataset in spec.format. File names in `spec` are relative to
// spec.dir unless absolute. A declared train_size/test_size of 0 means "not
// declared" and is not checked, and so does an empty spec.shape.
DatasetResult LoadDataset(const plan::Dataset& spec, const LoadOptions& options = {});

// The name from when idx was the only format: LoadDataset, any format.
inline DatasetResult LoadIdxDataset(const plan::Dataset& spec, const LoadOptions& options = {}) {
  return LoadDataset(spec, options);
}

}  // namespace dml::data
