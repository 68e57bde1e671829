#include "compiler/sema/text_patterns.h"

#include "runtime/plan/plan_yaml.h"
#include "runtime/plan/yaml_text.h"

namespace dml::sema {

bool FitsPlanText(const std::string& text) {
  if (!FitsHeatText(text)) return false;
  for (size_t at = 0; at < text.size();) {
    const int32_t cp = plan::NextCodePoint(text, &at);
    // As kPlanTextPattern: controls, DEL, C1, LS, PS, U+FFFE/U+FFFF, '"', '\', '@'.
    const bool refused = cp < 0x20 || cp == '"' || cp == '\\' || cp == '@' || (cp >= 0x7F && cp <= 0x9F) ||
                         cp == 0x2028 || cp == 0x2029 || cp == 0xFFFE || cp == 0xFFFF;
    if (refused) return false;
  }
  return true;
}

bool FitsHeatText(const std::string& text) {
  return plan::IsPlanText(text) && text.find(plan::kHeatTokenMark) == std::string::npos;
}

}  // namespace dml::sema
