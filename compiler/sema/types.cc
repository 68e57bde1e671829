#include "compiler/sema/types.h"

#include <algorithm>

namespace dml::sema {

bool EnumType::Has(const std::string& member) const {
  return std::find(members.begin(), members.end(), member) != members.end();
}

const Schema* TypeRegistry::Record(const std::string& name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second.get();
}

const EnumType* TypeRegistry::Enum(const std::string& name) const {
  auto it = enums_.find(name);
  return it == enums_.end() ? nullptr : it->second.get();
}

std::vector<std::string> TypeRegistry::RecordNames() const {
  std::vector<std::string> names;
  for (const std::string& name : order_) {
    if (records_.count(name) != 0) names.push_back(name);
  }
  return names;
}

std::vector<std::string> TypeRegistry::EnumNames() const {
  std::vector<std::string> names;
  for (const std::string& name : order_) {
    if (enums_.count(name) != 0) names.push_back(name);
  }
  return names;
}

diag::SourceRange TypeRegistry::Declared(const std::string& name) const {
  auto it = declared_.find(name);
  return it == declared_.end() ? diag::SourceRange{} : it->second;
}

std::vector<const EnumType*> TypeRegistry::EnumsWith(const std::string& member) const {
  std::vector<const EnumType*> found;
  for (const std::string& name : order_) {
    auto it = enums_.find(name);
    if (it != enums_.end() && it->second->Has(member)) found.push_back(it->second.get());
  }
  return found;
}

std::vector<std::string> TypeRegistry::AllMembers() const {
  std::vector<std::string> members;
  for (const std::string& name : order_) {
    auto it = enums_.find(name);
    if (it == enums_.end()) continue;
    for (const std::string& member : it->second->members) members.push_back(member);
  }
  return members;
}

Schema* TypeRegistry::AddRecord(const std::string& name, diag::SourceRange range) {
  if (!declared_.emplace(name, range).second) return nullptr;
  order_.push_back(name);
  auto schema = std::make_unique<Schema>();
  schema->name = name;
  Schema* raw = schema.get();
  records_.emplace(name, std::move(schema));
  return raw;
}

EnumType* TypeRegistry::AddEnum(const std::string& name, diag::SourceRange range) {
  if (!declared_.emplace(name, range).second) return nullptr;
  order_.push_back(name);
  auto type = std::make_unique<EnumType>();
  type->name = name;
  type->range = range;
  EnumType* raw = type.get();
  enums_.emplace(name, std::move(type));
  return raw;
}

}  // namespace dml::sema
