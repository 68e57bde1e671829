// The stack's parameters: every `param` of the root module, plus one for each
// usual knob the file sets as a literal (flavors, image, external network, key
// pair, ssh_from), with that literal as the default, so users can change it at
// stack create without editing the .dml file.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/deployment.h"
#include "compiler/sema/value.h"

namespace dml::sema {

// Heat's custom constraints for the values dml passes to OpenStack.
inline constexpr const char* kKeypairConstraint = "nova.keypair";
inline constexpr const char* kFlavorConstraint = "nova.flavor";
inline constexpr const char* kImageConstraint = "glance.image";
inline constexpr const char* kNetworkConstraint = "neutron.network";
inline constexpr const char* kCidrConstraint = "net_cidr";

// A string param put into plan text with `${name}`: Heat pastes its value
// into a double-quoted YAML string inside the boot script's here-document.
// No `"` or `\` (they would end or escape the YAML string) and no control
// or line-break characters (a newline could end the here-document).
// No `@` either: Heat's tokens are marked with it (plan::kHeatTokenMark),
// and two values side by side must not spell one. No U+FFFE or U+FFFF,
// which YAML readers refuse.
inline constexpr const char* kPlanTextPattern = R"([^"\\@\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*)";
inline constexpr const char* kPlanTextPatternReason =
    "no double quote, backslash, @ or control character (newline, tab, ...): the value goes into a "
    "quoted string of the launch plan";

// Every other string param: no `@@`, which starts and ends Heat's tokens
// in the template dmlc writes. A ResourceGroup substitutes its index into
// every string of its members' definitions, values from parameters too, so
// a value holding a token's spelling could change what a node runs.
inline constexpr const char* kHeatTextPattern = R"((?:(?!@@)[\s\S])*)";
inline constexpr const char* kHeatTextPatternReason = "no @@ (it marks the template's placeholders)";

// True when `text` matches kPlanTextPattern (for a param's default).
bool FitsPlanText(const std::string& text);
// True when `text` matches kHeatTextPattern and is UTF-8 text without NUL.
bool FitsHeatText(const std::string& text);

// Gives a string param without a pattern kHeatTextPattern.
void GuardHeatText(ir::HeatParam& param);

ir::ParamType HeatTypeOf(ValueKind kind);

// What a deploy-time field is, for its parameter's constraint and description.
struct Knob {
  std::string param_name;   // the Heat param added when the field is a literal
  std::string constraint;   // custom constraint, "" for none
  std::string description;
};

class HeatParams {
 public:
  // `params`: the root module's params as values (kind kParam).
  explicit HeatParams(const std::vector<Value>& params);

  // The template value for a field: {get_param} of the user's param (which
  // gains the knob's constraint and description), or the literal `text` with
  // a new Heat param (named by the knob) whose default it is.
  ir::Value Bind(const Value& value, const std::string& text, const Knob& knob);

  ir::HeatParam* Find(const std::string& name);
  std::vector<ir::HeatParam> Take() { return std::move(params_); }

 private:
  std::string FreeName(const std::string& wanted) const;

  std::vector<ir::HeatParam> params_;
};

}  // namespace dml::sema
