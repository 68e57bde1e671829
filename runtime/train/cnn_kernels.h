// The arithmetic of a CNN training step on raw float buffers, with no
// autograd, no tensor objects and no allocation: what CnnPass calls in the
// hot loop. A convolution is an im2col copy and one BLAS GEMM over the whole
// batch (kernels::Gemm, the system sgemm); bias, activation and 2x2 max
// pooling are one fused pass, and so is their backward.
//
// Images are addressed through an ImageLayout, so one kernel reads the batch
// as it arrives ([N, C, H, W], sample-major) and the pass's own activations
// ([C, N, H, W], channel-major: one channel of the whole batch is one GEMM
// row, so a layer's output needs no transpose before the next im2col).
#pragma once

#include <cstdint>

#include "runtime/train/mlp_kernels.h"

namespace dml::train::kernels {

// Element (c, n, y, x) of an image batch of planes height x width lives at
// base + c * channel_stride + n * sample_stride + y * width + x.
struct ImageLayout {
  int64_t channel_stride = 0;
  int64_t sample_stride = 0;
};
// [N, C, H, W] and [C, N, H, W] for `channels` x `samples` planes of `plane` floats.
inline ImageLayout SampleMajor(int64_t channels, int64_t plane) { return {plane, channels * plane}; }
inline ImageLayout ChannelMajor(int64_t samples, int64_t plane) { return {samples * plane, plane}; }

// The columns of a valid (no padding, stride 1) k x k convolution:
// col[(c * k + i) * k + j][(n * out_h + y) * out_w + x] = in(c, n, y + i, x + j)
// with out_h = height - k + 1 and out_w = width - k + 1, i.e. a
// [channels * k * k] x [samples * out_h * out_w] row-major matrix.
void Im2Col(const float* in, ImageLayout layout, int64_t channels, int64_t samples, int64_t height, int64_t width,
            int64_t kernel, float* col);

// The adjoint of Im2Col into a channel-major [channels, samples, height,
// width] buffer, overwritten: din(c, n, y + i, x + j) = sum of the col
// entries that Im2Col copied from there.
void Col2Im(const float* col, int64_t channels, int64_t samples, int64_t height, int64_t width, int64_t kernel,
            float* din);

// Bias, activation and 2x2 max pooling (stride 2, floor) of a convolution's
// output z ([channels, samples, conv_h, conv_w], channel-major, without its
// bias), in one pass: out(c, n, y, x) = act(max over the window of z + bias[c]).
// Every activation here is non-decreasing, so that equals pooling act(z +
// bias) as PyTorch does, with a quarter of the activations computed.
void BiasActivatePool(const float* z, const float* bias, int64_t channels, int64_t samples, int64_t conv_h,
                      int64_t conv_w, Act act, float* out, ImageLayout out_layout);

// The backward of BiasActivatePool, in place on z: from dout, the gradient of
// its output, and h, that output (both at `layout`), turns z into dz:
// act'(h) * dout at each window's first maximum of z + bias (row-major, the
// element PyTorch's max_pool2d picks on a tie), zero elsewhere, the rows and
// columns the pooling's floor dropped included. No argmax is stored: the
// window is compared again, which costs less than writing and reading one.
// dbias ([channels]) is overwritten with the sum of dz per channel.
void BiasActivatePoolBackward(const float* dout, const float* h, ImageLayout layout, int64_t channels,
                              int64_t samples, int64_t conv_h, int64_t conv_w, Act act, const float* bias, float* z,
                              float* dbias);

// dW[o][p] = sum over k of dz[o][k] * col[p][k], overwriting dW ([out_c x
// patch]): a convolution's weight gradient for layers whose dW is tiny (the
// first conv: 16 x 9) against a K of batch * conv plane (43,264). BLAS's
// blocking is built for the opposite shape and runs such products at a
// fraction of its speed; four dot products sharing each dz load do not.
void SmallWeightGradient(const float* dz, const float* col, int64_t out_c, int64_t patch, int64_t k, float* dw);

// When SmallWeightGradient beats the BLAS (measured on this project's
// machine: the first conv's 16 x 9, not the second's 32 x 144).
inline constexpr int64_t kSmallWeightGradientMax = 1024;  // out_c * patch

}  // namespace dml::train::kernels
