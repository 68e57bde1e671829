#include "runtime/data/dataset.h"

#include <sys/mman.h>

#include <array>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/data/cifar.h"
#include "runtime/data/idx_dataset.h"
#include "runtime/data/raw_split.h"

namespace dml::data {
namespace {

constexpr double kPixelMax = 255.0;
constexpr int kByteValues = kPixelValues;
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;  // x86-64 transparent huge pages

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

Split ToTensors(RawSplit& raw, int64_t features, const std::array<float, kPixelValues>& lut,
                bool materialize_images) {
  int64_t n = raw.size();
  Split split;
  split.pixel_values = lut;
  // The bytes move into a tensor without a copy; the vector owns them until the tensor dies.
  auto* bytes = new std::vector<uint8_t>(std::move(raw.pixels));
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
  for (int64_t i = 0; i < n; ++i) lab[i] = raw.labels[i];
  return split;
}

// The tighter of the model's outputs and the plan's declared classes.
ClassLimit LabelLimit(const plan::Dataset& spec, const LoadOptions& options) {
  if (spec.classes < options.num_classes) {
    return {spec.classes, fmt::format("the plan's train.dataset.classes is {}", spec.classes)};
  }
  return {options.num_classes, fmt::format("the model has {} classes", options.num_classes)};
}

// The plan's shape, when it declares one, must be the files'.
std::optional<base::Error> CheckShape(const plan::Dataset& spec, const RawDataset& raw) {
  if (spec.shape.empty() || spec.shape == raw.shape) return std::nullopt;
  return base::Error::InFile(raw.train.files.front(),
                             fmt::format("holds samples of shape [{}] ({} format) but the plan's "
                                         "train.dataset.shape is [{}]",
                                         fmt::join(raw.shape, ", "), spec.format, fmt::join(spec.shape, ", ")));
}

// The format's reader.
RawResult ReadFiles(const plan::Dataset& spec, const ClassLimit& limit) {
  if (spec.format == "idx") return ReadIdxDataset(spec, limit);
  if (spec.format == "cifar") return ReadCifarDataset(spec, limit);
  return base::Error::InField("train.dataset.format",
                              fmt::format("unsupported dataset format '{}' (supported: idx, cifar)", spec.format));
}

}  // namespace

std::string DatasetPath(const plan::Dataset& spec, const std::string& file) {
  return (std::filesystem::path(spec.dir) / file).string();
}

std::string LabelOutOfRange(const ClassLimit& limit, int label, const std::string& at) {
  return fmt::format("label {} {} is out of range: {} (0..{})", label, at, limit.why, limit.classes - 1);
}

DatasetResult LoadDataset(const plan::Dataset& spec, const LoadOptions& options) {
  RawResult raw = ReadFiles(spec, LabelLimit(spec, options));
  if (!raw) return DatasetResult{std::nullopt, raw.error()};
  if (auto error = CheckShape(spec, *raw)) return DatasetResult{std::nullopt, error};

  LoadedDataset dataset;
  dataset.shape = raw->shape;
  dataset.features = 1;
  for (int64_t dim : raw->shape) dataset.features *= dim;
  auto [mean, std] = PixelStats(raw->train.pixels);
  if (std <= 0) {
    return DatasetResult{std::nullopt, base::Error::InFile(raw->train.files.front(),
                                                           "every pixel has the same value: cannot normalize")};
  }
  dataset.mean = mean;
  dataset.std = std;
  // Every byte maps to one of 256 values: a table makes the conversion exact and cheap.
  std::array<float, kByteValues> lut;
  for (int v = 0; v < kByteValues; ++v) lut[v] = static_cast<float>((v / kPixelMax - mean) / std);
  dataset.train = ToTensors(raw->train, dataset.features, lut, options.materialize_train_images);
  dataset.test = ToTensors(raw->test, dataset.features, lut, /*materialize_images=*/true);
  return DatasetResult{std::move(dataset), std::nullopt};
}

}  // namespace dml::data
