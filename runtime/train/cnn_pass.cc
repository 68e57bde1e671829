#include "runtime/train/cnn_pass.h"


#include <algorithm>
#include <chrono>
#include <string>

#include "runtime/train/lanes.h"
#include "runtime/plan/capabilities.h"
#include "runtime/plan/cnn_geometry.h"
#include "runtime/train/cnn_kernels.h"

namespace dml::train {

namespace {

// Forward alone (evaluation) runs in chunks of this many rows: the im2col of
// a whole test set would take gigabytes.
constexpr int64_t kForwardChunkRows = 256;

std::optional<kernels::Act> ActivationByName(const std::string& name) {
  if (name == "relu") return kernels::Act::kRelu;
  if (name == "tanh") return kernels::Act::kTanh;
  if (name == "sigmoid") return kernels::Act::kSigmoid;
  return std::nullopt;
}

CnnPassResult Refuse(const std::string& field, std::string message) {
  CnnPassResult result;
  result.error = base::Error::InField(field, std::move(message));
  return result;
}

// Adds the seconds since the last Lap() to a profile field; nothing when not profiling.
class Stopwatch {
 public:
  explicit Stopwatch(bool on) : on_(on) {
    if (on_) last_ = std::chrono::steady_clock::now();
  }
  void Lap(double* into) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    *into += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

CnnPassResult CnnPass::Create(const plan::Model& spec, float* params, float* grads) {
  if (spec.kind != "cnn") return Refuse("train.model.kind", "CnnPass runs cnn models, not '" + spec.kind + "'");
  std::optional<kernels::Act> act = ActivationByName(spec.activation);
  if (!act) {
    return Refuse("train.model.activation", "unknown activation '" + spec.activation + "' (the cnn pass runs " +
                                                plan::ListOf(plan::kActivations) + ")");
  }
  if (spec.input.size() != 3 || *std::min_element(spec.input.begin(), spec.input.end()) < 1) {
    return Refuse("train.model.input", "a cnn's input must be three positive sizes {C, H, W}");
  }
  if (spec.channels.empty()) return Refuse("train.model.channels", "a cnn needs at least one conv layer");
  if (spec.kernel < 1) return Refuse("train.model.kernel", "the kernel size must be >= 1");
  if (spec.classes < 1) return Refuse("train.model.classes", "a cnn needs at least one class");

  std::unique_ptr<CnnPass> pass(new CnnPass());
  pass->act_ = *act;
  pass->kernel_ = spec.kernel;
  pass->classes_ = spec.classes;
  pass->sample_size_ = spec.input[0] * spec.input[1] * spec.input[2];
  const plan::CnnGeometry geometry = plan::ComputeCnnGeometry(spec);
  int64_t offset = 0;
  for (size_t i = 0; i < spec.channels.size(); ++i) {
    const std::string field = "train.model.channels[" + std::to_string(i) + "]";
    if (spec.channels[i] < 1) return Refuse(field, "a conv layer needs at least one channel");
    if (geometry.too_small && geometry.too_small->layer == i) {
      const plan::CnnTooSmall& failure = *geometry.too_small;
      return Refuse(field, "conv layer " + std::to_string(i) + " gets a " + std::to_string(failure.height) + "x" +
                               std::to_string(failure.width) + " image: too small for a " +
                               std::to_string(spec.kernel) + "x" + std::to_string(spec.kernel) +
                               " kernel and 2x2 pooling");
    }
    const plan::CnnLayerGeometry& layer = geometry.layers[i];
    Conv conv;
    conv.in_c = layer.in.channels;
    conv.out_c = layer.out.channels;
    conv.in_h = layer.in.height;
    conv.in_w = layer.in.width;
    conv.conv_h = layer.conv_height;
    conv.conv_w = layer.conv_width;
    conv.pool_h = layer.out.height;
    conv.pool_w = layer.out.width;
    conv.patch = conv.in_c * spec.kernel * spec.kernel;
    conv.weight_offset = offset;
    conv.bias_offset = offset + conv.out_c * conv.patch;
    offset = conv.bias_offset + conv.out_c;
    pass->convs_.push_back(conv);
  }
  pass->features_ = geometry.fc_in;
  pass->fc_weight_offset_ = offset;
  pass->fc_bias_offset_ = offset + spec.classes * pass->features_;
  pass->num_params_ = pass->fc_bias_offset_ + spec.classes;
  pass->params_ = params;
  pass->grads_ = grads;
  CnnPassResult result;
  result.pass = std::move(pass);
  return result;
}

int CnnPass::LanesFor(int64_t rows) const {
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), rows / kCnnMinRowsPerLane)));
}

