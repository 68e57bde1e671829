// Where a job's long strings were written: for diagnostics about the size of
// what dmlc emits (a boot script over Nova's user_data limit), which can only
// be measured after lowering, when the values' places are gone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "compiler/diag/source.h"
#include "compiler/sema/value.h"

namespace dml::sema {

struct TextSite {
  std::string field;  // e.g. "run.args[2]"
  diag::SourceRange range;
  size_t bytes = 0;
};

// The longest string among `block`'s fields (lists and records included),
// paths prefixed with `prefix`; absent when it holds none.
std::optional<TextSite> LongestText(const Value& block, const std::string& prefix = "");

}  // namespace dml::sema
