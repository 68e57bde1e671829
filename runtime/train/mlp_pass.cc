#include "runtime/train/mlp_pass.h"


#include <algorithm>

#include "runtime/train/lanes.h"

namespace dml::train {

// Why 128 rows: at batch 64 on this project's 2-vCPU machine two 32-row lanes
// took 236 us of GEMMs a step against 222 us for one thread, and letting the
// BLAS thread each GEMM instead made whole runs slower still (spinning OpenMP
// workers take the core from the rank; bench/runtime/README.md).
int StepThreads(int64_t rows, int threads) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows / kMinRowsPerLane)));
}

MlpPass::MlpPass(model::Mlp& model)
    : hidden_act_(kernels::ToAct(model.activation())),
      params_(model.flat_params().data_ptr<float>()),
      grads_(model.flat_grads().data_ptr<float>()),
      num_params_(model.num_parameters()) {
  // The same layout as Mlp's constructor: weight [out x in] then bias [out], layer by layer.
  const std::vector<int64_t>& sizes = model.layers();
  int64_t offset = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    Layer layer;
    layer.in = sizes[i];
    layer.out = sizes[i + 1];
    layer.weight_offset = offset;
    layer.bias_offset = offset + layer.out * layer.in;
    offset = layer.bias_offset + layer.out;
    layers_.push_back(layer);
  }
}

int MlpPass::LanesFor(int64_t rows) const { return StepThreads(rows, at::get_num_threads()); }

void MlpPass::Reserve(Lane& lane, int64_t rows) const {
  if (rows <= lane.capacity) return;
  int64_t widest = 0;
  lane.outputs.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    lane.outputs[i].resize(static_cast<size_t>(rows * layers_[i].out));
    widest = std::max(widest, layers_[i].out);
  }
  lane.delta.resize(static_cast<size_t>(rows * widest));
  lane.delta_prev.resize(static_cast<size_t>(rows * widest));
  lane.capacity = rows;
}

const float* MlpPass::ForwardLane(Lane& lane, const float* x, int64_t rows) const {
  Reserve(lane, rows);
  const float* input = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    float* out = lane.outputs[i].data();
    // out = input W^T, then + bias and the activation in one pass (none on the logits).
    kernels::Gemm(false, true, rows, l.out, l.in, 1.0f, input, l.in, params_ + l.weight_offset, l.in, 0.0f, out,
                  l.out);
    const bool last = i + 1 == layers_.size();
    kernels::AddBiasActivate(out, params_ + l.bias_offset, rows, l.out, last ? kernels::Act::kNone : hidden_act_);
    input = out;
  }
  return lane.outputs.back().data();
}

const float* MlpPass::Forward(const float* x, int64_t rows) {
  if (lanes_.empty()) lanes_.resize(1);
  return ForwardLane(lanes_[0], x, rows);
}

double MlpPass::PassLane(Lane& lane, const float* x, const int64_t* labels, int64_t rows, float grad_scale,
                         float* grads) const {
  const float* logits = ForwardLane(lane, x, rows);
  const int64_t classes = layers_.back().out;
  double loss_sum = kernels::SoftmaxCrossEntropy(logits, labels, rows, classes, grad_scale, lane.delta.data());

  for (size_t i = layers_.size(); i-- > 0;) {
    const Layer& l = layers_[i];
    const float* input = i == 0 ? x : lane.outputs[i - 1].data();
    // dW [out x in] = delta^T [out x rows] * input [rows x in], straight into the gradient buffer.
    kernels::Gemm(true, false, l.out, l.in, rows, 1.0f, lane.delta.data(), l.out, input, l.in, 0.0f,
                  grads + l.weight_offset, l.in);
    kernels::ColumnSums(lane.delta.data(), rows, l.out, grads + l.bias_offset);
    if (i == 0) break;  // no gradient for the data
    // d(input) [rows x in] = delta [rows x out] * W [out x in], then through the activation.
    kernels::Gemm(false, false, rows, l.in, l.out, 1.0f, lane.delta.data(), l.out, params_ + l.weight_offset, l.in,
                  0.0f, lane.delta_prev.data(), l.in);
    kernels::ActivationBackward(lane.delta_prev.data(), lane.outputs[i - 1].data(), rows * l.in, hidden_act_);
    lane.delta.swap(lane.delta_prev);
  }
  return loss_sum;
}

double MlpPass::ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier,
                                float* grads_out) {
  last_lanes_ = LanesFor(rows);
  return MeanLossInLanes(lanes_, last_lanes_, x, layers_.front().in, labels, rows, grad_multiplier,
                         grads_out != nullptr ? grads_out : grads_, num_params_, lane_losses_,
                         [&](Lane& lane, const float* x_part, const int64_t* labels_part, int64_t n, float grad_scale,
                             float* grads, bool /*alone*/) {
                           return PassLane(lane, x_part, labels_part, n, grad_scale, grads);
                         });
}

}  // namespace dml::train
