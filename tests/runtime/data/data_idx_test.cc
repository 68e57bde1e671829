// The IDX reader and dataset loader on small files written by the tests
// themselves, including one file per way of being broken.
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/data/dataset.h"
#include "runtime/data/idx.h"
#include "tests/runtime/data/idx_fixture.h"

namespace dml::data {
namespace {

using testing::IdxBytes;
using testing::TempDir;
using testing::WriteGzip;
using testing::WritePlain;

const std::vector<uint8_t> kPixels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255};  // 3 images of 2x2

TEST(DataIdx, ReadsPlainAndGzipAlike) {
  TempDir dir("idx");
  auto bytes = IdxBytes(kIdxImagesMagic, {3, 2, 2}, kPixels);
  WritePlain(dir.File("plain"), bytes);
  WriteGzip(dir.File("packed"), bytes);  // no .gz suffix: detection is by magic bytes
  for (const char* name : {"plain", "packed"}) {
    IdxResult r = ReadIdxFile(dir.File(name), kIdxImagesMagic);
    ASSERT_TRUE(r.array) << r.error->Render();
    EXPECT_EQ(r.array->dims, (std::vector<int64_t>{3, 2, 2}));
    EXPECT_EQ(r.array->data, kPixels);
  }
}

TEST(DataIdx, MissingFileIsNamed) {
  IdxResult r = ReadIdxFile("/nonexistent/dml/train-images", kIdxImagesMagic);
  ASSERT_FALSE(r.array);
  EXPECT_EQ(r.error->Render(), "/nonexistent/dml/train-images: file not found");
}

TEST(DataIdx, WrongMagicSaysWhatWasExpected) {
  TempDir dir("idx");
  WriteGzip(dir.File("labels.gz"), IdxBytes(kIdxLabelsMagic, {3}, {0, 1, 2}));
  IdxResult r = ReadIdxFile(dir.File("labels.gz"), kIdxImagesMagic);
  ASSERT_FALSE(r.array);
  EXPECT_EQ(r.error->Where(), dir.File("labels.gz"));
  EXPECT_NE(r.error->message().find("wrong magic number 0x00000801: expected 0x00000803"), std::string::npos)
      << r.error->message();
}

TEST(DataIdx, TruncatedPayloadPlainAndGzip) {
  TempDir dir("idx");
  auto bytes = IdxBytes(kIdxImagesMagic, {3, 2, 2}, kPixels);
  bytes.resize(bytes.size() - 5);
  WritePlain(dir.File("plain"), bytes);
  WriteGzip(dir.File("packed"), bytes);
  for (const char* name : {"plain", "packed"}) {
    IdxResult r = ReadIdxFile(dir.File(name), kIdxImagesMagic);
    ASSERT_FALSE(r.array) << name;
    EXPECT_NE(r.error->message().find("truncated"), std::string::npos) << r.error->message();
    EXPECT_NE(r.error->message().find("3 items (12 bytes of data) but only 7 bytes"), std::string::npos)
        << r.error->message();
  }
}

TEST(DataIdx, TruncatedHeader) {
  TempDir dir("idx");
  WritePlain(dir.File("short"), {0x00, 0x00, 0x08, 0x03, 0x00, 0x00});
  IdxResult r = ReadIdxFile(dir.File("short"), kIdxImagesMagic);
  ASSERT_FALSE(r.array);
  EXPECT_NE(r.error->message().find("truncated: the file ends inside the header"), std::string::npos)
      << r.error->message();
}

TEST(DataIdx, CutGzipStream) {
  TempDir dir("idx");
  WriteGzip(dir.File("whole.gz"), IdxBytes(kIdxImagesMagic, {3, 2, 2}, kPixels));
  std::vector<uint8_t> gz(std::filesystem::file_size(dir.File("whole.gz")));
  std::FILE* f = std::fopen(dir.File("whole.gz").c_str(), "rb");
  ASSERT_EQ(std::fread(gz.data(), 1, gz.size(), f), gz.size());
  std::fclose(f);
  gz.resize(gz.size() / 2);  // the stream stops mid-way, before its trailer
  WritePlain(dir.File("cut.gz"), gz);
  IdxResult r = ReadIdxFile(dir.File("cut.gz"), kIdxImagesMagic);
  ASSERT_FALSE(r.array);
  EXPECT_NE(r.error->message().find("gzip stream is cut short"), std::string::npos) << r.error->message();
}

TEST(DataIdx, CorruptGzipData) {
  TempDir dir("idx");
  // The gzip magic followed by an invalid compression method and garbage.
  WritePlain(dir.File("bad.gz"), {0x1f, 0x8b, 0x63, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  IdxResult r = ReadIdxFile(dir.File("bad.gz"), kIdxImagesMagic);
  ASSERT_FALSE(r.array);
  EXPECT_EQ(r.error->Where(), dir.File("bad.gz"));
  EXPECT_NE(r.error->message().find("corrupt gzip data"), std::string::npos) << r.error->message();
}

TEST(DataIdx, TrailingBytesAreRejected) {
  TempDir dir("idx");
  auto bytes = IdxBytes(kIdxLabelsMagic, {2}, {1, 2});
  bytes.push_back(7);
  WritePlain(dir.File("labels"), bytes);
  IdxResult r = ReadIdxFile(dir.File("labels"), kIdxLabelsMagic);
  ASSERT_FALSE(r.array);
  EXPECT_NE(r.error->message().find("unexpected data after the 2 items"), std::string::npos) << r.error->message();
}

TEST(DataIdx, NonByteElementTypeIsRejected) {
  TempDir dir("idx");
  WritePlain(dir.File("floats"), IdxBytes(0x00000d01, {1}, {0, 0, 0, 0}));
  IdxResult r = ReadIdxFile(dir.File("floats"), 0x00000d01);
  ASSERT_FALSE(r.array);
  EXPECT_NE(r.error->message().find("unsupported IDX element type 0x0d"), std::string::npos) << r.error->message();
}

// A dataset whose files the test then breaks one at a time.
class DataDataset : public ::testing::Test {
 protected:
  DataDataset() : dir_("dataset") { spec_ = testing::WriteBandDataset(dir_.path(), 40, 12, 8, 4, false); }
  std::string Error() {
    DatasetResult r = LoadIdxDataset(spec_);
    return r.dataset ? "" : r.error->Render();
  }
  TempDir dir_;
  plan::Dataset spec_;
};

TEST_F(DataDataset, LoadsAndNormalizesWithTrainStatistics) {
  DatasetResult r = LoadIdxDataset(spec_);
  ASSERT_TRUE(r.dataset) << r.error->Render();
  const IdxDataset& d = *r.dataset;
  EXPECT_EQ(d.features, 64);
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{40, 64}));
  EXPECT_EQ(d.test.labels.sizes(), (std::vector<int64_t>{12}));
  EXPECT_EQ(d.train.labels.dtype(), torch::kInt64);
  // The train set is normalized by its own statistics: mean 0, std 1.
  EXPECT_NEAR(d.train.images.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(d.train.images.std().item<double>(), 1.0, 1e-4);
  EXPECT_GT(d.mean, 0.0);
  EXPECT_LT(d.mean, 1.0);
  EXPECT_LE(d.train.labels.max().item<int64_t>(), 3);
}

TEST_F(DataDataset, ImagesAndLabelsCountsDisagree) {
  WritePlain(dir_.File("train-labels-idx1-ubyte"), IdxBytes(kIdxLabelsMagic, {39}, std::vector<uint8_t>(39, 1)));
  std::string e = Error();
  EXPECT_NE(e.find("train-images-idx3-ubyte: holds 40 images but its labels file"), std::string::npos) << e;
  EXPECT_NE(e.find("holds 39 labels"), std::string::npos) << e;
}

TEST_F(DataDataset, CountDisagreesWithPlan) {
  spec_.test_size = 10;
  std::string e = Error();
  EXPECT_NE(e.find("t10k-images-idx3-ubyte: holds 12 images but the plan declares test_size: 10"), std::string::npos)
      << e;
}

TEST_F(DataDataset, LabelOutOfRange) {
  std::vector<uint8_t> labels(40, 0);
  labels[17] = 10;
  WritePlain(dir_.File("train-labels-idx1-ubyte"), IdxBytes(kIdxLabelsMagic, {40}, labels));
  std::string e = Error();
  EXPECT_NE(e.find("label 10 at index 17 is out of range: the model has 10 classes"), std::string::npos) << e;
}

TEST_F(DataDataset, MissingTestFileIsNamed) {
  std::filesystem::remove(dir_.File("t10k-labels-idx1-ubyte"));
  EXPECT_EQ(Error(), dir_.File("t10k-labels-idx1-ubyte") + ": file not found");
}

TEST_F(DataDataset, TrainAndTestImageSizesDisagree) {
  WritePlain(dir_.File("t10k-images-idx3-ubyte"),
             IdxBytes(kIdxImagesMagic, {12, 4, 4}, std::vector<uint8_t>(12 * 16, 3)));
  std::string e = Error();
  EXPECT_NE(e.find("images are 4x4 but the train images"), std::string::npos) << e;
}

}  // namespace
}  // namespace dml::data
