// Checks values against the schema tables: field names (unknown, missing,
// exactly-one-of, labels), types (with int -> float widening), limits, enum
// members and choices; fills in defaults. A field whose value is wrong is removed from its record,
// so later checks see it as absent and say nothing more about it.
#pragma once

#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/schema.h"
#include "compiler/sema/types.h"
#include "compiler/sema/value.h"

namespace dml::sema {

class Conformer {
 public:
  Conformer(diag::DiagnosticSink& sink, const TypeRegistry& types) : sink_(sink), types_(types) {}

  // Checks every field of `record` against `schema` and fills defaults.
  // `what` names the record in messages ("cluster `paper`", "block `network`");
  // `where` is the place a missing field is reported at.
  void ConformRecord(Value& record, const Schema& schema, const std::string& what,
                     diag::SourceRange where);

  // Checks one value for the field `spec`; false when it is unusable.
  // `name_range` (the field's name) is where a nested block's missing fields
  // are reported; the value's own place when not given.
  bool ConformField(Value& value, const FieldSpec& spec, diag::SourceRange name_range = {});

  // A param's default against the param's own `in` range (`spec`'s limits):
  // value_out_of_range at the default, with a note at the range.
  bool CheckRange(const Value& value, const FieldSpec& spec, const ast::Param& param);

 private:
  // A bare name that is no member of any enum is undefined_name; one that
  // is a member is a type_mismatch here (`what` is expected). Always false.
  bool RejectEnumValue(const Value& value, const FieldSpec& spec, const std::string& what);
  // `value` names a member of the enum `enum_name`; it becomes a kEnum.
  bool ConformEnum(Value& value, const std::string& enum_name, const FieldSpec& spec);
  bool ConformScalar(Value& value, TypeKind expected, const FieldSpec& spec);
  bool ConformParam(Value& value, const FieldSpec& spec);
  // A string with `${param}` in it: only where `spec` is DeployText, for
  // params of a type whose text Heat writes as dmlc would, with a default
  // (conform_splices.cc).
  bool ConformSplices(const Value& value, const FieldSpec& spec);
  bool ConformRecordValue(Value& value, const FieldSpec& spec, diag::SourceRange name_range);
  bool CheckLimits(const Value& value, const FieldSpec& spec, const Value* param_site);
  bool CheckBounds(const Value& value, const FieldSpec& spec, diag::SourceRange at, const std::string& subject,
                   const std::vector<diag::Note>& notes);
  void CheckExactlyOneOf(Value& record, const Schema& schema, const std::string& what,
                         diag::SourceRange where);
  void Mismatch(const Value& value, const FieldSpec& spec, const std::string& expected,
                std::vector<std::string> help = {});

  bool CheckLabel(const FieldValue& field, const FieldSpec& spec);

  diag::DiagnosticSink& sink_;
  const TypeRegistry& types_;
};

// A kEnum value whose name is no member of any enum: reports undefined_name
// (with its did-you-mean) and returns true.
bool ReportIfUndefined(const Value& value, const TypeRegistry& types, diag::DiagnosticSink& sink);

// The ValueKind a scalar TypeKind holds; false for lists, records, blocks.
bool ScalarValueKind(TypeKind type, ValueKind* kind);

}  // namespace dml::sema
