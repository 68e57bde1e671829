// The record and enum types of a program: declared in .dml with `type` and
// `enum` (the standard ones in stdlib/prelude.dml), and built into the same
// Schema tables the blocks use, so one checker (conform.h) serves both. Type
// names are global to the program: every loaded module sees every type.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/source.h"
#include "compiler/sema/schema.h"

namespace dml::sema {

struct EnumType {
  std::string name;
  std::vector<std::string> members;
  diag::SourceRange range;  // the declaration's name

  bool Has(const std::string& member) const;
};

class TypeRegistry {
 public:
  const Schema* Record(const std::string& name) const;
  const EnumType* Enum(const std::string& name) const;
  std::vector<std::string> RecordNames() const;
  std::vector<std::string> EnumNames() const;
  // Where a type of that name is declared; invalid when there is none.
  diag::SourceRange Declared(const std::string& name) const;

  // The enums that have `member`, and every member of every enum (for
  // did-you-mean).
  std::vector<const EnumType*> EnumsWith(const std::string& member) const;
  std::vector<std::string> AllMembers() const;

  // Building (declare_types.cc): null when the name is taken.
  Schema* AddRecord(const std::string& name, diag::SourceRange range);
  EnumType* AddEnum(const std::string& name, diag::SourceRange range);

 private:
  std::map<std::string, std::unique_ptr<Schema>> records_;
  std::map<std::string, std::unique_ptr<EnumType>> enums_;
  std::map<std::string, diag::SourceRange> declared_;
  std::vector<std::string> order_;  // declaration order, for messages
};

}  // namespace dml::sema
