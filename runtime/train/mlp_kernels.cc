#include "runtime/train/mlp_kernels.h"

#include <ATen/ATen.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/collective/vector_clones.h"

namespace dml::train::kernels {

namespace {

// Fortran BLAS sgemm, as every libblas.so.3 exports it.
using SgemmFn = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                         const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                         const float* beta, float* c, const int* ldc);

// The sgemm_ of the libblas.so.3 libtorch itself loaded (so both always use
// the same library, whatever the alternatives say), found at run time: no
// build-time BLAS dependency. Null if this libtorch carries no BLAS.
SgemmFn SystemSgemm() {
  static const SgemmFn sgemm = reinterpret_cast<SgemmFn>(dlsym(RTLD_DEFAULT, "sgemm_"));
  return sgemm;
}

}  // namespace

void AtenGemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  auto view = [](const float* p, int64_t rows, int64_t cols, int64_t ld, bool transpose) {
    at::Tensor t = at::from_blob(const_cast<float*>(p), {rows, cols}, {ld, 1}, at::kFloat);
    return transpose ? t.t() : t;
  };
  at::Tensor out = at::from_blob(c, {m, n}, {ldc, 1}, at::kFloat);
  at::Tensor product = at::mm(view(a, transpose_a ? k : m, transpose_a ? m : k, lda, transpose_a),
                                    view(b, transpose_b ? n : k, transpose_b ? k : n, ldb, transpose_b));
  if (beta == 0.0f) {
    out.copy_(product.mul_(alpha));
  } else {
    out.mul_(beta).add_(product, alpha);
  }
}

void Gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  SgemmFn sgemm = SystemSgemm();
  if (sgemm == nullptr) {
    AtenGemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // BLAS is column-major: a row-major C is a column-major C^T, and
  // C^T = op(B)^T op(A)^T, so the operands swap places.
  const char ta = transpose_b ? 'T' : 'N', tb = transpose_a ? 'T' : 'N';
  const int im = static_cast<int>(n), in = static_cast<int>(m), ik = static_cast<int>(k);
  const int ilda = static_cast<int>(ldb), ildb = static_cast<int>(lda), ildc = static_cast<int>(ldc);
  sgemm(&ta, &tb, &im, &in, &ik, &alpha, b, &ilda, a, &ildb, &beta, c, &ildc);
}

bool UsesSystemBlas() { return SystemSgemm() != nullptr; }

Act ToAct(model::Activation activation) {
  switch (activation) {
    case model::Activation::kRelu: return Act::kRelu;
    case model::Activation::kTanh: return Act::kTanh;
    case model::Activation::kSigmoid: return Act::kSigmoid;
  }
  return Act::kNone;
}

DML_VECTOR_CLONES
void AddBiasActivate(float* h, const float* bias, int64_t rows, int64_t cols, Act act) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = h + r * cols;
    switch (act) {
      case Act::kNone:
        for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
        break;
      case Act::kRelu:
        for (int64_t j = 0; j < cols; ++j) row[j] = std::max(row[j] + bias[j], 0.0f);
        break;
      case Act::kTanh:
        for (int64_t j = 0; j < cols; ++j) row[j] = std::tanh(row[j] + bias[j]);
        break;
      case Act::kSigmoid:
        for (int64_t j = 0; j < cols; ++j) row[j] = 1.0f / (1.0f + std::exp(-(row[j] + bias[j])));
        break;
    }
  }
}

DML_VECTOR_CLONES
void ActivationBackward(float* grad, const float* h, int64_t n, Act act) {
  switch (act) {
    case Act::kNone:
      break;
    case Act::kRelu:  // autograd's relu backward: zero where the output is not positive
      for (int64_t i = 0; i < n; ++i) grad[i] = h[i] > 0.0f ? grad[i] : 0.0f;
      break;
    case Act::kTanh:
      for (int64_t i = 0; i < n; ++i) grad[i] *= 1.0f - h[i] * h[i];
      break;
    case Act::kSigmoid:
      for (int64_t i = 0; i < n; ++i) grad[i] *= h[i] * (1.0f - h[i]);
      break;
  }
}

double SoftmaxCrossEntropy(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                           float grad_scale, float* grad) {
  double loss = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* z = logits + r * classes;
    float* g = grad + r * classes;
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < classes; ++j) max = std::max(max, z[j]);
    float sum = 0;
    for (int64_t j = 0; j < classes; ++j) {
      g[j] = std::exp(z[j] - max);
      sum += g[j];
    }
    // loss = logsumexp(z) - z[label], computed stably around the max.
    loss += static_cast<double>(std::log(sum) + max - z[labels[r]]);
    const float scale = grad_scale / sum;
    for (int64_t j = 0; j < classes; ++j) g[j] *= scale;
    g[labels[r]] -= grad_scale;
  }
  return loss;
}

DML_VECTOR_CLONES
void ColumnSums(const float* m, int64_t rows, int64_t cols, float* out) {
  std::fill(out, out + cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = m + r * cols;
    for (int64_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

int64_t CountCorrect(const float* logits, const int64_t* labels, int64_t rows, int64_t cols) {
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* z = logits + r * cols;
    // The first maximum wins, as torch.argmax does.
    correct += (std::max_element(z, z + cols) - z) == labels[r] ? 1 : 0;
  }
  return correct;
}

}  // namespace dml::train::kernels
