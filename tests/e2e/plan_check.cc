// plan_check PLAN: reads a launch plan with runtime/plan's reader, the one
// dmlrun uses, and prints what it holds as JSON (exit 0), or its errors
// (exit 2). For end-to-end tests that check what a node would run without
// building dmlrun.
#include <iostream>

#include <nlohmann/json.hpp>

#include "runtime/plan/plan_yaml.h"

namespace {

constexpr int kExitBadPlan = 2;
constexpr int kExitUsage = 64;

nlohmann::json ToJson(const dml::plan::Plan& p) {
  nlohmann::json out = {{"job", p.job},
                        {"kind", dml::plan::JobKindName(p.kind)},
                        {"max_restarts", p.max_restarts},
                        {"heartbeat_s", p.timeouts.heartbeat_s},
                        {"world_size", dml::plan::WorldSize(p)}};
  if (p.command) {
    out["command"] = {{"repo", p.command->repo},          {"ref", p.command->ref},
                      {"requirements_dir", p.command->requirements_dir},
                      {"entrypoint", p.command->entrypoint}, {"args", p.command->args},
                      {"python", p.command->python}};
  }
  if (p.train) out["train"] = {{"checkpoint_dir", p.train->checkpoint.dir}, {"dataset_dir", p.train->dataset.dir}};
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: plan_check PLAN.yaml\n";
    return kExitUsage;
  }
  const dml::plan::LoadResult result = dml::plan::LoadPlanFile(argv[1]);
  if (!result.plan) {
    for (const dml::base::Error& error : result.errors) std::cerr << error.Render() << "\n";
    return kExitBadPlan;
  }
  std::cout << ToJson(*result.plan).dump(2) << "\n";
  return 0;
}
