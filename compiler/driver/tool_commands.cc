#include "compiler/driver/tool_commands.h"

#include <fmt/format.h>

#include <optional>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/plan_summary.h"
#include "compiler/driver/source_file.h"
#include "compiler/emit/heat_emitter.h"
#include "compiler/fmt/formatter.h"
#include "compiler/graph/heat_graph.h"

namespace dml::driver {
namespace {

enum class FileOutcome { kUnchanged, kChanged, kFailed };

FileOutcome FormatFile(const std::string& path, const FmtOptions& options, std::ostream& out,
                       std::ostream& err) {
  ReadResult read = ReadSourceFile(path);
  if (!read.text) {
    err << fmt::format("dmlc: error: cannot read `{}`: {}\n", path, read.error);
    return FileOutcome::kFailed;
  }
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  const diag::FileId file = sources.Add(path, *read.text);
  const std::optional<std::string> formatted = format::FormatSource(file, sources, sink);
  for (const diag::Diagnostic& d : sink.Sorted()) err << diag::Render(d, sources);
  if (!formatted) {
    err << fmt::format("dmlc fmt: `{}` has syntax errors; it is left as it is\n", path);
    return FileOutcome::kFailed;
  }
  const bool changed = *formatted != sources.Text(file);
  if (options.check) {
    if (changed) out << path << "\n";
  } else if (options.in_place) {
    if (changed) {
      if (std::optional<std::string> error = WriteFileAtomically(path, *formatted)) {
        err << fmt::format("dmlc: error: cannot write `{}`: {}\n", path, *error);
        return FileOutcome::kFailed;
      }
    }
  } else {
    out << *formatted;
  }
  return changed ? FileOutcome::kChanged : FileOutcome::kUnchanged;
}

}  // namespace

int Fmt(const FmtOptions& options, std::ostream& out, std::ostream& err) {
  int failed = 0;
  int changed = 0;
  for (const std::string& path : options.files) {
    switch (FormatFile(path, options, out, err)) {
      case FileOutcome::kFailed: ++failed; break;
      case FileOutcome::kChanged: ++changed; break;
      case FileOutcome::kUnchanged: break;
    }
  }
  if (options.check && changed > 0) {
    err << fmt::format("dmlc fmt: {} file{} not formatted; run `dmlc fmt -i` on {}\n", changed,
                       changed == 1 ? " is" : "s are", changed == 1 ? "it" : "them");
  }
  if (failed > 0) return kExitProgramErrors;
  return options.check && changed > 0 ? kExitProgramErrors : kExitOk;
}

int Plan(const Options& options, std::ostream& out, std::ostream& err) {
  Options advised = options;
  advised.scaling_advice = true;
  const std::optional<std::vector<ir::Deployment>> deployments = Compile(advised, err);
  if (!deployments) return kExitProgramErrors;
  for (size_t i = 0; i < deployments->size(); ++i) {
    if (i > 0) out << "\n";
    out << RenderPlanSummary((*deployments)[i]);
  }
  return kExitOk;
}

int Graph(const Options& options, const std::string& output, std::ostream& out, std::ostream& err) {
  const std::optional<std::vector<ir::Deployment>> deployments = Compile(options, err);
  if (!deployments) return kExitProgramErrors;
  std::vector<graph::ResourceGraph> graphs;
  for (const ir::Deployment& deployment : *deployments) {
    graph::GraphResult result = graph::ReadHeatGraph(deployment.name, emit::EmitHeat(deployment).template_yaml);
    if (!result.graph) {
      // dmlc wrote that template itself: a failure here is dmlc's defect.
      err << fmt::format("dmlc: internal error: the template of job `{}`: {}\n", deployment.name, result.error);
      return kExitInternal;
    }
    graphs.push_back(std::move(*result.graph));
  }
  const std::string dot = graph::RenderDot(graphs);
  if (output.empty() || output == "-") {
    out << dot;
    return kExitOk;
  }
  if (std::optional<std::string> error = WriteFileAtomically(output, dot)) {
    err << fmt::format("dmlc: error: cannot write `{}`: {}\n", output, *error);
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace dml::driver
