#include "tests/runtime/data/cifar_fixture.h"

#include <fstream>
#include <random>

namespace dml::testing {
namespace {

constexpr int kSide = 32;
constexpr int kPlane = kSide * kSide;
constexpr int kClasses = 10;
constexpr int kNoiseMax = 60;
constexpr int kBrightMin = 180;

void Save(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

std::vector<uint8_t> CifarRecords(const std::vector<uint8_t>& labels, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(labels.size() * kCifarRecordBytes);
  const int band = kSide / kClasses;  // 3 rows per class
  for (size_t i = 0; i < labels.size(); ++i) {
    uint8_t* record = bytes.data() + i * kCifarRecordBytes;
    record[0] = labels[i];
    uint8_t* red = record + 1;
    uint8_t* green = red + kPlane;
    uint8_t* blue = green + kPlane;
    for (int p = 0; p < kPlane; ++p) {
      const bool bright = (p / kSide) / band == labels[i];
      red[p] = static_cast<uint8_t>(bright ? kBrightMin + rng() % (256 - kBrightMin) : rng() % (kNoiseMax + 1));
      green[p] = static_cast<uint8_t>(i % 256);
      blue[p] = static_cast<uint8_t>(rng() % (kNoiseMax + 1));
    }
  }
  return bytes;
}

std::vector<uint8_t> RandomLabels(int64_t n, int classes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> labels(static_cast<size_t>(n));
  for (auto& label : labels) label = static_cast<uint8_t>(rng() % classes);
  return labels;
}

plan::Dataset WriteCifarDataset(const std::string& dir, int train_files, int64_t per_train_file,
                                int64_t test_size) {
  plan::Dataset spec;
  spec.name = "cifar_bands";
  spec.format = "cifar";
  spec.dir = dir;
  for (int f = 0; f < train_files; ++f) {
    const std::string name = "data_batch_" + std::to_string(f + 1) + ".bin";
    Save(dir + "/" + name, CifarRecords(RandomLabels(per_train_file, kClasses, 100 + f), 200 + f));
    spec.train_batches.push_back(name);
  }
  Save(dir + "/test_batch.bin", CifarRecords(RandomLabels(test_size, kClasses, 7), 8));
  spec.test_batches = {"test_batch.bin"};
  spec.train_size = train_files * per_train_file;
  spec.test_size = test_size;
  spec.shape = {3, kSide, kSide};
  spec.classes = kClasses;
  return spec;
}

}  // namespace dml::testing
