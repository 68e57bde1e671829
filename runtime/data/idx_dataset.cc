#include "runtime/data/idx_dataset.h"

#include <fmt/format.h>

#include "runtime/data/idx.h"

namespace dml::data {
namespace {

// An IDX image file holds one channel: N x rows x cols.
constexpr int64_t kIdxChannels = 1;

struct IdxSplit {
  IdxArray images;
  IdxArray labels;
};

// Reads one split's two files and checks everything that does not need the
// other split: counts agree with each other and with the plan, labels in range.
base::Result<IdxSplit> ReadSplit(const plan::Dataset& spec, const std::string& split_name,
                                 const std::string& images_file, const std::string& labels_file,
                                 int64_t declared_size, const ClassLimit& limit) {
  std::string images_path = DatasetPath(spec, images_file);
  std::string labels_path = DatasetPath(spec, labels_file);
  IdxResult images = ReadIdxFile(images_path, kIdxImagesMagic);
  if (!images.array) return *images.error;
  IdxResult labels = ReadIdxFile(labels_path, kIdxLabelsMagic);
  if (!labels.array) return *labels.error;

  int64_t n_images = images.array->dims[0];
  int64_t n_labels = labels.array->dims[0];
  if (n_images != n_labels) {
    return base::Error::InFile(images_path, fmt::format("holds {} images but its labels file {} holds {} labels",
                                                        n_images, labels_path, n_labels));
  }
  if (declared_size > 0 && n_images != declared_size) {
    return base::Error::InFile(images_path, fmt::format("holds {} images but the plan declares {}_size: {}",
                                                        n_images, split_name, declared_size));
  }
  if (n_images == 0) return base::Error::InFile(images_path, "holds no images");
  const auto& label_bytes = labels.array->data;
  for (size_t i = 0; i < label_bytes.size(); ++i) {
    if (label_bytes[i] >= limit.classes) {
      return base::Error::InFile(labels_path, LabelOutOfRange(limit, label_bytes[i], fmt::format("at index {}", i)));
    }
  }
  return IdxSplit{std::move(*images.array), std::move(*labels.array)};
}

RawSplit ToRaw(IdxSplit& split, std::string images_path) {
  RawSplit raw;
  raw.pixels = std::move(split.images.data);
  raw.labels = std::move(split.labels.data);
  raw.files = {std::move(images_path)};
  return raw;
}

}  // namespace

RawResult ReadIdxDataset(const plan::Dataset& spec, const ClassLimit& limit) {
  auto train = ReadSplit(spec, "train", spec.train_images, spec.train_labels, spec.train_size, limit);
  if (!train) return *train.error();
  auto test = ReadSplit(spec, "test", spec.test_images, spec.test_labels, spec.test_size, limit);
  if (!test) return *test.error();

  const auto& train_dims = train->images.dims;
  const auto& test_dims = test->images.dims;
  if (train_dims[1] != test_dims[1] || train_dims[2] != test_dims[2]) {
    return base::Error::InFile(DatasetPath(spec, spec.test_images),
                               fmt::format("images are {}x{} but the train images ({}) are {}x{}", test_dims[1],
                                           test_dims[2], DatasetPath(spec, spec.train_images), train_dims[1],
                                           train_dims[2]));
  }
  RawDataset raw;
  raw.shape = {kIdxChannels, train_dims[1], train_dims[2]};
  raw.train = ToRaw(*train, DatasetPath(spec, spec.train_images));
  raw.test = ToRaw(*test, DatasetPath(spec, spec.test_images));
  return raw;
}

}  // namespace dml::data
