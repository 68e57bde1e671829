#include "runtime/train/pass.h"

#include "runtime/model/mlp.h"
#include "runtime/train/autograd_pass.h"
#include "runtime/train/cnn_pass.h"
#include "runtime/train/mlp_pass.h"

namespace dml::train {

std::unique_ptr<Pass> MakePass(model::Model& model, const plan::Model& spec) {
  if (spec.kind == "mlp") {
    if (auto* mlp = dynamic_cast<model::Mlp*>(&model)) return std::make_unique<MlpPass>(*mlp);
  }
  if (spec.kind == "cnn") {
    // The same function as autograd's (CnnPass.* hold them equal), about
    // twice as fast; a geometry it does not take falls back to autograd.
    CnnPassResult made =
        CnnPass::Create(spec, model.flat_params().data_ptr<float>(), model.flat_grads().data_ptr<float>());
    if (made.pass && made.pass->num_parameters() == model.num_parameters()) return std::move(made.pass);
  }
  return std::make_unique<AutogradPass>(model);
}

}  // namespace dml::train
