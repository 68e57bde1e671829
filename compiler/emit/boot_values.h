// Text from the plan as shell words for the boot script, params included.
// A plan string may hold param holes (`${name}` in the .dml file), whose
// value only Heat knows: the literal parts become shell-quoted words, and
// each param's value reaches the shell through a quoted here-document line
// that Heat's str_replace fills in, never through shell code.
#pragma once

#include <string>
#include <vector>

namespace dml::emit {

class HeatTextValues {
 public:
  // A bash word whose value is `text` with each param's value in place of
  // its hole: 'lit'"$DML_P_name"'lit'. Records the params it reads.
  std::string Word(const std::string& text);

  // A stack parameter's whole value as a bash word ("$DML_P_name").
  std::string Param(const std::string& param);

  // The block that reads every recorded param's value into DML_P_<name>
  // (empty when none): a here-document with one line per param, each
  // "= " followed by the param's token, so that no value (a text param's
  // constraint refuses line breaks) can end the document or be a line of
  // its own. Must come before the words are expanded.
  std::string ReadBlock() const;

 private:
  std::vector<std::string> params_;
};

}  // namespace dml::emit
