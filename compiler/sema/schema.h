// The shape of every block and record type, as data: a table of fields with
// type, whether required, default, limits, choices and a line of doc. The
// checker (conform.h) walks these tables; nothing else in sema hard-codes
// which fields a block has. The cluster and job blocks are tables here
// (docs/language.md mirrors them); record types (`flavor`, `adam`, ...) are
// declared in .dml (stdlib/prelude.dml) and built into the same Schema by
// types.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/value.h"

namespace dml::sema {

struct Schema;

enum class TypeKind {
  kInt, kFloat, kBool, kString, kDuration, kSize, kIp, kCidr, kEnum, kList, kRecord, kBlock
};

struct Type {
  TypeKind kind = TypeKind::kString;
  TypeKind element = TypeKind::kString;  // kList: the items' (scalar or enum) type
  std::string enum_name;                 // kEnum, or kList of kEnum: the enum
  std::vector<std::string> records;      // kRecord: the record types accepted
  bool name_string = false;              // kRecord: a string naming one is accepted too
  const Schema* block = nullptr;         // kBlock: the nested block's fields

  std::string Describe() const;  // "duration", "list of int", "record `adam` or `sgd`"
};

Type IntType();
Type FloatType();
Type BoolType();
Type StringType();
Type DurationType();
Type SizeType();
Type IpType();
Type CidrType();
Type EnumOf(std::string name);
Type ListOf(TypeKind element);
Type ListOfEnum(std::string name);
Type RecordOf(std::vector<std::string> records, bool name_string = false);
Type BlockOf(const Schema& schema);

// A numeric limit: value >= bound (or > bound when exclusive), or <= / <.
struct Bound {
  double value = 0;
  bool exclusive = false;
};

struct FieldSpec {
  std::string name;
  Type type;
  bool required = false;
  std::shared_ptr<const Value> default_value;  // filled in when absent
  bool default_block = false;  // kBlock: an absent block is checked as `{}` (its defaults)
  bool deploy_time = false;    // may be set by a `param` (a Heat parameter)
  bool param_needs_default = false;  // ... which must have a default (checks and local runs use it)
  // A string (or list of strings) that goes to the plan as text dmlc does not
  // interpret, so `${param}` in it becomes a token Heat fills in at stack
  // create (the standalone plan gets the default). emit/plan_files.cc
  // substitutes the plan fields these lower to.
  bool deploy_text = false;
  bool url_param = false;  // takes a param of type `url` and nothing else (`output.upload`)
  bool labelled = false;  // written `name LABEL { ... }`, as often as there are labels (`group gpu { }`)
  std::optional<Bound> min;
  std::optional<Bound> max;
  std::vector<std::string> choices;  // strings only
  std::string default_doc;  // how docs show the default when it is computed
  std::string doc;

  // Builders, so the tables in schema.cc read as rows.
  FieldSpec& Required();
  FieldSpec& Default(Value value);
  FieldSpec& DefaultBlock();
  FieldSpec& DeployTime();
  FieldSpec& ParamNeedsDefault();
  FieldSpec& DeployText();
  FieldSpec& Labelled();
  FieldSpec& UrlParam();
  FieldSpec& Min(double value, bool exclusive = false);
  FieldSpec& Max(double value, bool exclusive = false);
  FieldSpec& Choices(std::vector<std::string> values);
  FieldSpec& DefaultDoc(std::string text);
  FieldSpec& Doc(std::string text);
};

FieldSpec Field(std::string name, Type type);

struct Schema {
  std::string name;  // "cluster", "network", "adam"
  std::string doc;
  std::vector<FieldSpec> fields;
  // Groups of fields of which exactly one must be set (a job's train | run).
  std::vector<std::vector<std::string>> exactly_one_of = {};

  const FieldSpec* Find(const std::string& field) const;
  std::vector<std::string> FieldNames() const;
};

// Default values for the tables.
Value IntValue(int64_t value);
Value FloatValue(double value);
Value BoolValue(bool value);
Value StringValue(std::string value);
Value DurationValue(double seconds);
Value EnumValue(std::string enum_name, std::string member);
Value ListValue(std::vector<Value> items);

// The top-level blocks.
const Schema& ClusterSchema();
const Schema& JobSchema();

// Every block schema, top-level blocks first, for documentation and tests.
std::vector<const Schema*> AllSchemas();

// Where a string may hold `${param}`: "`run`'s `repo`, ..." for messages.
std::string DeployTextPlaces();

// The record and enum types the blocks name, which the prelude must declare.
std::vector<std::string> BlockRecordTypes();
std::vector<std::string> BlockEnumTypes();

}  // namespace dml::sema