// The batch arrives sample-major; the pass keeps its own activations
// channel-major, except the last pooling's, which is the linear layer's
// input and so must be PyTorch's flatten(1) order.
kernels::ImageLayout CnnPass::InputLayout(size_t layer, int64_t rows) const {
  const Conv& c = convs_[layer];
  return layer == 0 ? kernels::SampleMajor(c.in_c, c.in_h * c.in_w) : kernels::ChannelMajor(rows, c.in_h * c.in_w);
}

kernels::ImageLayout CnnPass::OutputLayout(size_t layer, int64_t rows) const {
  const Conv& c = convs_[layer];
  const int64_t plane = c.pool_h * c.pool_w;
  return layer + 1 == convs_.size() ? kernels::SampleMajor(c.out_c, plane) : kernels::ChannelMajor(rows, plane);
}

void CnnPass::Reserve(Lane& lane, int64_t rows) const {
  if (rows <= lane.capacity) return;
  const size_t n = convs_.size();
  lane.col.resize(n);
  lane.z.resize(n);
  lane.out.resize(n);
  lane.dout.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Conv& c = convs_[i];
    const int64_t conv_plane = rows * c.conv_h * c.conv_w, pooled = c.out_c * rows * c.pool_h * c.pool_w;
    lane.col[i].resize(static_cast<size_t>(c.patch * conv_plane));
    lane.z[i].resize(static_cast<size_t>(c.out_c * conv_plane));
    lane.out[i].resize(static_cast<size_t>(pooled));
    if (i + 1 < n) lane.dout[i].resize(static_cast<size_t>(pooled));
  }
  lane.logits.resize(static_cast<size_t>(rows * classes_));
  lane.delta.resize(static_cast<size_t>(rows * classes_));
  lane.dflat.resize(static_cast<size_t>(rows * features_));
  lane.capacity = rows;
}

const float* CnnPass::ForwardLane(Lane& lane, const float* x, int64_t rows, CnnPassProfile* profile) const {
  Reserve(lane, rows);
  Stopwatch watch(profile != nullptr);
  double ignored = 0;
  auto conv_times = [&](size_t i) { return profile != nullptr ? &profile->convs[i] : nullptr; };
  const float* input = x;
  for (size_t i = 0; i < convs_.size(); ++i) {
    const Conv& c = convs_[i];
    const int64_t cols = rows * c.conv_h * c.conv_w;
    float* col = lane.col[i].data();
    kernels::Im2Col(input, InputLayout(i, rows), c.in_c, rows, c.in_h, c.in_w, kernel_, col);
    CnnPassProfile::Conv* t = conv_times(i);
    watch.Lap(t ? &t->im2col : &ignored);
    // z [out_c, N * conv plane] = W [out_c, patch] * col [patch, N * conv plane]
    kernels::Gemm(false, false, c.out_c, cols, c.patch, 1.0f, params_ + c.weight_offset, c.patch, col, cols, 0.0f,
                  lane.z[i].data(), cols);
    watch.Lap(t ? &t->gemm : &ignored);
    kernels::BiasActivatePool(lane.z[i].data(), params_ + c.bias_offset, c.out_c, rows, c.conv_h, c.conv_w, act_,
                              lane.out[i].data(), OutputLayout(i, rows));
    watch.Lap(t ? &t->pool : &ignored);
    input = lane.out[i].data();
  }
  // logits [N, classes] = features [N, F] * W^T, + bias.
  kernels::Gemm(false, true, rows, classes_, features_, 1.0f, input, features_, params_ + fc_weight_offset_, features_,
                0.0f, lane.logits.data(), classes_);
  kernels::AddBiasActivate(lane.logits.data(), params_ + fc_bias_offset_, rows, classes_, kernels::Act::kNone);
  watch.Lap(profile ? &profile->fc_forward : &ignored);
  return lane.logits.data();
}

