#include "runtime/plan/cnn_geometry.h"

namespace dml::plan {

CnnGeometry ComputeCnnGeometry(const Model& model) {
  CnnGeometry geometry;
  if (model.input.size() != 3) return geometry;
  CnnImage image{model.input[0], model.input[1], model.input[2]};
  for (size_t i = 0; i < model.channels.size(); ++i) {
    CnnLayerGeometry layer;
    layer.in = image;
    layer.conv_height = image.height - model.kernel + 1;
    layer.conv_width = image.width - model.kernel + 1;
    // Integer division truncates toward zero, so test the conv's output
    // itself: pooling needs a whole window.
    if (layer.conv_height < kCnnPool || layer.conv_width < kCnnPool) {
      geometry.too_small = CnnTooSmall{i, image.height, image.width, layer.conv_height, layer.conv_width};
      return geometry;
    }
    layer.out = {model.channels[i], layer.conv_height / kCnnPool, layer.conv_width / kCnnPool};
    geometry.layers.push_back(layer);
    image = layer.out;
  }
  geometry.fc_in = image.channels * image.height * image.width;
  return geometry;
}

}  // namespace dml::plan
