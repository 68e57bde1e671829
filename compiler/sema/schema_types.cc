// The building blocks of the schema tables: types, field rows, default values.
#include <utility>

#include "compiler/sema/schema.h"

namespace dml::sema {
namespace {

const char* ScalarName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kInt: return "int";
    case TypeKind::kFloat: return "float";
    case TypeKind::kBool: return "bool";
    case TypeKind::kString: return "string";
    case TypeKind::kDuration: return "duration";
    case TypeKind::kSize: return "size";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kIp: return "ip";
    case TypeKind::kCidr: return "cidr";
    case TypeKind::kList: return "list";
    case TypeKind::kRecord: return "record";
    case TypeKind::kBlock: return "block";
  }
  return "value";
}

Type Scalar(TypeKind kind) {
  Type type;
  type.kind = kind;
  return type;
}

}  // namespace

std::string Type::Describe() const {
  switch (kind) {
    case TypeKind::kList:
      return std::string("list of ") + (element == TypeKind::kEnum ? "`" + enum_name + "`" : ScalarName(element));
    case TypeKind::kEnum: return "`" + enum_name + "`";
    case TypeKind::kBlock: return "block `" + (block ? block->name : std::string()) + " { ... }`";
    case TypeKind::kRecord: {
      std::string text = "record ";
      for (size_t i = 0; i < records.size(); ++i) {
        if (i > 0) text += i + 1 == records.size() ? " or " : ", ";
        text += "`" + records[i] + "`";
      }
      if (name_string) text += " (or its name as a string)";
      return text;
    }
    default: return ScalarName(kind);
  }
}

Type IntType() { return Scalar(TypeKind::kInt); }
Type FloatType() { return Scalar(TypeKind::kFloat); }
Type BoolType() { return Scalar(TypeKind::kBool); }
Type StringType() { return Scalar(TypeKind::kString); }
Type DurationType() { return Scalar(TypeKind::kDuration); }
Type SizeType() { return Scalar(TypeKind::kSize); }
Type IpType() { return Scalar(TypeKind::kIp); }
Type CidrType() { return Scalar(TypeKind::kCidr); }

Type ListOf(TypeKind element) {
  Type type = Scalar(TypeKind::kList);
  type.element = element;
  return type;
}

Type EnumOf(std::string name) {
  Type type = Scalar(TypeKind::kEnum);
  type.enum_name = std::move(name);
  return type;
}

Type ListOfEnum(std::string name) {
  Type type = ListOf(TypeKind::kEnum);
  type.enum_name = std::move(name);
  return type;
}

Type RecordOf(std::vector<std::string> records, bool name_string) {
  Type type = Scalar(TypeKind::kRecord);
  type.records = std::move(records);
  type.name_string = name_string;
  return type;
}

Type BlockOf(const Schema& schema) {
  Type type = Scalar(TypeKind::kBlock);
  type.block = &schema;
  return type;
}

FieldSpec Field(std::string name, Type type) {
  FieldSpec spec;
  spec.name = std::move(name);
  spec.type = std::move(type);
  return spec;
}

FieldSpec& FieldSpec::Required() { required = true; return *this; }
FieldSpec& FieldSpec::Default(Value value) {
  default_value = std::make_shared<const Value>(std::move(value));
  return *this;
}
FieldSpec& FieldSpec::DefaultBlock() { default_block = true; return *this; }
FieldSpec& FieldSpec::DeployTime() { deploy_time = true; return *this; }
FieldSpec& FieldSpec::ParamNeedsDefault() { param_needs_default = true; return *this; }
FieldSpec& FieldSpec::DeployText() { deploy_text = true; return *this; }
FieldSpec& FieldSpec::Labelled() { labelled = true; return *this; }
FieldSpec& FieldSpec::UrlParam() { url_param = true; deploy_time = true; return *this; }
FieldSpec& FieldSpec::Min(double value, bool exclusive) { min = Bound{value, exclusive}; return *this; }
FieldSpec& FieldSpec::Max(double value, bool exclusive) { max = Bound{value, exclusive}; return *this; }
FieldSpec& FieldSpec::Choices(std::vector<std::string> values) { choices = std::move(values); return *this; }
FieldSpec& FieldSpec::DefaultDoc(std::string text) { default_doc = std::move(text); return *this; }
FieldSpec& FieldSpec::Doc(std::string text) { doc = std::move(text); return *this; }

const FieldSpec* Schema::Find(const std::string& field) const {
  for (const FieldSpec& spec : fields) {
    if (spec.name == field) return &spec;
  }
  return nullptr;
}

std::vector<std::string> Schema::FieldNames() const {
  std::vector<std::string> names;
  for (const FieldSpec& spec : fields) names.push_back(spec.name);
  return names;
}

Value IntValue(int64_t value) {
  Value v;
  v.kind = ValueKind::kInt;
  v.int_value = value;
  return v;
}

Value FloatValue(double value) {
  Value v;
  v.kind = ValueKind::kFloat;
  v.number = value;
  return v;
}

Value BoolValue(bool value) {
  Value v;
  v.kind = ValueKind::kBool;
  v.bool_value = value;
  return v;
}

Value StringValue(std::string value) {
  Value v;
  v.kind = ValueKind::kString;
  v.text = std::move(value);
  return v;
}

Value DurationValue(double seconds) {
  Value v;
  v.kind = ValueKind::kDuration;
  v.number = seconds;
  return v;
}

Value EnumValue(std::string enum_name, std::string member) {
  Value v;
  v.kind = ValueKind::kEnum;
  v.enum_type = std::move(enum_name);
  v.text = std::move(member);
  return v;
}

Value ListValue(std::vector<Value> items) {
  Value v;
  v.kind = ValueKind::kList;
  v.items = std::move(items);
  return v;
}

}  // namespace dml::sema
