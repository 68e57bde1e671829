// The fuzz target: any bytes through dmlc's whole front end, as `dmlc check`
// and `dmlc build` run it (parse, imports from the embedded stdlib, sema,
// the Heat template, the plan, the plan summary and the graph), plus dmlc
// fmt's promises on every input that parses: its output parses, has the same
// tokens, formats to itself, and compiles to the same template and plan. A
// crash, a sanitizer report, a hang or a leak is a finding; so is a broken
// promise (abort()).
//
// Built with libFuzzer (clang, DML_FUZZ=ON) it is `dmlc_fuzz`; built with
// replay_main.cc it replays the seeds and the saved regressions in every
// build, so a fixed finding stays fixed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/module_loader.h"
#include "compiler/driver/plan_summary.h"
#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/plan_files.h"
#include "compiler/fmt/formatter.h"
#include "compiler/graph/heat_graph.h"
#include "compiler/lower/lower_program.h"
#include "compiler/sema/analyze.h"
#include "compiler/syntax/lex.h"
#include "compiler/syntax/parser.h"
#include "runtime/plan/plan_yaml.h"

namespace {

using namespace dml;

// Inputs beyond this add time, not coverage: real files are a few KiB.
constexpr size_t kMaxInputBytes = 64 * 1024;

[[noreturn]] void BrokenPromise(const char* what, const std::string& detail) {
  std::fprintf(stderr, "dmlc_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

bool ParsesCleanly(const std::string& text) {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  syntax::ParseText("fmt.dml", text, sources, sink);
  return !sink.HasErrors();
}

// Every token's class and text, line comments without trailing blanks.
std::string Meaning(const std::vector<syntax::Token>& tokens) {
  std::string out;
  for (const syntax::Token& t : tokens) {
    std::string text = t.text;
    if (t.kind == syntax::TokenKind::kLineComment) text.erase(text.find_last_not_of(" \t\r\f\v") + 1);
    out += std::string(syntax::TokenKindName(t.kind)) + " " + text + "\n";
  }
  return out;
}

// dmlc fmt on a file that parses: its output parses, has the same tokens,
// and formats to itself.
void CheckFormatter(const std::string& text) {
  const std::optional<std::vector<syntax::Token>> tokens = syntax::Lex(text);
  if (!tokens) BrokenPromise("Lex refused a file that parses", text);
  const std::string once = format::FormatTokens(*tokens);
  const std::optional<std::vector<syntax::Token>> again = syntax::Lex(once);
  if (!again) BrokenPromise("fmt wrote text that is not UTF-8", once);
  if (Meaning(*again) != Meaning(*tokens)) BrokenPromise("fmt changed a token", text + "\n--- became\n" + once);
  if (!ParsesCleanly(once)) BrokenPromise("fmt output does not parse", text + "\n--- became\n" + once);
  if (format::FormatTokens(*again) != once) BrokenPromise("fmt is not idempotent", text + "\n--- became\n" + once);
}

// What dmlc makes of a file: "error" or each job's template and plan. The
// formatter's output must make the same.
// A NUL in a plan read back is a param hole that dmlc failed to fill.
bool HoldsNul(const plan::Plan& p) {
  std::vector<const std::string*> texts = {&p.job};
  for (const plan::NodeGroup& g : p.cluster.groups) texts.push_back(&g.name);
  if (p.train) {
    const plan::Dataset& d = p.train->dataset;
    for (const std::string* t : {&d.dir, &d.train_images, &d.train_labels, &d.test_images, &d.test_labels,
                                 &p.train->checkpoint.dir}) {
      texts.push_back(t);
    }
  }
  if (p.command) {
    for (const std::string* t : {&p.command->repo, &p.command->ref, &p.command->requirements_dir,
                                 &p.command->entrypoint, &p.command->python}) {
      texts.push_back(t);
    }
    for (const std::string& arg : p.command->args) texts.push_back(&arg);
  }
  for (const std::string* t : texts) {
    if (t->find('\0') != std::string::npos) return true;
  }
  return false;
}

std::string Compile(const std::string& text, diag::SourceManager& sources, diag::DiagnosticSink& sink) {
  const diag::FileId file = sources.Add("fuzz.dml", text);
  driver::FileModuleLoader loader(sources, sink, {});  // the embedded stdlib only
  const ast::Module root = syntax::ParseModule(file, sources, sink);
  if (sink.HasErrors()) return "error";
  const sema::AnalyzeResult checked = sema::Analyze(root, loader, sink);
  if (sink.HasErrors()) return "error";
  const lower::LowerResult result = lower::LowerProgram(checked, sink);
  if (sink.HasErrors()) return "error";
  std::string out;
  for (const ir::Deployment& deployment : result.deployments) {
    const emit::HeatOutput heat = emit::EmitHeat(deployment);
    const graph::GraphResult graph = graph::ReadHeatGraph(deployment.name, heat.template_yaml);
    if (!graph.graph) BrokenPromise("dmlc emitted a template its graph cannot read", graph.error);
    (void)graph::RenderDot({*graph.graph});
    (void)driver::RenderPlanSummary(deployment);
    const std::string plan_text = emit::StandalonePlanYaml(deployment);  // as `dmlc build` writes it
    const plan::LoadResult reread = plan::ParsePlan(plan_text, "fuzz.plan.yaml");
    if (!reread.plan) BrokenPromise("dmlc wrote a plan it cannot read back", reread.errors.front().Render());
    if (HoldsNul(*reread.plan)) BrokenPromise("dmlc wrote a standalone plan that holds a param's hole", plan_text);
    out += heat.template_yaml + plan_text;
  }
  return out;
}

// Rendering shows source lines under carets: odd bytes must render too.
void RenderAll(const diag::SourceManager& sources, const diag::DiagnosticSink& sink) {
  const std::vector<diag::Diagnostic> diagnostics = sink.Sorted();
  for (const diag::Diagnostic& d : diagnostics) (void)diag::Render(d, sources);
  (void)diag::RenderJson(diagnostics, sources);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  const std::string compiled = Compile(text, sources, sink);
  RenderAll(sources, sink);
  if (!ParsesCleanly(text)) return 0;
  CheckFormatter(text);
  // The grammar reads some line breaks (an open range ends at the line's
  // end), so equal tokens are not enough: the formatted file must compile
  // to the same template and plan, or fail as the original does.
  diag::SourceManager formatted_sources;
  diag::DiagnosticSink formatted_sink;
  const std::string formatted = format::FormatTokens(syntax::Lex(text).value());
  if (Compile(formatted, formatted_sources, formatted_sink) != compiled) {
    BrokenPromise("fmt changed what the file compiles to", text + "\n--- became\n" + formatted);
  }
  return 0;
}
