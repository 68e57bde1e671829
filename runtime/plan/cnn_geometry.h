// The cnn of plan::Model followed through its layers: each conv layer
// (kernel k, stride 1, no padding) takes k-1 pixels off the height and the
// width, and the 2x2 max pooling after it (stride 2) halves what is left,
// rounding down; the linear layer then reads the last image flattened. dmlc's
// check, the model, the hand-written pass and the export all read their sizes
// here, so they cannot disagree on where an image gets too small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::plan {

// Every conv layer's max pooling: a kCnnPool x kCnnPool window, stride kCnnPool, floor.
inline constexpr int64_t kCnnPool = 2;

// One sample's image {C, H, W} at some point of the network.
struct CnnImage {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
};

inline bool operator==(const CnnImage& a, const CnnImage& b) {
  return a.channels == b.channels && a.height == b.height && a.width == b.width;
}
inline bool operator!=(const CnnImage& a, const CnnImage& b) { return !(a == b); }

// One conv layer and the pooling after it.
struct CnnLayerGeometry {
  CnnImage in;               // what the conv gets
  int64_t conv_height = 0;   // what the conv leaves, before the pooling
  int64_t conv_width = 0;
  CnnImage out;              // after the pooling: the next layer's input
};

// The first layer after which the image is smaller than 1x1.
struct CnnTooSmall {
  size_t layer = 0;          // index into Model::channels
  int64_t height = 0;        // what its conv gets
  int64_t width = 0;
  int64_t conv_height = 0;   // what its conv leaves: < 1 when the kernel is larger
  int64_t conv_width = 0;    // than the image, else < kCnnPool (nothing to pool)

  bool KernelTooLarge() const { return conv_height < 1 || conv_width < 1; }
};

struct CnnGeometry {
  // Every layer when the image fits, else the layers before the failing one.
  std::vector<CnnLayerGeometry> layers;
  int64_t fc_in = 0;  // the linear layer's input, C*H*W of the last output; 0 when too small
  std::optional<CnnTooSmall> too_small;  // set when a layer shrinks the image below 1x1
};

// The sizes of `model`'s cnn layers (model.input, model.channels,
// model.kernel), or the layer that fails. Checks nothing else: callers
// refuse a bad input, channel or kernel in their own words first. An input
// without exactly three entries gives an empty geometry (no layers, fc_in 0).
CnnGeometry ComputeCnnGeometry(const Model& model);

}  // namespace dml::plan
