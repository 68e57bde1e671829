#include "runtime/train/cnn_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/collective/vector_clones.h"
#include "runtime/plan/cnn_geometry.h"

namespace dml::train::kernels {

namespace {

#define DML_INLINE_EARLY inline __attribute__((always_inline))

// The pooling window of the cnn geometry of plan::Model; the fused kernels
// below spell out its two rows and two columns.
constexpr int64_t kPool = plan::kCnnPool;
static_assert(kPool == 2, "the pooling kernels unroll a 2x2 window");

DML_INLINE_EARLY float Activate(float v, Act act) {
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
DML_INLINE_EARLY float ActivationSlope(float h, Act act) {
  switch (act) {
    case Act::kNone: return 1.0f;
    case Act::kRelu: return static_cast<float>(h > 0.0f);  // arithmetic: a branch here mispredicts half the time
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

namespace {

// Always inlined, so that each vector clone of the public kernels gets its own copy.
#define DML_INLINE inline __attribute__((always_inline))

// One pooled row: out[x] = act(max of window x of rows r0/r1 + b). The
// activation is a template argument so that the loop carries no switch and
// vectorises (relu; tanh and sigmoid call libm per element).
template <Act A>
DML_INLINE void PoolRow(const float* r0, const float* r1, float b, int64_t pool_w, float* out) {
  for (int64_t x = 0; x < pool_w; ++x) {
    const float m = std::max(std::max(r0[kPool * x] + b, r0[kPool * x + 1] + b),
                             std::max(r1[kPool * x] + b, r1[kPool * x + 1] + b));
    out[x] = Activate(m, A);
  }
}

// One pooled row's backward, in place: the window's four z values become
// dz = g * act'(h) at the first maximum (row-major, PyTorch's choice on a
// tie) and 0 at the other three.
// Four windows at a time in 128-bit vectors (GCC's vector extensions, so
// every clone has them): rows of 13 or 5 windows are shorter than one
// AVX-512 vector, so the auto-vectorised loop would never leave its scalar tail.
using V4 = float __attribute__((vector_size(16)));
using I4 = int32_t __attribute__((vector_size(16)));

template <Act A>
DML_INLINE V4 SlopeTimes(V4 g, V4 h) {
  switch (A) {
    case Act::kNone: return g;
    case Act::kRelu: return reinterpret_cast<V4>(reinterpret_cast<I4>(g) & (h > V4{}));
    case Act::kTanh: return g * (1.0f - h * h);
    case Act::kSigmoid: return g * h * (1.0f - h);
  }
  return g;
}

DML_INLINE V4 Load4(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

DML_INLINE void Store4(float* p, V4 v) { std::memcpy(p, &v, sizeof(v)); }

DML_INLINE V4 Keep(V4 v, I4 mask) { return reinterpret_cast<V4>(reinterpret_cast<I4>(v) & mask); }

template <Act A>
DML_INLINE void PoolRowBackward(float* r0, float* r1, float b, const float* g, const float* h, int64_t pool_w) {
  int64_t x = 0;
  for (; x + 4 <= pool_w; x += 4) {
    float* p0 = r0 + kPool * x;
    float* p1 = r1 + kPool * x;
    const V4 u0 = Load4(p0), u1 = Load4(p0 + 4), w0 = Load4(p1), w1 = Load4(p1 + 4);
    const V4 a0 = __builtin_shuffle(u0, u1, I4{0, 2, 4, 6}) + b, a1 = __builtin_shuffle(u0, u1, I4{1, 3, 5, 7}) + b;
    const V4 a2 = __builtin_shuffle(w0, w1, I4{0, 2, 4, 6}) + b, a3 = __builtin_shuffle(w0, w1, I4{1, 3, 5, 7}) + b;
    const V4 m01 = a0 > a1 ? a0 : a1, m23 = a2 > a3 ? a2 : a3;  // as std::max: the first on a tie
    const V4 m = m01 > m23 ? m01 : m23;
    const I4 e0 = a0 == m, e1 = a1 == m, e2 = a2 == m;
    const I4 f0 = e0, f1 = e1 & ~e0, f2 = e2 & ~(e0 | e1), f3 = ~(e0 | e1 | e2);
    const V4 v = SlopeTimes<A>(Load4(g + x), Load4(h + x));
    const V4 top_even = Keep(v, f0), top_odd = Keep(v, f1), bottom_even = Keep(v, f2), bottom_odd = Keep(v, f3);
    Store4(p0, __builtin_shuffle(top_even, top_odd, I4{0, 4, 1, 5}));
    Store4(p0 + 4, __builtin_shuffle(top_even, top_odd, I4{2, 6, 3, 7}));
    Store4(p1, __builtin_shuffle(bottom_even, bottom_odd, I4{0, 4, 1, 5}));
    Store4(p1 + 4, __builtin_shuffle(bottom_even, bottom_odd, I4{2, 6, 3, 7}));
  }
  for (; x < pool_w; ++x) {
    const float a0 = r0[kPool * x] + b, a1 = r0[kPool * x + 1] + b;
    const float a2 = r1[kPool * x] + b, a3 = r1[kPool * x + 1] + b;
    const float m = std::max(std::max(a0, a1), std::max(a2, a3));
    // Which element is the first maximum, as 0/1 integers: arithmetic, not
    // branches, since rows of 13 or 5 windows leave the loop to its scalar
    // tail, where compare-and-branch mispredicts on every other window.
    const int e0 = a0 == m, e1 = a1 == m, e2 = a2 == m;
    const int f0 = e0, f1 = e1 & (e0 ^ 1), f2 = e2 & ((e0 | e1) ^ 1), f3 = 1 - f0 - f1 - f2;
    const float v = g[x] * ActivationSlope(h[x], A);
    r0[kPool * x] = v * static_cast<float>(f0);
    r0[kPool * x + 1] = v * static_cast<float>(f1);
    r1[kPool * x] = v * static_cast<float>(f2);
    r1[kPool * x + 1] = v * static_cast<float>(f3);
  }
}

template <Act A>
DML_INLINE float SlopeSum(const float* g, const float* h, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += g[i] * ActivationSlope(h[i], A);
  return sum;
}

template <Act A>
DML_INLINE void BiasActivatePoolAs(const float* z, const float* bias, int64_t channels, int64_t samples, int64_t conv_h,
                        int64_t conv_w, float* out, ImageLayout out_layout) {
  const int64_t pool_h = conv_h / kPool, pool_w = conv_w / kPool;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t n = 0; n < samples; ++n) {
      const float* in = z + (c * samples + n) * conv_h * conv_w;
      float* o = out + c * out_layout.channel_stride + n * out_layout.sample_stride;
      for (int64_t y = 0; y < pool_h; ++y) {
        const float* r0 = in + (kPool * y) * conv_w;
        PoolRow<A>(r0, r0 + conv_w, bias[c], pool_w, o + y * pool_w);
      }
    }
  }
}

template <Act A>
DML_INLINE void BiasActivatePoolBackwardAs(const float* dout, const float* h, ImageLayout layout, int64_t channels,
                                int64_t samples, int64_t conv_h, int64_t conv_w, const float* bias, float* z,
                                float* dbias) {
  const int64_t pool_h = conv_h / kPool, pool_w = conv_w / kPool;
  for (int64_t c = 0; c < channels; ++c) {
    float bias_sum = 0.0f;
    for (int64_t n = 0; n < samples; ++n) {
      const int64_t at = c * layout.channel_stride + n * layout.sample_stride;
      float* d = z + (c * samples + n) * conv_h * conv_w;
      for (int64_t y = 0; y < pool_h; ++y) {
        float* r0 = d + (kPool * y) * conv_w;
        PoolRowBackward<A>(r0, r0 + conv_w, bias[c], dout + at + y * pool_w, h + at + y * pool_w, pool_w);
        // An odd width leaves a last column no window covers.
        if (conv_w % kPool != 0) r0[conv_w - 1] = r0[2 * conv_w - 1] = 0.0f;
      }
      // An odd height leaves a last row no window covers.
      if (conv_h % kPool != 0) std::fill(d + (conv_h - 1) * conv_w, d + conv_h * conv_w, 0.0f);
      bias_sum += SlopeSum<A>(dout + at, h + at, pool_h * pool_w);
    }
    dbias[c] = bias_sum;
  }
}

}  // namespace

DML_VECTOR_CLONES
void BiasActivatePool(const float* z, const float* bias, int64_t channels, int64_t samples, int64_t conv_h,
                      int64_t conv_w, Act act, float* out, ImageLayout out_layout) {
  switch (act) {
    case Act::kNone: return BiasActivatePoolAs<Act::kNone>(z, bias, channels, samples, conv_h, conv_w, out, out_layout);
    case Act::kRelu: return BiasActivatePoolAs<Act::kRelu>(z, bias, channels, samples, conv_h, conv_w, out, out_layout);
    case Act::kTanh: return BiasActivatePoolAs<Act::kTanh>(z, bias, channels, samples, conv_h, conv_w, out, out_layout);
    case Act::kSigmoid:
      return BiasActivatePoolAs<Act::kSigmoid>(z, bias, channels, samples, conv_h, conv_w, out, out_layout);
  }
}

DML_VECTOR_CLONES
void BiasActivatePoolBackward(const float* dout, const float* h, ImageLayout layout, int64_t channels,
                              int64_t samples, int64_t conv_h, int64_t conv_w, Act act, const float* bias,
                              float* z, float* dbias) {
  switch (act) {
    case Act::kNone:
      return BiasActivatePoolBackwardAs<Act::kNone>(dout, h, layout, channels, samples, conv_h, conv_w, bias, z, dbias);
    case Act::kRelu:
      return BiasActivatePoolBackwardAs<Act::kRelu>(dout, h, layout, channels, samples, conv_h, conv_w, bias, z, dbias);
    case Act::kTanh:
      return BiasActivatePoolBackwardAs<Act::kTanh>(dout, h, layout, channels, samples, conv_h, conv_w, bias, z, dbias);
    case Act::kSigmoid:
      return BiasActivatePoolBackwardAs<Act::kSigmoid>(dout, h, layout, channels, samples, conv_h, conv_w, bias, z,
                                                       dbias);
  }
}

namespace {

// Columns of K per block: the block's rows of dz and col stay in L2 while
// every (o, p) pair sweeps it.
constexpr int64_t kWeightGradientBlock = 4096;

template <int P>
DML_INLINE void DotRows(const float* d, const float* const* c, int64_t n, float* out) {
  float s[P] = {};
  for (int64_t i = 0; i < n; ++i) {
    const float v = d[i];
    for (int q = 0; q < P; ++q) s[q] += v * c[q][i];
  }
  for (int q = 0; q < P; ++q) out[q] += s[q];
}

}  // namespace

DML_VECTOR_CLONES
void SmallWeightGradient(const float* dz, const float* col, int64_t out_c, int64_t patch, int64_t k, float* dw) {
  std::fill(dw, dw + out_c * patch, 0.0f);
  for (int64_t k0 = 0; k0 < k; k0 += kWeightGradientBlock) {
    const int64_t n = std::min(kWeightGradientBlock, k - k0);
    for (int64_t o = 0; o < out_c; ++o) {
      const float* d = dz + o * k + k0;
      int64_t p = 0;
      for (; p + 4 <= patch; p += 4) {
        const float* c[4] = {col + p * k + k0, col + (p + 1) * k + k0, col + (p + 2) * k + k0, col + (p + 3) * k + k0};
        DotRows<4>(d, c, n, dw + o * patch + p);
      }
      for (; p < patch; ++p) {
        const float* c[1] = {col + p * k + k0};
        DotRows<1>(d, c, n, dw + o * patch + p);
      }
    }
  }
}

}  // namespace dml::train::kernels
