// plan::ComputeCnnGeometry: each conv layer takes kernel-1 pixels off, each
// 2x2 pooling halves what is left (floor), the fc layer reads C*H*W of the
// last image; the first layer that leaves less than 1x1 is named with its sizes.
#include "runtime/plan/cnn_geometry.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace dml::plan {
namespace {

Model Cnn(std::vector<int64_t> input, std::vector<int64_t> channels, int64_t kernel) {
  Model m;
  m.kind = "cnn";
  m.input = std::move(input);
  m.channels = std::move(channels);
  m.kernel = kernel;
  return m;
}

// The failure as {layer, height, width, conv_height, conv_width}.
std::vector<int64_t> Failure(const CnnGeometry& g) {
  if (!g.too_small) return {};
  const CnnTooSmall& f = *g.too_small;
  return {static_cast<int64_t>(f.layer), f.height, f.width, f.conv_height, f.conv_width};
}

TEST(PlanCnnGeometry, StdlibCnnOnMnist) {
  // 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5; fc 32*5*5 = 800.
  const CnnGeometry g = ComputeCnnGeometry(Cnn({1, 28, 28}, {16, 32}, 3));
  EXPECT_FALSE(g.too_small);
  ASSERT_EQ(g.layers.size(), 2u);
  EXPECT_EQ(g.layers[0].in, (CnnImage{1, 28, 28}));
  EXPECT_EQ(g.layers[0].conv_height, 26);
  EXPECT_EQ(g.layers[0].conv_width, 26);
  EXPECT_EQ(g.layers[0].out, (CnnImage{16, 13, 13}));
  EXPECT_EQ(g.layers[1].in, (CnnImage{16, 13, 13}));
  EXPECT_EQ(g.layers[1].conv_height, 11);
  EXPECT_EQ(g.layers[1].conv_width, 11);
  EXPECT_EQ(g.layers[1].out, (CnnImage{32, 5, 5}));
  EXPECT_EQ(g.fc_in, 800);
}

TEST(PlanCnnGeometry, NonSquareImageKeepsHeightAndWidthApart) {
  // Height 32 -conv5-> 28 -> 14 -conv5-> 10 -> 5; width 20 -> 16 -> 8 -> 4 -> 2.
  const CnnGeometry g = ComputeCnnGeometry(Cnn({3, 32, 20}, {6, 4}, 5));
  EXPECT_FALSE(g.too_small);
  ASSERT_EQ(g.layers.size(), 2u);
  EXPECT_EQ(g.layers[0].conv_height, 28);
  EXPECT_EQ(g.layers[0].conv_width, 16);
  EXPECT_EQ(g.layers[0].out, (CnnImage{6, 14, 8}));
  EXPECT_EQ(g.layers[1].in, (CnnImage{6, 14, 8}));
  EXPECT_EQ(g.layers[1].out, (CnnImage{4, 5, 2}));
  EXPECT_EQ(g.fc_in, 4 * 5 * 2);
}

// The plan has no switch for the pooling: every conv layer pools, rounding
// an odd size down (PyTorch's max_pool2d without ceil_mode).
TEST(PlanCnnGeometry, EveryLayerPoolsRoundingDown) {
  const CnnGeometry g = ComputeCnnGeometry(Cnn({2, 9, 8}, {3}, 1));
  ASSERT_EQ(g.layers.size(), 1u);
  EXPECT_EQ(g.layers[0].conv_height, 9);
  EXPECT_EQ(g.layers[0].conv_width, 8);
  EXPECT_EQ(g.layers[0].out, (CnnImage{3, 4, 4}));
  EXPECT_EQ(g.fc_in, 48);
  // Exactly 2x2 after the conv still pools to 1x1.
  const CnnGeometry tight = ComputeCnnGeometry(Cnn({1, 4, 4}, {5}, 3));
  EXPECT_FALSE(tight.too_small);
  ASSERT_EQ(tight.layers.size(), 1u);
  EXPECT_EQ(tight.layers[0].out, (CnnImage{5, 1, 1}));
  EXPECT_EQ(tight.fc_in, 5);
}

TEST(PlanCnnGeometry, NamesTheLayerWhereTheImageIsTooSmallToPool) {
  // 8 -conv-> 6 -> 3 -conv-> 1: nothing to pool at layer 1.
  const CnnGeometry g = ComputeCnnGeometry(Cnn({1, 8, 8}, {4, 4, 4}, 3));
  ASSERT_TRUE(g.too_small);
  EXPECT_EQ(Failure(g), (std::vector<int64_t>{1, 3, 3, 1, 1}));
  EXPECT_FALSE(g.too_small->KernelTooLarge());
  ASSERT_EQ(g.layers.size(), 1u);  // the layer before it
  EXPECT_EQ(g.layers[0].out, (CnnImage{4, 3, 3}));
  EXPECT_EQ(g.fc_in, 0);
  // One side suffices: 10x3 -conv-> 8x1.
  EXPECT_EQ(Failure(ComputeCnnGeometry(Cnn({1, 10, 3}, {2}, 3))), (std::vector<int64_t>{0, 10, 3, 8, 1}));
}

TEST(PlanCnnGeometry, NamesTheLayerWhoseKernelIsLargerThanItsImage) {
  // Only the width fails: 40x6 -conv7-> 34x0.
  const CnnGeometry g = ComputeCnnGeometry(Cnn({1, 40, 6}, {2}, 7));
  ASSERT_TRUE(g.too_small);
  EXPECT_EQ(Failure(g), (std::vector<int64_t>{0, 40, 6, 34, 0}));
  EXPECT_TRUE(g.too_small->KernelTooLarge());
  EXPECT_TRUE(g.layers.empty());
}

TEST(PlanCnnGeometry, InputWithoutThreeSizesGivesNothing) {
  const CnnGeometry g = ComputeCnnGeometry(Cnn({28, 28}, {16}, 3));
  EXPECT_TRUE(g.layers.empty());
  EXPECT_FALSE(g.too_small);
  EXPECT_EQ(g.fc_in, 0);
}

}  // namespace
}  // namespace dml::plan
