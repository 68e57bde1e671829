// The values sema computes from expressions: literals, lists, records, enum
// members, and references to deploy-time params (whose value is known only at
// stack create; sema keeps the param and its default). Every value remembers
// where it was written so that checks can point at it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/source.h"

namespace dml::sema {

enum class ValueKind {
  kInt, kFloat, kBool, kString, kDuration, kSize, kIp, kCidr, kEnum, kList, kRecord, kParam
};

// "int", "duration", "list", "record", ...
const char* ValueKindName(ValueKind kind);

struct Value;

// A param put into a string with `${name}`: known only at stack create, so
// the string's text holds plan::ParamHole(name) in its place, for Heat to
// fill in (see DeployText in schema.h).
struct Splice {
  std::shared_ptr<const Value> param;  // kParam: the declaration, type and default
  diag::SourceRange range;             // the `${...}`
};

struct FieldValue {
  std::string name;
  diag::SourceRange name_range;
  std::shared_ptr<Value> value;
  std::string label;  // `gpu` in `group gpu { ... }`; "" when unlabelled
  diag::SourceRange label_range;
};

struct Value {
  ValueKind kind = ValueKind::kInt;
  diag::SourceRange range;  // where the value was written or referenced
  int64_t int_value = 0;  // kInt; kSize in bytes
  double number = 0;  // kFloat; kDuration in seconds
  bool bool_value = false;
  std::string text;  // kString, kIp, kCidr (canonical), kEnum (the member's name)
  std::vector<Splice> splices;  // kString: the params its text holds tokens of
  std::vector<Value> items;  // kList
  // kRecord: `record_type` is "" for an untyped block such as `network { }`.
  std::string record_type;
  std::vector<FieldValue> fields;
  // kEnum: a bare name such as `relu`. `enum_type` is the enum it belongs to
  // once known (a name in several enums is settled by the field it sets);
  // `undefined_help` is the did-you-mean for when it is no member at all.
  std::string enum_type;
  std::vector<std::string> undefined_help;
  // kParam: the declaration, its scalar type, and its default (may be null).
  const ast::Param* param = nullptr;
  ValueKind param_type = ValueKind::kString;
  std::shared_ptr<Value> param_default;
  // kParam: its `in low..high` constraint, as numbers (bytes, seconds).
  std::optional<double> param_min;
  std::optional<double> param_max;
  bool param_min_exclusive = false;
  bool param_max_exclusive = false;
  // kParam: declared `url` (a string Heat keeps hidden: a presigned URL is a
  // secret), which only `output.upload` takes.
  bool param_url = false;

  // The field of a record, or null when absent (or removed as erroneous).
  // A labelled field may occur several times: Field finds the first.
  const Value* Field(const std::string& name) const;
  std::vector<const FieldValue*> Entries(const std::string& name) const;
  Value* MutableField(const std::string& name);
  const FieldValue* FieldEntry(const std::string& name) const;
  void RemoveField(const std::string& name);

  // How the value is described in messages: "int", "string", "record `adam`",
  // "param `workers` (int)".
  std::string Describe() const;
  // Scalar text as Heat reads a parameter default: "1", "true", "10.8.1.0/24";
  // a size in bytes, a duration in seconds.
  std::string ScalarText() const;
  // As users write it: a size "4GiB", a duration "2h", else ScalarText; a
  // string's param tokens as the `${name}` they came from.
  std::string UserText() const;
  double AsNumber() const {
    return kind == ValueKind::kInt || kind == ValueKind::kSize ? static_cast<double>(int_value) : number;
  }
};

// `parent`'s field `name` when it is a record (a block), else null.
const Value* BlockField(const Value& parent, const char* name);
// The int field `name` of `block` (which may be null), else `fallback`.
int64_t IntFieldOr(const Value* block, const char* name, int64_t fallback);

// A duration as users write it: "2h", "10m", "90s", "1.5s".
std::string DurationText(double seconds);
// A size as users write it: "4GiB", "512MiB", "1500MB", "7B".
std::string SizeText(int64_t bytes);
// A number as messages show it: "3", "0.001".
std::string NumberText(double value);

// The scalar types a `param` may declare, by name; false for an unknown name.
bool ScalarKindByName(const std::string& name, ValueKind* kind);
// The param type that is a hidden https string (Value::param_url).
inline constexpr const char* kUrlParamType = "url";
std::vector<std::string> ScalarKindNames();

}  // namespace dml::sema
