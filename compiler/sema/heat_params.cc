#include "compiler/sema/heat_params.h"

#include <cmath>

namespace dml::sema {
namespace {

// Prefix for an added parameter whose natural name the user already took.
constexpr const char* kAddedPrefix = "dml_";

}  // namespace

ir::ParamType HeatTypeOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt:
    case ValueKind::kSize:  // in bytes
    case ValueKind::kFloat: return ir::ParamType::kNumber;
    case ValueKind::kBool: return ir::ParamType::kBoolean;
    default: return ir::ParamType::kString;  // durations travel as their seconds, ips as text
  }
}

HeatParams::HeatParams(const std::vector<Value>& params) {
  for (const Value& value : params) {
    ir::HeatParam heat;
    heat.name = value.text;
    heat.type = HeatTypeOf(value.param_type);
    if (value.param_default) heat.default_value = value.param_default->ScalarText();
    heat.label = value.text;
    heat.description = std::string("param `") + value.text + "` (" + ValueKindName(value.param_type) +
                       ") of the .dml file";
    if (value.param_type == ValueKind::kCidr) heat.cidr_constraint = kCidrConstraint;
    // `in low..high` on an int or size param: Heat's range, ends included.
    if (value.param_min) {
      heat.range_min = static_cast<int64_t>(std::ceil(*value.param_min)) + (value.param_min_exclusive ? 1 : 0);
    }
    if (value.param_max) {
      heat.range_max = static_cast<int64_t>(std::floor(*value.param_max)) - (value.param_max_exclusive ? 1 : 0);
    }
    params_.push_back(std::move(heat));
  }
}

ir::HeatParam* HeatParams::Find(const std::string& name) {
  for (ir::HeatParam& param : params_) {
    if (param.name == name) return &param;
  }
  return nullptr;
}

std::string HeatParams::FreeName(const std::string& wanted) const {
  std::string name = wanted;
  for (bool taken = true; taken;) {
    taken = false;
    for (const ir::HeatParam& param : params_) taken = taken || param.name == name;
    if (taken) name = kAddedPrefix + name;
  }
  return name;
}

ir::Value HeatParams::Bind(const Value& value, const std::string& text, const Knob& knob) {
  if (value.kind == ValueKind::kParam) {
    if (ir::HeatParam* param = Find(value.text)) {
      if (!knob.constraint.empty() && knob.constraint != kCidrConstraint) {
        param->custom_constraint = knob.constraint;
      }
      param->description = knob.description;
    }
    return ir::Value::Param(value.text);
  }
  // The same literal for the same knob (one image for master and workers)
  // shares one parameter.
  if (ir::HeatParam* existing = Find(knob.param_name)) {
    if (existing->default_value == text && existing->custom_constraint == knob.constraint) {
      return ir::Value::Param(existing->name);
    }
  }
  ir::HeatParam heat;
  heat.name = FreeName(knob.param_name);
  heat.type = ir::ParamType::kString;
  heat.default_value = text;
  heat.label = knob.param_name;
  heat.description = knob.description;
  if (knob.constraint == kCidrConstraint) {
    heat.cidr_constraint = kCidrConstraint;
  } else {
    heat.custom_constraint = knob.constraint;
  }
  params_.push_back(heat);
  return ir::Value::Param(heat.name);
}

}  // namespace dml::sema
