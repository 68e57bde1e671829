// The CIFAR-10 reader and the format dispatch of LoadDataset, on small
// batch files written by the tests, including one file per way of being broken.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/data/cifar.h"
#include "runtime/data/dataset.h"
#include "tests/runtime/data/cifar_fixture.h"
#include "tests/runtime/data/idx_fixture.h"

namespace dml::data {
namespace {

using testing::CifarRecords;
using testing::TempDir;
using testing::WritePlain;

class DataCifar : public ::testing::Test {
 protected:
  DataCifar() : dir_("cifar") { spec_ = testing::WriteCifarDataset(dir_.path(), 2, 30, 12); }
  std::string Error() {
    DatasetResult r = LoadDataset(spec_);
    return r.dataset ? "" : r.error->Render();
  }
  std::vector<uint8_t> Records(std::vector<uint8_t> labels) { return CifarRecords(labels, 3); }
  TempDir dir_;
  plan::Dataset spec_;
};

TEST_F(DataCifar, LoadsBatchesInOrderKeepingChannelMajorBytes) {
  DatasetResult r = LoadDataset(spec_);
  ASSERT_TRUE(r.dataset) << r.error->Render();
  const LoadedDataset& d = *r.dataset;
  EXPECT_EQ(d.shape, (std::vector<int64_t>{3, 32, 32}));
  EXPECT_EQ(d.features, 3072);
  EXPECT_EQ(d.train.pixels.sizes(), (std::vector<int64_t>{60, 3072}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{12, 3072}));
  EXPECT_EQ(d.train.labels.dtype(), torch::kInt64);
  // The green plane (bytes 1024..2047 of a sample) holds the record's index
  // in its file: the second file's records follow the first's.
  EXPECT_EQ(d.train.pixels[0][1024].item<int>(), 0);
  EXPECT_EQ(d.train.pixels[29][2047].item<int>(), 29);
  EXPECT_EQ(d.train.pixels[30][1024].item<int>(), 0);
  EXPECT_EQ(d.train.pixels[59][1500].item<int>(), 29);
  // The labels are the files' first bytes, record by record.
  std::ifstream file(dir_.File("data_batch_2.bin"), std::ios::binary);
  file.seekg(5 * testing::kCifarRecordBytes);
  EXPECT_EQ(d.train.labels[35].item<int64_t>(), file.get());
  // Normalized with the train set's statistics, through the same table as idx.
  EXPECT_NEAR(torch::index(torch::tensor(std::vector<float>(d.test.pixel_values.begin(), d.test.pixel_values.end())),
                           {d.test.pixels.to(torch::kLong)})
                  .sub(d.test.images)
                  .abs()
                  .max()
                  .item<double>(),
              0.0, 0.0);
  torch::Tensor train_images = torch::index(
      torch::tensor(std::vector<float>(d.train.pixel_values.begin(), d.train.pixel_values.end())),
      {d.train.pixels.to(torch::kLong)});
  EXPECT_NEAR(train_images.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(train_images.std().item<double>(), 1.0, 1e-4);
}

TEST_F(DataCifar, TruncatedLastRecordNamesFileAndOffset) {
  std::vector<uint8_t> bytes = Records({1, 2, 3});
  bytes.resize(bytes.size() - 100);
  WritePlain(dir_.File("test_batch.bin"), bytes);
  EXPECT_EQ(Error(), dir_.File("test_batch.bin") +
                         ": byte 6146: truncated record 2: 2973 of its 3073 bytes are there (the file's 9119 bytes "
                         "are not a multiple of the 3073-byte CIFAR-10 record: 1 label byte, then 3x32x32 pixels)");
}

TEST_F(DataCifar, LabelAboveTheClassesNamesRecord) {
  std::vector<uint8_t> bytes = Records({1, 2, 3, 4});
  bytes[2 * testing::kCifarRecordBytes] = 10;
  WritePlain(dir_.File("data_batch_2.bin"), bytes);
  spec_.train_size = 0;
  EXPECT_EQ(Error(), dir_.File("data_batch_2.bin") +
                         ": byte 6146: label 10 in record 2 is out of range: the model has 10 classes (0..9)");
}

TEST_F(DataCifar, LabelAboveThePlansClassesNamesTheField) {
  spec_.classes = 4;
  std::string e = Error();
  EXPECT_NE(e.find("is out of range: the plan's train.dataset.classes is 4 (0..3)"), std::string::npos) << e;
  EXPECT_EQ(e.rfind(dir_.File("data_batch_1.bin") + ": byte ", 0), 0u) << e;
}

TEST_F(DataCifar, DeclaredSizeMismatchNamesFieldAndFiles) {
  spec_.train_size = 50;
  EXPECT_EQ(Error(), "train.dataset.train_size: the plan declares 50 samples but the train batch file(s) (" +
                         dir_.File("data_batch_1.bin") + ", " + dir_.File("data_batch_2.bin") + ") hold 60 records");
}

TEST_F(DataCifar, EmptyAndGzippedAndMissingFiles) {
  WritePlain(dir_.File("test_batch.bin"), {});
  EXPECT_EQ(Error(), dir_.File("test_batch.bin") + ": is empty: a CIFAR-10 batch holds at least one record");
  WritePlain(dir_.File("test_batch.bin"), {0x1f, 0x8b, 0x08, 0x00});
  EXPECT_NE(Error().find("test_batch.bin: is gzip-compressed"), std::string::npos) << Error();
  std::filesystem::remove(dir_.File("test_batch.bin"));
  EXPECT_EQ(Error(), dir_.File("test_batch.bin") + ": file not found");
}

TEST_F(DataCifar, ShapeOtherThanCifarsIsRefused) {
  spec_.shape = {1, 28, 28};
  EXPECT_EQ(Error(), dir_.File("data_batch_1.bin") +
                         ": holds samples of shape [3, 32, 32] (cifar format) but the plan's train.dataset.shape "
                         "is [1, 28, 28]");
}

TEST_F(DataCifar, UnknownFormatNamesTheField) {
  spec_.format = "parquet";
  EXPECT_EQ(Error(), "train.dataset.format: unsupported dataset format 'parquet' (supported: idx, cifar)");
}

TEST(DataIdxShape, ShapeIsOneChannelOfTheFilesRowsAndColumns) {
  TempDir dir("idx-shape");
  plan::Dataset spec = testing::WriteBandDataset(dir.path(), 20, 8, 8, 4, false);
  spec.shape = {1, 8, 8};
  DatasetResult r = LoadDataset(spec);
  ASSERT_TRUE(r.dataset) << r.error->Render();
  EXPECT_EQ(r.dataset->shape, (std::vector<int64_t>{1, 8, 8}));
  spec.shape = {3, 8, 8};
  r = LoadDataset(spec);
  ASSERT_FALSE(r.dataset);
  EXPECT_EQ(r.error->Render(), dir.File("train-images-idx3-ubyte") +
                                   ": holds samples of shape [1, 8, 8] (idx format) but the plan's "
                                   "train.dataset.shape is [3, 8, 8]");
}

}  // namespace
}  // namespace dml::data
