// Text that becomes a Heat parameter's value: the cluster's strings (image,
// flavor, key pair, networks, reservations: each a parameter's default, or
// a property of every node's definition) and the string params' defaults.
// Heat's tokens are marked with `@@` (plan::kHeatTokenMark); each of these
// parameters refuses that at stack create (kHeatTextPattern), so a default
// holding it would make Heat refuse the template: report it here instead.
#include "compiler/sema/checks.h"
#include "compiler/sema/text_patterns.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::sema {

void CheckHeatText(const Value& value, const std::string& what, diag::DiagnosticSink& sink) {
  if (value.kind == ValueKind::kString && !FitsHeatText(value.text)) {
    sink.Report({diag::Kind::value_out_of_range, value.range,
                 what + " holds `" + std::string(plan::kHeatTokenMark) +
                     "`, which marks the placeholders Heat fills in the template",
                 {}, {"leave `@@` out of the values that become Heat parameters"}});
  }
  for (const Value& item : value.items) CheckHeatText(item, what, sink);
  for (const FieldValue& field : value.fields) {
    if (field.value) CheckHeatText(*field.value, "`" + field.name + "`", sink);
  }
}

}  // namespace dml::sema
