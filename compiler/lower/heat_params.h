// The stack's parameters: every `param` of the root module, plus one for each
// usual knob the file sets as a literal (flavors, image, external network, key
// pair, ssh_from), with that literal as the default, so users can change it at
// stack create without editing the .dml file.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/deployment.h"
#include "compiler/sema/text_patterns.h"
#include "compiler/sema/value.h"

namespace dml::lower {

// Heat's custom constraints for the values dml passes to OpenStack.
inline constexpr const char* kKeypairConstraint = "nova.keypair";
inline constexpr const char* kFlavorConstraint = "nova.flavor";
inline constexpr const char* kImageConstraint = "glance.image";
inline constexpr const char* kNetworkConstraint = "neutron.network";
inline constexpr const char* kCidrConstraint = "net_cidr";

// Gives a string param without a pattern sema::kHeatTextPattern.
void GuardHeatText(ir::HeatParam& param);

ir::ParamType HeatTypeOf(sema::ValueKind kind);

// What a deploy-time field is, for its parameter's constraint and description.
struct Knob {
  std::string param_name;   // the Heat param added when the field is a literal
  std::string constraint;   // custom constraint, "" for none
  std::string description;
};

class HeatParams {
 public:
  // `params`: the root module's params as values (kind kParam).
  explicit HeatParams(const std::vector<sema::Value>& params);

  // The template value for a field: {get_param} of the user's param (which
  // gains the knob's constraint and description), or the literal `text` with
  // a new Heat param (named by the knob) whose default it is.
  ir::Value Bind(const sema::Value& value, const std::string& text, const Knob& knob);

  ir::HeatParam* Find(const std::string& name);
  std::vector<ir::HeatParam> Take() { return std::move(params_); }

 private:
  std::string FreeName(const std::string& wanted) const;

  std::vector<ir::HeatParam> params_;
};

}  // namespace dml::lower
