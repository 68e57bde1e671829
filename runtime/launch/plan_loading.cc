#include "runtime/launch/launch_options.h"

#include "runtime/dist/interface.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::launch {

PlanLoad LoadPlanForLaunch(const std::string& path, bool local) {
  PlanLoad result;
  plan::LoadResult loaded = plan::LoadPlanFile(path);
  if (!loaded.plan) {
    result.errors = std::move(loaded.errors);
    if (result.errors.empty()) result.errors.push_back(base::Error::InPlan(path, "", "cannot read the plan"));
    return result;
  }
  result.plan = std::move(loaded.plan);
  if (local) {
    result.plan->cluster.master_addr = dist::kLoopbackAddress;
    result.plan->cluster.subnet = dist::kLoopbackSubnet;
  }
  return result;
}

}  // namespace dml::launch
