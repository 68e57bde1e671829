#include "runtime/train/optimizer_kernels.h"

#include <cmath>

#include "runtime/collective/vector_clones.h"

namespace dml::train::kernels {

DML_VECTOR_CLONES
void AdamUpdate(float* params, const float* grads, float* exp_avg, float* exp_avg_sq, int64_t n,
                const AdamScalars& s) {
  const float one_minus_beta1 = 1.0f - s.beta1;
  const float one_minus_beta2 = 1.0f - s.beta2;
  const float beta1 = s.beta1, beta2 = s.beta2, eps = s.eps, decay = s.weight_decay;
  const float step_size = s.step_size, inv_bc2 = s.inv_sqrt_bias_correction2;
  for (int64_t i = 0; i < n; ++i) {
    const float g = grads[i] + decay * params[i];
    const float m = exp_avg[i] * beta1 + one_minus_beta1 * g;
    const float v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    params[i] -= step_size * (m / (std::sqrt(v) * inv_bc2 + eps));
  }
}

DML_VECTOR_CLONES
void AdamWUpdate(float* params, const float* grads, float* exp_avg, float* exp_avg_sq, int64_t n,
                 const AdamScalars& s, float decay_factor) {
  const float one_minus_beta1 = 1.0f - s.beta1;
  const float one_minus_beta2 = 1.0f - s.beta2;
  const float beta1 = s.beta1, beta2 = s.beta2, eps = s.eps;
  const float step_size = s.step_size, inv_bc2 = s.inv_sqrt_bias_correction2;
  for (int64_t i = 0; i < n; ++i) {
    const float g = grads[i];
    const float p = params[i] * decay_factor;
    const float m = exp_avg[i] * beta1 + one_minus_beta1 * g;
    const float v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    params[i] = p - step_size * (m / (std::sqrt(v) * inv_bc2 + eps));
  }
}

DML_VECTOR_CLONES
void SgdUpdate(float* params, const float* grads, float* momentum, int64_t n, float lr, float momentum_factor,
               float weight_decay, bool first_step) {
  if (momentum_factor == 0.0f) {
    for (int64_t i = 0; i < n; ++i) params[i] -= lr * (grads[i] + weight_decay * params[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float g = grads[i] + weight_decay * params[i];
    const float buf = first_step ? g : momentum[i] * momentum_factor + g;
    momentum[i] = buf;
    params[i] -= lr * buf;
  }
}

}  // namespace dml::train::kernels
