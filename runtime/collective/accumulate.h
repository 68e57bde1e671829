// The reduction of an allreduce on raw float buffers: LocalAllreduce sums
// the ranks' contributions with it, and the training step uses it wherever
// it adds gradient buffers (its lanes', the optimizer's summed step).
#pragma once

#include <cstdint>

namespace dml::collective {

// out[i] += in[i].
void Accumulate(float* out, const float* in, int64_t n);

}  // namespace dml::collective
