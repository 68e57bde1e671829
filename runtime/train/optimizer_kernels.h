// The update rules of the flat optimizers (flat_optimizer.h) on raw float
// buffers, one fused pass over n elements each, compiled for the widest
// vector unit the CPU has.
#pragma once

#include <cstdint>

namespace dml::train::kernels {

// torch.optim.Adam's update (L2 weight decay, no amsgrad) in one pass over
// n elements. `step_size` = lr / bias_correction1 and
// `inv_sqrt_bias_correction2` = 1 / sqrt(bias_correction2), as torch computes
// them; the operation order per element is torch's, so results agree to
// float rounding.
struct AdamScalars {
  float beta1, beta2, eps, weight_decay, step_size, inv_sqrt_bias_correction2;
};
void AdamUpdate(float* params, const float* grads, float* exp_avg, float* exp_avg_sq, int64_t n,
                const AdamScalars& s);

// torch.optim.AdamW's update (decoupled weight decay, no amsgrad): each
// parameter first shrinks by `decay_factor` = 1 - lr * weight_decay, then
// takes Adam's step without L2 (s.weight_decay is ignored). As torch orders it.
void AdamWUpdate(float* params, const float* grads, float* exp_avg, float* exp_avg_sq, int64_t n,
                 const AdamScalars& s, float decay_factor);

// torch.optim.SGD with momentum (dampening 0, no nesterov) and weight decay;
// `first_step` starts the momentum buffer at the gradient as torch does.
void SgdUpdate(float* params, const float* grads, float* momentum, int64_t n, float lr, float momentum_factor,
               float weight_decay, bool first_step);

}  // namespace dml::train::kernels
