#include "runtime/train/step_trace.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace dml::train {

std::optional<base::Error> StepTrace::Write(const std::string& path) const {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::trunc);
  out << "start_ns\texchange_start_ns\texchange_end_ns\tend_ns\n";
  for (const auto& step : steps_) out << fmt::format("{}\t{}\t{}\t{}\n", step[0], step[1], step[2], step[3]);
  out.close();
  if (!out) return base::Error::InFile(path, "--step-trace: cannot write the step trace");
  return std::nullopt;
}

}  // namespace dml::train
