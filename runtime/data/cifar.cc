#include "runtime/data/cifar.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dml::data {
namespace {

constexpr unsigned char kGzipMagic[2] = {0x1f, 0x8b};
// Far above CIFAR-10's 30 MB batches: a wrong path (a disk image, say) must
// not make us read gigabytes before saying so.
constexpr uint64_t kMaxFileBytes = uint64_t{4} << 30;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

base::Error AtOffset(const std::string& path, uint64_t offset, std::string message) {
  return base::Error(base::FileAt{path, "", offset}, std::move(message));
}

}  // namespace

std::optional<base::Error> ReadCifarFile(const std::string& path, const ClassLimit& limit, RawSplit* split) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return base::Error::InFile(path, errno == ENOENT ? "file not found"
                                                     : fmt::format("cannot open: {}", std::strerror(errno)));
  }
  std::error_code error;
  const uint64_t bytes = std::filesystem::file_size(path, error);
  if (error) return base::Error::InFile(path, fmt::format("cannot read its size: {}", error.message()));
  if (bytes == 0) return base::Error::InFile(path, "is empty: a CIFAR-10 batch holds at least one record");
  if (bytes > kMaxFileBytes) {
    return base::Error::InFile(path, fmt::format("is {} bytes, more than a CIFAR-10 batch file can be", bytes));
  }
  std::vector<uint8_t> data(bytes);
  if (std::fread(data.data(), 1, data.size(), file.get()) != data.size()) {
    return base::Error::InFile(path, fmt::format("read failed: {}", std::strerror(errno)));
  }
  if (bytes >= 2 && data[0] == kGzipMagic[0] && data[1] == kGzipMagic[1]) {
    return base::Error::InFile(path, "is gzip-compressed: CIFAR-10 batches are read as the extracted .bin files "
                                     "(tar xzf cifar-10-binary.tar.gz)");
  }
  const uint64_t records = bytes / kCifarRecord;
  if (bytes % kCifarRecord != 0) {
    const uint64_t last = records * kCifarRecord;
    return AtOffset(path, last,
                    fmt::format("truncated record {}: {} of its {} bytes are there (the file's {} bytes are not a "
                                "multiple of the {}-byte CIFAR-10 record: 1 label byte, then 3x32x32 pixels)",
                                records, bytes - last, kCifarRecord, bytes, kCifarRecord));
  }
  const size_t first = split->labels.size();
  split->labels.resize(first + records);
  split->pixels.resize((first + records) * kCifarPixels);
  for (uint64_t r = 0; r < records; ++r) {
    const uint8_t* record = data.data() + r * kCifarRecord;
    if (record[0] >= limit.classes) {
      return AtOffset(path, r * kCifarRecord, LabelOutOfRange(limit, record[0], fmt::format("in record {}", r)));
    }
    split->labels[first + r] = record[0];
    std::memcpy(split->pixels.data() + (first + r) * kCifarPixels, record + 1, kCifarPixels);
  }
  split->files.push_back(path);
  return std::nullopt;
}

namespace {

std::optional<base::Error> ReadCifarSplit(const plan::Dataset& spec, const char* split_name,
                                          const std::vector<std::string>& files, int64_t declared,
                                          const ClassLimit& limit, RawSplit* split) {
  for (const std::string& file : files) {
    if (auto error = ReadCifarFile(DatasetPath(spec, file), limit, split)) return error;
  }
  if (declared > 0 && split->size() != declared) {
    return base::Error::InField(
        fmt::format("train.dataset.{}_size", split_name),
        fmt::format("the plan declares {} samples but the {} batch file(s) ({}) hold {} records", declared,
                    split_name, fmt::join(split->files, ", "), split->size()));
  }
  return std::nullopt;
}

}  // namespace

RawResult ReadCifarDataset(const plan::Dataset& spec, const ClassLimit& limit) {
  RawDataset raw;
  raw.shape = {kCifarChannels, kCifarSide, kCifarSide};
  if (auto error = ReadCifarSplit(spec, "train", spec.train_batches, spec.train_size, limit, &raw.train)) {
    return *error;
  }
  if (auto error = ReadCifarSplit(spec, "test", spec.test_batches, spec.test_size, limit, &raw.test)) return *error;
  return raw;
}

}  // namespace dml::data
