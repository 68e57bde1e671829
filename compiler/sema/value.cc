#include "compiler/sema/value.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/plan/plan_yaml.h"

namespace dml::sema {
namespace {

struct NamedKind {
  const char* name;
  ValueKind kind;
};

// The types a `param` may have: scalars only, since Heat parameters are.
constexpr NamedKind kScalarKinds[] = {
    {"int", ValueKind::kInt},           {"float", ValueKind::kFloat}, {"bool", ValueKind::kBool},
    {"string", ValueKind::kString},     {"duration", ValueKind::kDuration},
    {"size", ValueKind::kSize},         {"ip", ValueKind::kIp},
    {"cidr", ValueKind::kCidr},
};

// Whole numbers below this print as integers ("3", not "3e+15").
constexpr double kLargestPlainInteger = 1e15;

// The shortest text that reads back as the same double: "0.1", "1e-08".
std::string FormatNumber(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < kLargestPlainInteger) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

}  // namespace

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt: return "int";
    case ValueKind::kFloat: return "float";
    case ValueKind::kBool: return "bool";
    case ValueKind::kString: return "string";
    case ValueKind::kDuration: return "duration";
    case ValueKind::kSize: return "size";
    case ValueKind::kIp: return "ip";
    case ValueKind::kCidr: return "cidr";
    case ValueKind::kEnum: return "enum";
    case ValueKind::kList: return "list";
    case ValueKind::kRecord: return "record";
    case ValueKind::kParam: return "param";
  }
  return "value";
}

const FieldValue* Value::FieldEntry(const std::string& name) const {
  for (const FieldValue& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::vector<const FieldValue*> Value::Entries(const std::string& name) const {
  std::vector<const FieldValue*> entries;
  for (const FieldValue& field : fields) {
    if (field.name == name) entries.push_back(&field);
  }
  return entries;
}

const Value* Value::Field(const std::string& name) const {
  const FieldValue* entry = FieldEntry(name);
  return entry ? entry->value.get() : nullptr;
}

const Value* BlockField(const Value& parent, const char* name) {
  const Value* v = parent.Field(name);
  return v && v->kind == ValueKind::kRecord ? v : nullptr;
}

int64_t IntFieldOr(const Value* block, const char* name, int64_t fallback) {
  const Value* v = block ? block->Field(name) : nullptr;
  return v && v->kind == ValueKind::kInt ? v->int_value : fallback;
}

Value* Value::MutableField(const std::string& name) {
  for (FieldValue& field : fields) {
    if (field.name == name) return field.value.get();
  }
  return nullptr;
}

void Value::RemoveField(const std::string& name) {
  fields.erase(std::remove_if(fields.begin(), fields.end(),
                              [&](const FieldValue& f) { return f.name == name; }),
               fields.end());
}

std::string Value::Describe() const {
  switch (kind) {
    case ValueKind::kRecord:
      return record_type.empty() ? "block" : "record `" + record_type + "`";
    case ValueKind::kParam:
      return "param `" + (param ? param->name.name : text) + "` (" + ValueKindName(param_type) + ")";
    case ValueKind::kEnum:
      return "`" + text + "`" + (enum_type.empty() ? std::string() : " (" + enum_type + ")");
    default:
      return ValueKindName(kind);
  }
}

std::string Value::ScalarText() const {
  switch (kind) {
    case ValueKind::kInt:
    case ValueKind::kSize: return std::to_string(int_value);
    case ValueKind::kFloat: return FormatNumber(number);
    case ValueKind::kDuration: return FormatNumber(number);
    case ValueKind::kBool: return bool_value ? "true" : "false";
    default: return text;
  }
}

std::string Value::UserText() const {
  if (kind == ValueKind::kSize) return SizeText(int_value);
  if (kind == ValueKind::kDuration) return DurationText(number);
  if (kind == ValueKind::kString && !splices.empty()) {
    std::map<std::string, std::string> shown;
    for (const Splice& splice : splices) shown[splice.param->text] = "${" + splice.param->text + "}";
    return plan::ReplaceParamHoles(text, shown);
  }
  return ScalarText();
}

std::string NumberText(double value) { return FormatNumber(value); }

std::string SizeText(int64_t bytes) {
  // The largest unit that divides it, binary units first (flavors list MiB).
  static constexpr struct {
    const char* suffix;
    int64_t bytes;
  } kUnits[] = {{"TiB", int64_t{1} << 40}, {"GiB", int64_t{1} << 30}, {"MiB", int64_t{1} << 20},
                {"KiB", int64_t{1} << 10}, {"TB", 1000LL * 1000 * 1000 * 1000},
                {"GB", 1000LL * 1000 * 1000}, {"MB", 1000LL * 1000},  {"KB", 1000}};
  if (bytes != 0) {
    for (const auto& unit : kUnits) {
      if (bytes % unit.bytes == 0) return std::to_string(bytes / unit.bytes) + unit.suffix;
    }
  }
  return std::to_string(bytes) + "B";
}

std::string DurationText(double seconds) {
  constexpr int64_t kMinute = 60;
  constexpr int64_t kHour = 60 * kMinute;
  if (seconds > 0 && seconds == std::floor(seconds) && seconds < 1e15) {
    auto whole = static_cast<int64_t>(seconds);
    if (whole % kHour == 0) return std::to_string(whole / kHour) + "h";
    if (whole % kMinute == 0) return std::to_string(whole / kMinute) + "m";
  }
  return FormatNumber(seconds) + "s";
}

bool ScalarKindByName(const std::string& name, ValueKind* kind) {
  for (const NamedKind& entry : kScalarKinds) {
    if (name == entry.name) {
      *kind = entry.kind;
      return true;
    }
  }
  return false;
}

std::vector<std::string> ScalarKindNames() {
  std::vector<std::string> names;
  for (const NamedKind& entry : kScalarKinds) names.emplace_back(entry.name);
  return names;
}

}  // namespace dml::sema
