#include "runtime/collective/accumulate.h"

#include "runtime/collective/vector_clones.h"

namespace dml::collective {

DML_VECTOR_CLONES
void Accumulate(float* out, const float* in, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] += in[i];
}

}  // namespace dml::collective
