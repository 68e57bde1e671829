// Reading and writing the launch plan as YAML. Errors are values, not
// exceptions: a bad plan is ordinary user input.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::plan {

struct LoadResult {
  std::optional<Plan> plan;
  std::vector<base::Error> errors;  // non-empty iff !plan
};

// `source` names the text in messages (usually the file path).
LoadResult ParsePlan(const std::string& text, const std::string& source);
LoadResult LoadPlanFile(const std::string& path);

struct SerializeOptions {
  // For the copy embedded in a Heat template's boot script: every param hole
  // is written as HeatParamToken(param) (a group count from a parameter too),
  // which Heat's str_replace fills in at stack create, and every '@' of the
  // text is escaped, so that no text from a .dml file can spell a token.
  bool for_heat = false;
};

// A deploy-time param inside a plan string: dmlc puts ParamHole(name) where
// `${name}` stood. The mark is NUL, which no text from a .dml file and no
// plan string can hold (IsPlanText), so a hole cannot be forged.
inline constexpr char kParamHoleMark = '\0';
std::string ParamHole(const std::string& param);
bool HasParamHole(std::string_view text);

// Heat's tokens in a template that dmlc writes start and end with this; the
// embedded plan escapes every '@' of its text, the boot script's shell quoting
// too, and every string parameter's constraint refuses it (see
// compiler/sema/text_patterns.h), so nothing but dmlc can write a token.
inline constexpr std::string_view kHeatTokenMark = "@@";
std::string HeatParamToken(const std::string& param);  // "@@DML_PARAM_workers@@"

// `text` with each hole whose param is in `values` replaced by its value.
std::string ReplaceParamHoles(const std::string& text, const std::map<std::string, std::string>& values);

std::string SerializePlan(const Plan& plan, const SerializeOptions& options = {});

}  // namespace dml::plan
