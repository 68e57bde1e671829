#include "compiler/driver/compile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <optional>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/module_loader.h"
#include "compiler/driver/plan_scaling.h"
#include "compiler/driver/source_file.h"
#include "compiler/driver/user_data_size.h"
#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/plan_files.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/analyze.h"
#include "compiler/syntax/parser.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::driver {
namespace {

namespace fs = std::filesystem;

// One run of the front end over one input file.
class Compilation {
 public:
  explicit Compilation(const Options& options)
      : options_(options), loader_(sources_, sink_, options.include_dirs) {}

  // The deployments, or nothing when the program has errors.
  std::optional<std::vector<ir::Deployment>> Run() {
    ReadResult read = ReadSourceFile(options_.input);
    if (!read.text) {
      const diag::FileId file = sources_.Add(options_.input, "");
      sink_.Report({diag::Kind::file_not_found, {file, 0, 0, 1}, "cannot read input file: " + read.error});
      return std::nullopt;
    }
    const diag::FileId file = sources_.Add(options_.input, std::move(*read.text));
    const ast::Module root = syntax::ParseModule(file, sources_, sink_);
    // Checking a half-parsed file would mostly report the syntax errors
    // again in other words; fix those first.
    if (sink_.HasErrors()) return std::nullopt;
    sema::AnalyzeResult result = sema::Analyze(root, loader_, sink_);
    if (sink_.HasErrors()) return std::nullopt;
    // What only the emitted template shows: each check reports its own job.
    for (size_t i = 0; i < result.deployments.size() && i < result.sites.size(); ++i) {
      CheckUserDataSize(result.deployments[i], result.sites[i], sink_);
    }
    if (sink_.HasErrors()) return std::nullopt;
    for (size_t i = 0; options_.scaling_advice && i < result.deployments.size() && i < result.sites.size(); ++i) {
      CheckScaling(result.deployments[i], result.sites[i].size, sink_);
    }
    return std::move(result.deployments);
  }

  // Prints every diagnostic and the closing count to `err`.
  void PrintDiagnostics(std::ostream& err) const {
    const std::vector<diag::Diagnostic> diagnostics = sink_.Sorted();
    if (options_.format == DiagnosticFormat::kJson) {
      err << diag::RenderJson(diagnostics, sources_);
      return;
    }
    for (const diag::Diagnostic& d : diagnostics) err << diag::Render(d, sources_);
    const std::string summary = diag::RenderSummary(sink_.ErrorCount(), sink_.WarningCount());
    if (!summary.empty()) err << summary << "\n";
  }

 private:
  const Options& options_;
  diag::SourceManager sources_;
  diag::DiagnosticSink sink_;
  FileModuleLoader loader_;
};

struct OutputFile {
  std::string name;
  std::string content;
};

// Everything a build writes, computed before the first byte is written.
std::vector<OutputFile> Render(const std::vector<ir::Deployment>& deployments) {
  std::vector<OutputFile> files;
  for (const ir::Deployment& deployment : deployments) {
    files.push_back({deployment.name + ".heat.yaml", emit::EmitHeat(deployment).template_yaml});
    files.push_back({deployment.name + ".plan.yaml", emit::StandalonePlanYaml(deployment)});
  }
  return files;
}

}  // namespace

int Check(const Options& options, std::ostream& /*out*/, std::ostream& err) {
  Compilation compilation(options);
  const bool ok = compilation.Run().has_value();
  compilation.PrintDiagnostics(err);
  return ok ? kExitOk : kExitProgramErrors;
}

std::optional<std::vector<ir::Deployment>> Compile(const Options& options, std::ostream& err) {
  Compilation compilation(options);
  std::optional<std::vector<ir::Deployment>> deployments = compilation.Run();
  compilation.PrintDiagnostics(err);
  return deployments;
}

int Build(const Options& options, std::ostream& out, std::ostream& err) {
  std::optional<std::vector<ir::Deployment>> deployments = Compile(options, err);
  if (!deployments) return kExitProgramErrors;

  const std::vector<OutputFile> files = Render(*deployments);
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec || !fs::is_directory(options.output_dir)) {
    err << fmt::format("dmlc: error: cannot create output directory `{}`: {}\n", options.output_dir,
                       ec ? ec.message() : "a file of that name exists");
    return kExitUsage;
  }
  std::vector<std::string> written;
  for (const OutputFile& file : files) {
    const std::string path = (fs::path(options.output_dir) / file.name).string();
    if (std::optional<std::string> error = WriteFileAtomically(path, file.content)) {
      err << fmt::format("dmlc: error: cannot write `{}`: {}\n", path, *error);
      return kExitUsage;
    }
    written.push_back(file.name);
  }
  out << fmt::format("dmlc: wrote {} file{} to {}: {}\n", written.size(), written.size() == 1 ? "" : "s",
                     options.output_dir, fmt::join(written, ", "));
  return kExitOk;
}

}  // namespace dml::driver
