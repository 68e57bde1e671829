// Reading and writing the launch plan as YAML. Errors are values, not
// exceptions: a bad plan is ordinary user input.
#pragma once

#include <string>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::plan {

struct LoadResult {
  std::optional<Plan> plan;
  std::vector<PlanError> errors;  // non-empty iff !plan
};

// `source` names the text in messages (usually the file path).
LoadResult ParsePlan(const std::string& text, const std::string& source);
LoadResult LoadPlanFile(const std::string& path);

struct SerializeOptions {
  // For the copy embedded in a Heat template: a group count that came from a
  // parameter is written as the token ParamToken(count_param), which Heat
  // replaces with the parameter's value before the node reads the plan.
  bool count_param_tokens = false;
};

std::string ParamToken(const std::string& param);  // "__DML_PARAM_workers__"
std::string SerializePlan(const Plan& plan, const SerializeOptions& options = {});

}  // namespace dml::plan
