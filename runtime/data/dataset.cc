#include "runtime/data/dataset.h"

#include <sys/mman.h>

#include <array>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

namespace dml::data {
namespace {

constexpr double kPixelMax = 255.0;
constexpr int kByteValues = kPixelValues;
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;  // x86-64 transparent huge pages

struct RawSplit {
  IdxArray images;
  IdxArray labels;
};

struct RawResult {
  std::optional<RawSplit> split;
  std::optional<base::Error> error;
};

std::string Resolve(const plan::Dataset& spec, const std::string& file) {
  return (std::filesystem::path(spec.dir) / file).string();
}

// Reads one split's two files and checks everything that does not need the
// other split: counts agree with each other and with the plan, labels in range.
RawResult ReadSplit(const plan::Dataset& spec, const std::string& split_name, const std::string& images_file,
                    const std::string& labels_file, int64_t declared_size, const LoadOptions& options) {
  auto fail = [](std::string file, std::string message) {
    return RawResult{std::nullopt, base::Error::InFile(std::move(file), std::move(message))};
  };
  std::string images_path = Resolve(spec, images_file);
  std::string labels_path = Resolve(spec, labels_file);
  IdxResult images = ReadIdxFile(images_path, kIdxImagesMagic);
  if (!images.array) return RawResult{std::nullopt, images.error};
  IdxResult labels = ReadIdxFile(labels_path, kIdxLabelsMagic);
  if (!labels.array) return RawResult{std::nullopt, labels.error};

  int64_t n_images = images.array->dims[0];
  int64_t n_labels = labels.array->dims[0];
  if (n_images != n_labels) {
    return fail(images_path, fmt::format("holds {} images but its labels file {} holds {} labels", n_images,
                                         labels_path, n_labels));
  }
  if (declared_size > 0 && n_images != declared_size) {
    return fail(images_path, fmt::format("holds {} images but the plan declares {}_size: {}", n_images,
                                         split_name, declared_size));
  }
  if (n_images == 0) return fail(images_path, "holds no images");
  const auto& label_bytes = labels.array->data;
  for (size_t i = 0; i < label_bytes.size(); ++i) {
    if (label_bytes[i] >= options.num_classes) {
      return fail(labels_path, fmt::format("label {} at index {} is out of range: the model has {} classes (0..{})",
                                           label_bytes[i], i, options.num_classes, options.num_classes - 1));
    }
  }
  return RawResult{RawSplit{std::move(*images.array), std::move(*labels.array)}, std::nullopt};
}

int64_t Features(const IdxArray& images) { return images.dims[1] * images.dims[2]; }

// Mean and (unbiased, as torch.std) standard deviation of all train pixels
// scaled to [0, 1], from a histogram: exact and one pass over the bytes.
std::pair<double, double> PixelStats(const std::vector<uint8_t>& pixels) {
  // Four partial histograms: consecutive equal bytes would otherwise
  // serialise on one counter's increments.
  constexpr size_t kWays = 4;
  std::array<std::array<uint64_t, kByteValues>, kWays> partial{};
  const size_t whole = pixels.size() / kWays * kWays;
  for (size_t i = 0; i < whole; i += kWays) {
    for (size_t w = 0; w < kWays; ++w) ++partial[w][pixels[i + w]];
  }
  for (size_t i = whole; i < pixels.size(); ++i) ++partial[0][pixels[i]];
  std::array<uint64_t, kByteValues> counts{};
  for (const auto& part : partial) {
    for (int v = 0; v < kByteValues; ++v) counts[v] += part[v];
  }
  double n = static_cast<double>(pixels.size());
  double sum = 0;
  for (int v = 0; v < kByteValues; ++v) sum += counts[v] * (v / kPixelMax);
  double mean = sum / n;
  double sq = 0;
  for (int v = 0; v < kByteValues; ++v) {
    double d = v / kPixelMax - mean;
    sq += counts[v] * d * d;
  }
  double std = n > 1 ? std::sqrt(sq / (n - 1)) : 0.0;
  return {mean, std};
}

// Asks for transparent huge pages on a big buffer: the training loop reads
// random rows of it, and 4 KB pages would cost a TLB miss on nearly every one.
void AdviseHugePages(void* data, size_t bytes) {
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only
}

Split ToTensors(RawSplit& raw, const std::array<float, kPixelValues>& lut, bool materialize_images) {
  int64_t n = raw.images.dims[0];
  int64_t features = Features(raw.images);
  Split split;
  split.pixel_values = lut;
  // The bytes move into a tensor without a copy; the vector owns them until the tensor dies.
  auto* bytes = new std::vector<uint8_t>(std::move(raw.images.data));
  split.pixels = torch::from_blob(
      bytes->data(), {n, features}, [bytes](void*) { delete bytes; }, torch::kUInt8);
  AdviseHugePages(bytes->data(), bytes->size());
  if (materialize_images) {
    split.images = torch::empty({n, features}, torch::kFloat32);
    float* out = split.images.data_ptr<float>();
    const uint8_t* in = bytes->data();
    for (size_t i = 0; i < bytes->size(); ++i) out[i] = lut[in[i]];
  }
  split.labels = torch::empty({n}, torch::kInt64);
  int64_t* lab = split.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) lab[i] = raw.labels.data[i];
  return split;
}

}  // namespace

DatasetResult LoadIdxDataset(const plan::Dataset& spec, const LoadOptions& options) {
  auto fail = [](std::string file, std::string message) {
    return DatasetResult{std::nullopt, base::Error::InFile(std::move(file), std::move(message))};
  };
  if (spec.format != "idx") {
    std::string message = fmt::format("unsupported dataset format '{}' (supported: idx)", spec.format);
    return DatasetResult{std::nullopt, base::Error::InField("train.dataset.format", std::move(message))};
  }
  RawResult train = ReadSplit(spec, "train", spec.train_images, spec.train_labels, spec.train_size, options);
  if (!train.split) return DatasetResult{std::nullopt, train.error};
  RawResult test = ReadSplit(spec, "test", spec.test_images, spec.test_labels, spec.test_size, options);
  if (!test.split) return DatasetResult{std::nullopt, test.error};

  const auto& train_dims = train.split->images.dims;
  const auto& test_dims = test.split->images.dims;
  if (train_dims[1] != test_dims[1] || train_dims[2] != test_dims[2]) {
    return fail(Resolve(spec, spec.test_images),
                fmt::format("images are {}x{} but the train images ({}) are {}x{}", test_dims[1], test_dims[2],
                            Resolve(spec, spec.train_images), train_dims[1], train_dims[2]));
  }

  IdxDataset dataset;
  dataset.features = Features(train.split->images);
  auto [mean, std] = PixelStats(train.split->images.data);
  if (std <= 0) return fail(Resolve(spec, spec.train_images), "every pixel has the same value: cannot normalize");
  dataset.mean = mean;
  dataset.std = std;
  // Every byte maps to one of 256 values: a table makes the conversion exact and cheap.
  std::array<float, kByteValues> lut;
  for (int v = 0; v < kByteValues; ++v) lut[v] = static_cast<float>((v / kPixelMax - mean) / std);
  dataset.train = ToTensors(*train.split, lut, options.materialize_train_images);
  dataset.test = ToTensors(*test.split, lut, /*materialize_images=*/true);
  return DatasetResult{std::move(dataset), std::nullopt};
}

}  // namespace dml::data
