#include "compiler/lower/field.h"

namespace dml::lower {

const sema::Value& CheckedField(const sema::Value& record, const char* name, KindSet kinds, const char* what) {
  const sema::Value* value = record.Field(name);
  if (value == nullptr) {
    throw FieldError("the " + record.Describe() + " has no field `" + name + "` (lowering reads " + what + ")",
                     record.range);
  }
  if ((kinds & KindBit(value->kind)) == 0) {
    throw FieldError("field `" + std::string(name) + "` of the " + record.Describe() + " is " + value->Describe() +
                         ", but lowering reads " + what,
                     record.range);
  }
  return *value;
}

}  // namespace dml::lower
