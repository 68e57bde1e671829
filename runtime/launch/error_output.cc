#include "runtime/launch/error_output.h"

namespace dml::launch {

std::string ErrorLine(const base::Error& error, std::string_view after) {
  std::string line = "dmlrun: error: " + error.Render();
  line += after;
  line += '\n';
  return line;
}

base::Error AtThisNode(const LaunchOptions& options, base::Error error) {
  if (options.local) return error;
  return base::Error(base::NodeAt{options.node_rank}, "").CausedBy(std::move(error));
}

}  // namespace dml::launch
