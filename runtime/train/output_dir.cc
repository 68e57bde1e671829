#include "runtime/train/output_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "runtime/model/export.h"

namespace dml::train {
namespace {

namespace fs = std::filesystem;

// Writes `path` through `write` (which fills a file at the path it is given
// and says why it could not), under a temporary name first, so that a crash
// or a full disk never leaves a half-written file under the real name.
std::optional<base::Error> WriteAtomically(const fs::path& path,
                                           const std::function<std::optional<std::string>(const std::string&)>& write) {
  const fs::path temp = path.parent_path() / fmt::format(".{}.tmp-{}", path.filename().string(), getpid());
  if (auto problem = write(temp.string())) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return base::Error::InFile(path.string(), "cannot write: " + *problem);
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return base::Error::InFile(path.string(), "cannot write: " + ec.message());
  }
  return std::nullopt;
}

std::function<std::optional<std::string>(const std::string&)> TextWriter(std::string text) {
  return [text = std::move(text)](const std::string& temp) -> std::optional<std::string> {
    std::ofstream out(temp, std::ios::trunc | std::ios::binary);
    out << text;
    out.flush();
    if (!out) return std::string(std::strerror(errno));
    return std::nullopt;
  };
}

}  // namespace

std::optional<base::Error> WriteTrainedOutput(const TrainedOutput& output) {
  std::error_code ec;
  fs::create_directories(output.dir, ec);
  if (ec) return base::Error::InFile(output.dir, "cannot create the output directory: " + ec.message());

  model::ExportInput input;
  input.spec = output.model;
  input.flat_params = output.flat_params;
  input.trained_module = output.trained_module;
  input.mean = output.mean;
  input.std = output.std;
  base::Result<torch::jit::Module> exported = model::ExportModel(input);
  if (!exported) return exported.error();
  const fs::path dir(output.dir);
  auto save_model = [&exported](const std::string& temp) -> std::optional<std::string> {
    try {
      exported->save(temp);
    } catch (const c10::Error& e) {
      return std::string(e.what_without_backtrace());
    }
    return std::nullopt;
  };
  if (auto error = WriteAtomically(dir / kModelFileName, save_model)) return error;

  std::string metrics;
  for (const std::string& line : output.metrics_lines) metrics += line + "\n";
  if (auto error = WriteAtomically(dir / kMetricsFileName, TextWriter(std::move(metrics)))) return error;
  nlohmann::json result = output.result;
  result["model_file"] = kModelFileName;
  result["model_kind"] = output.model != nullptr ? output.model->kind : "";
  result["normalization"] = {{"mean", output.mean}, {"std", output.std}};
  return WriteAtomically(dir / kResultFileName, TextWriter(result.dump(2) + "\n"));
}

}  // namespace dml::train
