// The arithmetic of an MLP training step on raw row-major float buffers, with
// no autograd, no tensor objects and no allocation: what MlpPass calls in the
// hot loop. The matrix products go straight to the system BLAS (the
// libblas.so.3 libtorch links: OpenBLAS when installed); everything else is a
// fused loop compiled for the widest vector unit the CPU has.
#pragma once

#include <cstdint>

#include "runtime/model/mlp.h"

namespace dml::train::kernels {

// Whether Gemm calls the system BLAS's sgemm_ (else ATen's own product).
bool UsesSystemBlas();

// Row-major C[m x n] = alpha * op(A) * op(B) + beta * C, with op(A) [m x k]
// and op(B) [k x n]; `lda` etc. are row strides of the matrices as stored.
// beta == 0 overwrites C without reading it.
void Gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// The same through ATen on views of the buffers: Gemm's fallback when
// libtorch carries no BLAS (and the reference its tests compare with).
void AtenGemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// h[r][j] = act(h[r][j] + bias[j]) over a [rows x cols] matrix; kNone is the
// identity (the logits).
enum class Act { kNone, kRelu, kTanh, kSigmoid };
Act ToAct(model::Activation activation);
void AddBiasActivate(float* h, const float* bias, int64_t rows, int64_t cols, Act act);

// grad *= act'(z), written in terms of the activation's OUTPUT h = act(z)
// (all three have that form), over n elements.
void ActivationBackward(float* grad, const float* h, int64_t n, Act act);

// Softmax cross-entropy over logits [rows x classes] in one pass per row:
// returns the SUM of the rows' losses, and writes
// grad = (softmax(logits) - onehot(labels)) * grad_scale.
// Labels must lie in [0, classes) (the dataset loader checks that).
double SoftmaxCrossEntropy(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                           float grad_scale, float* grad);

// out[j] = sum over rows of m[r][j] (a bias gradient), overwriting out.
void ColumnSums(const float* m, int64_t rows, int64_t cols, float* out);

// Row-wise argmax of [rows x cols] compared with labels: how many match.
int64_t CountCorrect(const float* logits, const int64_t* labels, int64_t rows, int64_t cols);

}  // namespace dml::train::kernels
