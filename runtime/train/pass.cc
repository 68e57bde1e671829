#include "runtime/train/pass.h"

#include "runtime/model/mlp.h"
#include "runtime/train/autograd_pass.h"
#include "runtime/train/mlp_pass.h"

namespace dml::train {

std::unique_ptr<Pass> MakePass(model::Model& model, const plan::Model& spec) {
  if (spec.kind == "mlp") {
    if (auto* mlp = dynamic_cast<model::Mlp*>(&model)) return std::make_unique<MlpPass>(*mlp);
  }
  return std::make_unique<AutogradPass>(model);
}

}  // namespace dml::train
