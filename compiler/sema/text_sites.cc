#include "compiler/sema/text_sites.h"

namespace dml::sema {
namespace {

void Visit(const Value& value, const std::string& path, std::optional<TextSite>* best) {
  if (value.kind == ValueKind::kString && (!*best || value.text.size() > (*best)->bytes)) {
    *best = TextSite{path, value.range, value.text.size()};
  }
  for (size_t i = 0; i < value.items.size(); ++i) {
    Visit(value.items[i], path + "[" + std::to_string(i) + "]", best);
  }
  for (const FieldValue& field : value.fields) {
    if (field.value) Visit(*field.value, path.empty() ? field.name : path + "." + field.name, best);
  }
}

}  // namespace

std::optional<TextSite> LongestText(const Value& block, const std::string& prefix) {
  std::optional<TextSite> best;
  Visit(block, prefix, &best);
  return best;
}

}  // namespace dml::sema