const float* CnnPass::Forward(const float* x, int64_t rows) {
  if (lanes_.empty()) lanes_.resize(1);
  eval_logits_.resize(static_cast<size_t>(rows * classes_));
  for (int64_t first = 0; first < rows; first += kForwardChunkRows) {
    const int64_t n = std::min(kForwardChunkRows, rows - first);
    const float* logits = ForwardLane(lanes_[0], x + first * sample_size_, n, nullptr);
    std::copy(logits, logits + n * classes_, eval_logits_.begin() + first * classes_);
  }
  return eval_logits_.data();
}

double CnnPass::PassLane(Lane& lane, const float* x, const int64_t* labels, int64_t rows, float grad_scale,
                         float* grads, CnnPassProfile* profile) const {
  if (profile != nullptr) profile->convs.resize(convs_.size());
  const float* logits = ForwardLane(lane, x, rows, profile);
  Stopwatch watch(profile != nullptr);
  double ignored = 0;
  double loss_sum = kernels::SoftmaxCrossEntropy(logits, labels, rows, classes_, grad_scale, lane.delta.data());
  watch.Lap(profile ? &profile->loss : &ignored);

  const float* flat = lane.out.back().data();
  // The linear layer: dW [classes, F] = delta^T flat, db = column sums, dflat = delta W.
  kernels::Gemm(true, false, classes_, features_, rows, 1.0f, lane.delta.data(), classes_, flat, features_, 0.0f,
                grads + fc_weight_offset_, features_);
  kernels::ColumnSums(lane.delta.data(), rows, classes_, grads + fc_bias_offset_);
  kernels::Gemm(false, false, rows, features_, classes_, 1.0f, lane.delta.data(), classes_,
                params_ + fc_weight_offset_, features_, 0.0f, lane.dflat.data(), features_);
  watch.Lap(profile ? &profile->fc_backward : &ignored);

  for (size_t i = convs_.size(); i-- > 0;) {
    const Conv& c = convs_[i];
    const int64_t cols = rows * c.conv_h * c.conv_w;
    const float* dout = i + 1 == convs_.size() ? lane.dflat.data() : lane.dout[i].data();
    float* dz = lane.z[i].data();  // z becomes dz in place
    kernels::BiasActivatePoolBackward(dout, lane.out[i].data(), OutputLayout(i, rows), c.out_c, rows, c.conv_h,
                                      c.conv_w, act_, params_ + c.bias_offset, dz, grads + c.bias_offset);
    CnnPassProfile::Conv* t = profile ? &profile->convs[i] : nullptr;
    watch.Lap(t ? &t->pool_backward : &ignored);
    float* col = lane.col[i].data();
    // dW [out_c, patch] = dz [out_c, N * conv plane] * col^T.
    if (c.out_c * c.patch <= kernels::kSmallWeightGradientMax) {
      kernels::SmallWeightGradient(dz, col, c.out_c, c.patch, cols, grads + c.weight_offset);
    } else {
      kernels::Gemm(false, true, c.out_c, c.patch, cols, 1.0f, dz, cols, col, cols, 0.0f, grads + c.weight_offset,
                    c.patch);
    }
    watch.Lap(t ? &t->weight_gemm : &ignored);
    if (i == 0) break;  // no gradient for the data
    // dcol [patch, N * conv plane] = W^T dz, into col (read for the last time above), then back to images.
    kernels::Gemm(true, false, c.patch, cols, c.out_c, 1.0f, params_ + c.weight_offset, c.patch, dz, cols, 0.0f, col,
                  cols);
    watch.Lap(t ? &t->input_gemm : &ignored);
    kernels::Col2Im(col, c.in_c, rows, c.in_h, c.in_w, kernel_, lane.dout[i - 1].data());
    watch.Lap(t ? &t->col2im : &ignored);
  }
  if (profile != nullptr) ++profile->passes;
  return loss_sum;
}

double CnnPass::ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier,
                                float* grads_out) {
  last_lanes_ = LanesFor(rows);
  return MeanLossInLanes(lanes_, last_lanes_, x, sample_size_, labels, rows, grad_multiplier,
                         grads_out != nullptr ? grads_out : grads_, num_params_, lane_losses_,
                         [&](Lane& lane, const float* x_part, const int64_t* labels_part, int64_t n, float grad_scale,
                             float* grads, bool alone) {
                           return PassLane(lane, x_part, labels_part, n, grad_scale, grads, alone ? profile_ : nullptr);
                         });
}

}  // namespace dml::train
