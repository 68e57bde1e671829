#include "compiler/lower/heat_params.h"

#include <cmath>
#include <limits>

namespace dml::lower {

using sema::NumberText;
using sema::Value;
using sema::ValueKind;

namespace {

// Prefix for an added parameter whose natural name the user already took.
constexpr const char* kAddedPrefix = "dml_";

// The unit a number parameter of `kind` counts in, for its description.
std::string UnitNote(ValueKind kind) {
  if (kind == ValueKind::kSize) return ", in bytes";
  if (kind == ValueKind::kDuration) return ", in seconds";
  return "";
}

// An `in` range's end as Heat's `range` takes it, ends included. Whole
// numbers (ints, sizes) step to the next whole number inside an excluded
// end; floats and durations to the next double inside it, which excludes
// exactly the same values, since Heat compares the value as a double.
double IncludedEnd(double bound, bool exclusive, bool whole, bool upper) {
  if (whole) {
    const double end = upper ? std::floor(bound) : std::ceil(bound);
    return exclusive ? end + (upper ? -1 : 1) : end;
  }
  if (!exclusive) return bound;
  return std::nextafter(bound, upper ? -std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::infinity());
}

// "more than 0 and at most 1": for a float range whose excluded end Heat
// shows as the nearest double inside it (5e-324).
std::string RangeNote(const Value& param) {
  std::string note;
  if (param.param_min) note += (param.param_min_exclusive ? "more than " : "at least ") + NumberText(*param.param_min);
  if (param.param_max) {
    note += note.empty() ? "" : " and ";
    note += (param.param_max_exclusive ? "less than " : "at most ") + NumberText(*param.param_max);
  }
  return note;
}

}  // namespace

void GuardHeatText(ir::HeatParam& param) {
  if (param.type != ir::ParamType::kString || param.allowed_pattern) return;
  param.allowed_pattern = sema::kHeatTextPattern;
  param.allowed_pattern_description = sema::kHeatTextPatternReason;
}

ir::ParamType HeatTypeOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt:
    case ValueKind::kSize:      // in bytes
    case ValueKind::kDuration:  // in seconds
    case ValueKind::kFloat: return ir::ParamType::kNumber;
    case ValueKind::kBool: return ir::ParamType::kBoolean;
    default: return ir::ParamType::kString;  // ips and cidrs as text
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
                       UnitNote(value.param_type) + ") of the .dml file";
    if (value.param_type == ValueKind::kCidr) heat.cidr_constraint = kCidrConstraint;
    if (value.param_url) {
      heat.description = "param `" + value.text + "` (an https URL, kept hidden) of the .dml file";
      heat.hidden = true;
      heat.allowed_pattern = sema::kUrlPattern;
      heat.allowed_pattern_description = sema::kUrlPatternReason;
    }
    GuardHeatText(heat);
    // A count is a whole number: Heat's modulo refuses 2.5 at stack create
    // (2.0 passes it, and the node's boot script refuses it).
    heat.whole_number = value.param_type == ValueKind::kInt || value.param_type == ValueKind::kSize;
    // `in low..high`: Heat's range on the number.
    const bool whole = value.param_type == ValueKind::kInt || value.param_type == ValueKind::kSize;
    if (value.param_min) heat.range_min = IncludedEnd(*value.param_min, value.param_min_exclusive, whole, false);
    if (value.param_max) heat.range_max = IncludedEnd(*value.param_max, value.param_max_exclusive, whole, true);
    if (!whole && (value.param_min_exclusive || value.param_max_exclusive)) {
      heat.description += ": " + RangeNote(value);
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
  GuardHeatText(heat);
  params_.push_back(heat);
  return ir::Value::Param(heat.name);
}

}  // namespace dml::lower
