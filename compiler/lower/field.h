// The one way lowering reads a field of a checked value, typed by what it
// reads. The checks ran first, so each field read here is present and of a
// kind the C++ type admits; one that is not is a defect in dmlc (a check let
// a hole through): Field throws FieldError, which LowerProgram reports as
// internal_error. It never yields a default in place of a missing value.
// Optional fields are read with Value::Field, whose null says "absent".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/diag/source.h"
#include "compiler/sema/value.h"

namespace dml::lower {

// A field lowering needs is missing, or of a kind it cannot read.
class FieldError : public std::runtime_error {
 public:
  FieldError(const std::string& message, diag::SourceRange where)
      : std::runtime_error(message), where_(where) {}
  // Where the record that lacks the field was written.
  diag::SourceRange where() const { return where_; }

 private:
  diag::SourceRange where_;
};

// Tags for the fields whose value itself is read.
struct Record {};   // a record or block
struct List {};     // a list: its items
struct Setting {};  // a deploy-time setting: a literal of any kind, or a param

// A set of sema::ValueKind, one bit each.
using KindSet = uint32_t;
constexpr KindSet KindBit(sema::ValueKind kind) { return KindSet{1} << static_cast<int>(kind); }

// What each type admits (`kinds`, named by `what` in messages) and reads.
template <typename T>
struct FieldType;

template <>
struct FieldType<std::string> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kString) | KindBit(sema::ValueKind::kIp) |
                                   KindBit(sema::ValueKind::kCidr) | KindBit(sema::ValueKind::kEnum);
  static constexpr const char* what = "a string, ip, cidr or enum member";
  static const std::string& Read(const sema::Value& value) { return value.text; }
};

template <>
struct FieldType<int64_t> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kInt) | KindBit(sema::ValueKind::kSize);
  static constexpr const char* what = "an int or a size";
  static int64_t Read(const sema::Value& value) { return value.int_value; }
};

template <>
struct FieldType<double> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kFloat) | KindBit(sema::ValueKind::kDuration);
  static constexpr const char* what = "a float or a duration";
  static double Read(const sema::Value& value) { return value.number; }
};

template <>
struct FieldType<bool> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kBool);
  static constexpr const char* what = "a bool";
  static bool Read(const sema::Value& value) { return value.bool_value; }
};

template <>
struct FieldType<Record> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kRecord);
  static constexpr const char* what = "a record or block";
  static const sema::Value& Read(const sema::Value& value) { return value; }
};

template <>
struct FieldType<List> {
  static constexpr KindSet kinds = KindBit(sema::ValueKind::kList);
  static constexpr const char* what = "a list";
  static const std::vector<sema::Value>& Read(const sema::Value& value) { return value.items; }
};

template <>
struct FieldType<Setting> {
  static constexpr KindSet kinds = ~KindSet{0};
  static constexpr const char* what = "a value";
  static const sema::Value& Read(const sema::Value& value) { return value; }
};

// The field `name` of `record` when it is present and of one of `kinds`;
// else throws FieldError naming the field, the record and `what` it wanted.
const sema::Value& CheckedField(const sema::Value& record, const char* name, KindSet kinds, const char* what);

// Field<int64_t>(train, "batch"), Field<Record>(cluster, "network"), ...
template <typename T>
decltype(auto) Field(const sema::Value& record, const char* name) {
  return FieldType<T>::Read(CheckedField(record, name, FieldType<T>::kinds, FieldType<T>::what));
}

}  // namespace dml::lower
