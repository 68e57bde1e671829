// Reading and writing the launch plan as YAML. Errors are values, not
// exceptions: a bad plan is ordinary user input.
#pragma once

#include <map>
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
  // Also for that copy: a string holding a ParamToken (a param put into it
  // with `${name}`) is written double-quoted, so that whatever text Heat
  // puts in its place (no `"`, `\` or control characters: the parameter's
  // allowed_pattern) stays one YAML string.
  bool quote_param_tokens = false;
};

// Every token starts with this; no other text in a plan may contain it.
inline constexpr const char* kParamTokenPrefix = "__DML_PARAM_";

std::string ParamToken(const std::string& param);  // "__DML_PARAM_workers__"

// `text` with ParamToken(name) replaced by `values[name]` for each entry, as
// Heat's str_replace does it: longer tokens first, and text put in is not
// searched again.
std::string ReplaceParamTokens(const std::string& text, const std::map<std::string, std::string>& values);

std::string SerializePlan(const Plan& plan, const SerializeOptions& options = {});

}  // namespace dml::plan
