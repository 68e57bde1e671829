#include "compiler/emit/plan_files.h"

#include "runtime/plan/plan_yaml.h"

namespace dml::emit {

plan::Plan StandalonePlan(const ir::Deployment& deployment) {
  // Every text field, not only those sema lets tokens into (schema.h's
  // DeployText): no token is left behind if another field ever becomes one.
  return deployment.StandalonePlan();
}

std::string StandalonePlanYaml(const ir::Deployment& deployment) {
  return plan::SerializePlan(StandalonePlan(deployment));
}

std::string EmbeddedPlanYaml(const ir::Deployment& deployment) {
  plan::SerializeOptions options;
  options.for_heat = true;
  return plan::SerializePlan(deployment.plan, options);
}

}  // namespace dml::emit
