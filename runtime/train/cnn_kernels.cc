#include "runtime/train/cnn_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/collective/vector_clones.h"

namespace dml::train::kernels {

namespace {

// The pooling window is 2x2 with stride 2 (the cnn geometry of plan::Model).
constexpr int64_t kPool = 2;

inline float Activate(float v, Act act) {
  switch (act) {
    case Act::kNone: return v;
    case Act::kRelu: return std::max(v, 0.0f);
    case Act::kTanh: return std::tanh(v);
    case Act::kSigmoid: return 1.0f / (1.0f + std::exp(-v));
  }
  return v;
}

// d act / dz written in terms of the output h = act(z); relu's is autograd's
// (zero where the output is not positive).
inline float ActivationSlope(float h, Act act) {
  switch (act) {
    case Act::kNone: return 1.0f;
    case Act::kRelu: return h > 0.0f ? 1.0f : 0.0f;
    case Act::kTanh: return 1.0f - h * h;
    case Act::kSigmoid: return h * (1.0f - h);
  }
  return 1.0f;
}

}  // namespace

void Im2Col(const float* in, ImageLayout layout, int64_t channels, int64_t samples, int64_t height, int64_t width,
            int64_t kernel, float* col) {
  const int64_t out_h = height - kernel + 1, out_w = width - kernel + 1;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < kernel; ++i) {
      for (int64_t j = 0; j < kernel; ++j) {
        for (int64_t n = 0; n < samples; ++n) {
          const float* plane = in + c * layout.channel_stride + n * layout.sample_stride;
          for (int64_t y = 0; y < out_h; ++y) {
            std::memcpy(col, plane + (y + i) * width + j, static_cast<size_t>(out_w) * sizeof(float));
            col += out_w;
          }
        }
      }
    }
  }
}

DML_VECTOR_CLONES
void Col2Im(const float* col, int64_t channels, int64_t samples, int64_t height, int64_t width, int64_t kernel,
            float* din) {
  const int64_t out_h = height - kernel + 1, out_w = width - kernel + 1;
  const int64_t plane = height * width;
  for (int64_t c = 0; c < channels; ++c) {
    // One channel of the batch at a time: its planes stay in cache over the k*k passes.
    float* channel = din + c * samples * plane;
    std::fill(channel, channel + samples * plane, 0.0f);
    for (int64_t i = 0; i < kernel; ++i) {
      for (int64_t j = 0; j < kernel; ++j) {
        for (int64_t n = 0; n < samples; ++n) {
          float* dst = channel + n * plane + i * width + j;
          for (int64_t y = 0; y < out_h; ++y) {
            float* row = dst + y * width;
            for (int64_t x = 0; x < out_w; ++x) row[x] += col[x];
            col += out_w;
          }
        }
      }
    }
  }
}

DML_VECTOR_CLONES
void BiasActivatePool(const float* z, const float* bias, int64_t channels, int64_t samples, int64_t conv_h,
                      int64_t conv_w, Act act, float* out, ImageLayout out_layout, uint8_t* arg) {
  const int64_t pool_h = conv_h / kPool, pool_w = conv_w / kPool;
  for (int64_t c = 0; c < channels; ++c) {
    const float b = bias[c];
    for (int64_t n = 0; n < samples; ++n) {
      const float* in = z + (c * samples + n) * conv_h * conv_w;
      float* o = out + c * out_layout.channel_stride + n * out_layout.sample_stride;
      uint8_t* a = arg + (c * samples + n) * pool_h * pool_w;
      for (int64_t y = 0; y < pool_h; ++y) {
        const float* r0 = in + (kPool * y) * conv_w;
        const float* r1 = r0 + conv_w;
        for (int64_t x = 0; x < pool_w; ++x) {
          // PyTorch scans the window row by row and keeps the first maximum (strict >).
          float m = r0[kPool * x];
          uint8_t which = 0;
          if (r0[kPool * x + 1] > m) m = r0[kPool * x + 1], which = 1;
          if (r1[kPool * x] > m) m = r1[kPool * x], which = 2;
          if (r1[kPool * x + 1] > m) m = r1[kPool * x + 1], which = 3;
          o[y * pool_w + x] = Activate(m + b, act);
          a[y * pool_w + x] = which;
        }
      }
    }
  }
}

DML_VECTOR_CLONES
void BiasActivatePoolBackward(const float* dout, const float* h, ImageLayout layout, const uint8_t* arg,
                              int64_t channels, int64_t samples, int64_t conv_h, int64_t conv_w, Act act, float* dz,
                              float* dbias) {
  const int64_t pool_h = conv_h / kPool, pool_w = conv_w / kPool;
  for (int64_t c = 0; c < channels; ++c) {
    float bias_sum = 0.0f;
    for (int64_t n = 0; n < samples; ++n) {
      const int64_t at = c * layout.channel_stride + n * layout.sample_stride;
      const float* g = dout + at;
      const float* hv = h + at;
      const uint8_t* a = arg + (c * samples + n) * pool_h * pool_w;
      float* d = dz + (c * samples + n) * conv_h * conv_w;
      for (int64_t y = 0; y < pool_h; ++y) {
        float* r0 = d + (kPool * y) * conv_w;
        float* r1 = r0 + conv_w;
        for (int64_t x = 0; x < pool_w; ++x) {
          const float v = g[y * pool_w + x] * ActivationSlope(hv[y * pool_w + x], act);
          const uint8_t which = a[y * pool_w + x];
          bias_sum += v;
          r0[kPool * x] = which == 0 ? v : 0.0f;
          r0[kPool * x + 1] = which == 1 ? v : 0.0f;
          r1[kPool * x] = which == 2 ? v : 0.0f;
          r1[kPool * x + 1] = which == 3 ? v : 0.0f;
        }
        // An odd width leaves a last column no window covers.
        if (conv_w % kPool != 0) r0[conv_w - 1] = r1[conv_w - 1] = 0.0f;
      }
      // An odd height leaves a last row no window covers.
      if (conv_h % kPool != 0) std::fill(d + (conv_h - 1) * conv_w, d + conv_h * conv_w, 0.0f);
    }
    dbias[c] = bias_sum;
  }
}

}  // namespace dml::train::kernels
