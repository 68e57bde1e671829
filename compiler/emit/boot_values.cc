#include "compiler/emit/boot_values.h"

#include <algorithm>

#include "compiler/emit/shell_quote.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::emit {
namespace {

constexpr const char* kTerminator = "DML_PARAM_VALUES_EOF";
// Every line of the here-document starts so: no line is ever the terminator.
constexpr const char* kLinePrefix = "= ";

std::string Variable(const std::string& param) { return "DML_P_" + param; }

}  // namespace

std::string HeatTextValues::Param(const std::string& param) {
  if (std::find(params_.begin(), params_.end(), param) == params_.end()) params_.push_back(param);
  return "\"$" + Variable(param) + "\"";
}

std::string HeatTextValues::Word(const std::string& text) {
  std::string word;
  size_t at = 0;
  for (size_t hole = text.find(plan::kParamHoleMark); hole != std::string::npos;
       hole = text.find(plan::kParamHoleMark, at)) {
    const size_t end = text.find(plan::kParamHoleMark, hole + 1);
    if (end == std::string::npos) break;
    if (hole > at) word += ShellQuote(text.substr(at, hole - at));
    word += Param(text.substr(hole + 1, end - hole - 1));
    at = end + 1;
  }
  // The rest, a lone mark included (quoted as \x00: bash drops it, and the
  // checks on the value fail closed).
  if (at < text.size() || word.empty()) word += ShellQuote(text.substr(at));
  return word;
}

std::string HeatTextValues::ReadBlock() const {
  if (params_.empty()) return "";
  std::string reads;
  std::string lines;
  for (const std::string& param : params_) {
    reads += "  dml_read_value " + Variable(param) + "\n";
    lines += std::string(kLinePrefix) + plan::HeatParamToken(param) + "\n";
  }
  return "\n# Stack parameters Heat fills in at stack create, one a line after \"" + std::string(kLinePrefix) +
         "\":\n# read as data, never run as shell code.\n"
         "dml_read_value() {  # VARIABLE: the next line, less its prefix\n"
         "  local line\n"
         "  IFS= read -r line\n"
         "  printf -v \"$1\" '%s' \"${line#" + kLinePrefix + "}\"\n"
         "}\n"
         "{\n" + reads + "} <<'" + kTerminator + "'\n" + lines + kTerminator + "\n";
}

}  // namespace dml::emit
