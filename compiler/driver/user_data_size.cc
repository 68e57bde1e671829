#include "compiler/driver/user_data_size.h"

#include <fmt/format.h>

#include <string>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/plan_files.h"

namespace dml::driver {
namespace {

constexpr size_t kBase64In = 3;   // bytes per base64 group
constexpr size_t kBase64Out = 4;  // characters per base64 group

// The largest script whose base64 Nova accepts, Heat's margin left out.
constexpr size_t kMaxScriptBytes = kNovaUserDataLimit / kBase64Out * kBase64In - kHeatFillMarginBytes;

std::string Bytes(size_t n) { return fmt::format("{} bytes", n); }

}  // namespace

size_t UserDataBase64Size(size_t script_bytes) {
  return (script_bytes + kHeatFillMarginBytes + kBase64In - 1) / kBase64In * kBase64Out;
}

bool CheckUserDataSize(const ir::Deployment& deployment, const sema::JobSites& sites,
                       diag::DiagnosticSink& sink) {
  const emit::HeatOutput heat = emit::EmitHeat(deployment);
  const std::pair<std::string, std::string>* largest = nullptr;
  for (const auto& script : heat.boot_scripts) {
    if (largest == nullptr || script.second.size() > largest->second.size()) largest = &script;
  }
  if (largest == nullptr || UserDataBase64Size(largest->second.size()) <= kNovaUserDataLimit) return true;

  const size_t script = largest->second.size();
  const size_t plan = emit::EmbeddedPlanYaml(deployment).size();
  const size_t rest = script > plan ? script - plan : 0;
  std::string message = fmt::format(
      "the boot script of group `{}` ({}) makes {} of user_data in base64, over Nova's limit of {}: "
      "the launch plan in it takes {}",
      largest->first, Bytes(script), Bytes(UserDataBase64Size(script)), Bytes(kNovaUserDataLimit), Bytes(plan));
  std::vector<std::string> help;
  diag::SourceRange where = sites.name;
  if (sites.longest && sites.longest->bytes > 0) {
    message += fmt::format(", of which `{}` takes {}", sites.longest->field, Bytes(sites.longest->bytes));
    where = sites.longest->range;
    help.push_back(fmt::format("shorten `{}`: a long value belongs in a file of the repository that the "
                               "entrypoint reads",
                               sites.longest->field));
  }
  help.push_back(fmt::format("the script's other parts take {}: the plan may take about {} at most", Bytes(rest),
                             Bytes(kMaxScriptBytes > rest ? kMaxScriptBytes - rest : 0)));
  sink.Report({diag::Kind::user_data_too_large, where, message, {}, help});
  return false;
}

}  // namespace dml::driver
