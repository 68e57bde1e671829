#include "tests/runtime/data/idx_fixture.h"

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace dml::testing {

std::vector<uint8_t> IdxBytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put32(magic);
  for (uint32_t d : dims) put32(d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void WritePlain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void WriteGzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  if (gz == nullptr) throw std::runtime_error("cannot write " + path);
  if (!bytes.empty()) gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
}

TempDir::TempDir(const std::string& tag) {
  static int counter = 0;
  path_ = (std::filesystem::temp_directory_path() /
           ("dml_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
              .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

plan::Dataset WriteBandDataset(const std::string& dir, int64_t train_size, int64_t test_size, int side, int classes,
                               bool gzip, uint32_t seed) {
  constexpr int kNoiseMax = 60;    // background pixels in [0, kNoiseMax]
  constexpr int kBrightMin = 180;  // the labelled band in [kBrightMin, 255]
  std::mt19937 rng(seed);
  auto write = [&](const std::string& prefix, int64_t n) {
    std::vector<uint8_t> pixels(static_cast<size_t>(n) * side * side);
    std::vector<uint8_t> labels(static_cast<size_t>(n));
    const int band = side / classes;
    for (int64_t i = 0; i < n; ++i) {
      int label = static_cast<int>(rng() % classes);
      labels[i] = static_cast<uint8_t>(label);
      for (int r = 0; r < side; ++r) {
        bool bright = r / band == label;
        for (int c = 0; c < side; ++c) {
          int v = bright ? kBrightMin + static_cast<int>(rng() % (256 - kBrightMin)) : static_cast<int>(rng() % (kNoiseMax + 1));
          pixels[(i * side + r) * side + c] = static_cast<uint8_t>(v);
        }
      }
    }
    auto save = gzip ? WriteGzip : WritePlain;
    const char* ext = gzip ? ".gz" : "";
    uint32_t un = static_cast<uint32_t>(n), us = static_cast<uint32_t>(side);
    save(dir + "/" + prefix + "-images-idx3-ubyte" + ext, IdxBytes(0x803, {un, us, us}, pixels));
    save(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, IdxBytes(0x801, {un}, labels));
  };
  write("train", train_size);
  write("t10k", test_size);
  plan::Dataset spec;
  spec.name = "bands";
  spec.dir = dir;
  const std::string ext = gzip ? ".gz" : "";
  spec.train_images = "train-images-idx3-ubyte" + ext;
  spec.train_labels = "train-labels-idx1-ubyte" + ext;
  spec.test_images = "t10k-images-idx3-ubyte" + ext;
  spec.test_labels = "t10k-labels-idx1-ubyte" + ext;
  spec.train_size = train_size;
  spec.test_size = test_size;
  return spec;
}

}  // namespace dml::testing
