#include "compiler/emit/hot_yaml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "compiler/emit/shell_quote.h"
#include "runtime/plan/yaml_text.h"

namespace dml::emit::hot {
namespace {

// YAML 1.1 words that a reader (PyYAML, as Heat uses) takes for a bool or null.
bool IsYamlKeyword(std::string lower) {
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char* const kWords[] = {"y",   "n",     "yes",  "no",  "on", "off",
                                       "true", "false", "null", "~"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](const char* w) { return lower == w; });
}

// Conservative: a letter, '_' or '/' first (so never a number or a date),
// then only characters with no meaning in YAML; inner single spaces.
bool CanBePlain(const std::string& text) {
  if (text.empty() || IsYamlKeyword(text) || text.back() == ' ') return false;
  if (text.find("  ") != std::string::npos) return false;
  const unsigned char first = text[0];
  if (!std::isalpha(first) && first != '_' && first != '/') return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' || c == ' ';
  });
}

}  // namespace

std::string NumberText(double value) { return plan::YamlNumber(value); }

void Str(YAML::Emitter& out, const std::string& text) {
  if (CanBePlain(text)) {
    out << text;
  } else {
    // EscapeNonAscii: yaml-cpp otherwise writes DEL and other characters raw
    // that Heat's loader refuses ("unacceptable character #x007f"). The
    // non-characters it would alter never get here: dmlc refuses them.
    out << YAML::EscapeNonAscii << YAML::DoubleQuoted << text;
  }
}

void Text(YAML::Emitter& out, const std::string& text) {
  // yaml-cpp writes a block literal as "|": it reads back with exactly one
  // final newline. It cannot start with a space either (that needs an
  // indentation indicator, which yaml-cpp does not write).
  const bool one_final_newline = text.size() >= 2 && text.back() == '\n' &&
                                 text[text.size() - 2] != '\n';
  if (one_final_newline && text[0] != ' ' && IsBlockScalarSafe(text)) {
    out << YAML::Literal << text;
  } else {
    Str(out, text);
  }
}

void GetParam(YAML::Emitter& out, const std::string& param) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "get_param" << YAML::Value;
  Str(out, param);
  out << YAML::EndMap;
}

void GetResource(YAML::Emitter& out, const std::string& resource) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "get_resource" << YAML::Value;
  Str(out, resource);
  out << YAML::EndMap;
}

void GetAttr(YAML::Emitter& out, const std::vector<std::string>& path) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "get_attr" << YAML::Value
      << YAML::Flow << YAML::BeginSeq;
  for (const std::string& part : path) Str(out, part);
  out << YAML::EndSeq << YAML::EndMap;
}

void ValueOf(YAML::Emitter& out, const ir::Value& value) {
  if (value.is_param()) {
    GetParam(out, value.param);
  } else {
    Str(out, value.literal);
  }
}

void BeginMapAt(YAML::Emitter& out, const std::string& key) {
  out << YAML::Key;
  Str(out, key);
  out << YAML::Value << YAML::BeginMap;
}

}  // namespace dml::emit::hot
