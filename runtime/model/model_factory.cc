// CreateModel: the model of a plan's train.model, by kind.
#include <fmt/format.h>

#include "runtime/model/cnn.h"
#include "runtime/model/mlp.h"
#include "runtime/model/model.h"
#include "runtime/model/torchscript_model.h"
#include "runtime/plan/capabilities.h"

namespace dml::model {

ModelResult CreateModel(const plan::Model& spec) {
  if (spec.kind == "mlp") {
    MlpResult made = Mlp::Create(spec);
    return {std::move(made.mlp), std::move(made.error)};
  }
  if (spec.kind == "cnn") {
    CnnResult made = Cnn::Create(spec);
    return {std::move(made.cnn), std::move(made.error)};
  }
  if (spec.kind == "torchscript") return TorchScriptModel::Load(spec);
  return {nullptr, base::Error::InField("train.model.kind", fmt::format("unknown model kind '{}' (known: {})",
                                                                        spec.kind, plan::ListOf(plan::kModelKinds)))};
}

}  // namespace dml::model
