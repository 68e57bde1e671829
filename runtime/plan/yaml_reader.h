// A strict reader of YAML maps that collects errors naming the field path and
// line instead of throwing: unknown keys, missing keys and wrong types are all
// ordinary mistakes in a hand-edited plan.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"

namespace dml::plan {

inline constexpr bool kRequired = true;
inline constexpr bool kOptional = false;

class YamlReader {
 public:
  YamlReader(std::string source, std::vector<base::Error>* errors)
      : source_(std::move(source)), errors_(errors) {}

  void Error(const std::string& field, const std::string& message) {
    errors_->push_back(base::Error::InPlan(source_, field, message));
  }

  bool ExpectMap(const YAML::Node& node, const std::string& path) {
    if (node.IsMap()) return true;
    Error(path, "expected a mapping" + Where(node));
    return false;
  }

  bool ExpectSequence(const YAML::Node& node, const std::string& path) {
    if (node.IsSequence()) return true;
    Error(path, "expected a list" + Where(node));
    return false;
  }

  // Reports keys of `map` that are not in `known`: a misspelt field must not
  // silently fall back to its default.
  void CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<const char*> known) {
    if (!map.IsMap()) return;
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>("");
      bool found = false;
      for (const char* k : known) found = found || key == k;
      if (!found) Error(Join(path, key), "unknown field" + Where(entry.first));
    }
  }

  bool Has(const YAML::Node& map, const std::string& path, const char* key, bool required) {
    if (map.IsMap() && map[key]) return true;
    if (required) Error(Join(path, key), "missing");
    return false;
  }

  // The sub-mapping `key`, or a null node (after reporting) when absent or not a map.
  YAML::Node Section(const YAML::Node& map, const std::string& path, const char* key,
                     bool required) {
    if (!Has(map, path, key, required)) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node node = map[key];
    if (!ExpectMap(node, Join(path, key))) return YAML::Node(YAML::NodeType::Undefined);
    return node;
  }

  template <typename T>
  bool Get(const YAML::Node& map, const std::string& path, const char* key, T* out,
           bool required) {
    if (!Has(map, path, key, required)) return false;
    const YAML::Node node = map[key];
    try {
      *out = node.as<T>();
      return true;
    } catch (const YAML::Exception&) {
      // yaml-cpp signals a failed conversion only by exception.
      Error(Join(path, key), "expected " + TypeName(static_cast<T*>(nullptr)) + Where(node));
      return false;
    }
  }

 private:
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string Where(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return "";
    std::string found;
    if (node.IsScalar()) found = ", found '" + node.Scalar() + "'";
    return found + " (line " + std::to_string(mark.line + 1) + ")";
  }
  static std::string TypeName(int*) { return "an integer"; }
  static std::string TypeName(int64_t*) { return "an integer"; }
  static std::string TypeName(uint64_t*) { return "a non-negative integer"; }
  static std::string TypeName(double*) { return "a number"; }
  static std::string TypeName(bool*) { return "true or false"; }
  static std::string TypeName(std::string*) { return "a string"; }
  static std::string TypeName(std::vector<std::string>*) { return "a list of strings"; }
  static std::string TypeName(std::vector<int64_t>*) { return "a list of integers"; }

  std::string source_;
  std::vector<base::Error>* errors_;
};

}  // namespace dml::plan
