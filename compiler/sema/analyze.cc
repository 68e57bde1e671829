// The order of sema's passes: scopes (the prelude, the root and its
// imports), types, declarations, clusters, jobs, then - only when nothing
// was wrong - lowering and the plan's own validation.
#include "compiler/sema/analyze.h"

#include <map>

#include "compiler/sema/checks.h"
#include "compiler/sema/conform.h"
#include "compiler/sema/declare_types.h"
#include "compiler/sema/evaluate.h"
#include "compiler/sema/lower.h"
#include "compiler/sema/name_length.h"
#include "compiler/sema/scope.h"
#include "compiler/sema/suggest.h"

namespace dml::sema {
namespace {

struct CheckedJob {
  const ast::Job* decl = nullptr;
  const ast::Cluster* cluster = nullptr;
  Value value;
};

// `job X on C`: C must name a cluster of the root module.
const ast::Cluster* ResolveCluster(const ast::Job& job, const ModuleScope& scope,
                                   diag::DiagnosticSink& sink) {
  const Symbol* symbol = scope.Find(job.cluster.name);
  if (symbol == nullptr) {
    sink.Report({diag::Kind::undefined_name, job.cluster.range,
                 "there is no cluster `" + job.cluster.name + "`", {},
                 DidYouMean(job.cluster.name, scope.Names(Symbol::Kind::kCluster))});
    return nullptr;
  }
  if (symbol->kind != Symbol::Kind::kCluster) {
    sink.Report({diag::Kind::type_mismatch, job.cluster.range,
                 "a job runs on a cluster, but `" + job.cluster.name + "` is a " +
                     SymbolKindName(symbol->kind),
                 {{symbol->name->range, "declared here"}}, {}});
    return nullptr;
  }
  return symbol->cluster;
}

void ReportInvalidPlan(const ast::Job& job, const std::vector<base::Error>& errors,
                       diag::DiagnosticSink& sink) {
  diag::Diagnostic diagnostic{diag::Kind::internal_error, job.name.range,
                              "dmlc built an invalid launch plan for job `" + job.name.name +
                                  "`; please report this bug",
                              {}, {}};
  for (const base::Error& error : errors) diagnostic.notes.push_back({{}, error.Render()});
  sink.Report(std::move(diagnostic));
}

}  // namespace

AnalyzeResult Analyze(const ast::Module& root, ModuleLoader& loader, diag::DiagnosticSink& sink) {
  Program program(root, loader, sink);
  TypeRegistry types;
  Conformer conformer(sink, types);
  Evaluator evaluator(sink, conformer, types);
  DeclareTypes(program, evaluator, conformer, types, sink);
  for (const ModuleScope* scope : program.Scopes()) evaluator.CheckDeclarations(*scope);
  CheckDeclaredNameLengths(root, sink);
  const ModuleScope& scope = program.root();

  std::map<const ast::Cluster*, Value> clusters;
  std::vector<CheckedJob> jobs;
  std::vector<Value> params;
  for (const ast::Decl& decl : root.decls) {
    if (const auto* param = std::get_if<ast::Param>(&decl)) {
      if (auto value = evaluator.ParamValue(*param, scope, param->name.range)) params.push_back(*value);
    } else if (const auto* cluster = std::get_if<ast::Cluster>(&decl)) {
      Value value = evaluator.EvalBlock(cluster->body, cluster->name.range, scope);
      conformer.ConformRecord(value, ClusterSchema(), "cluster `" + cluster->name.name + "`",
                              cluster->name.range);
      CheckCluster(value, sink);
      clusters.emplace(cluster, std::move(value));
    }
  }
  for (const ast::Decl& decl : root.decls) {
    const auto* job = std::get_if<ast::Job>(&decl);
    if (job == nullptr) continue;
    CheckedJob checked{job, ResolveCluster(*job, scope, sink), {}};
    checked.value = evaluator.EvalBlock(job->body, job->name.range, scope);
    conformer.ConformRecord(checked.value, JobSchema(), "job `" + job->name.name + "`",
                            job->name.range);
    if (checked.cluster != nullptr) {
      CheckJob(checked.value, clusters.at(checked.cluster), sink);
      CheckServerNameLengths(*job, clusters.at(checked.cluster), sink);
    }
    jobs.push_back(std::move(checked));
  }
  for (const auto& [decl, cluster] : clusters) CheckHeatText(cluster, "the cluster", sink);
  for (const Value& param : params) {
    if (param.param_default) CheckHeatText(*param.param_default, "the default of param `" + param.text + "`", sink);
  }
  if (jobs.empty()) {
    sink.Report({diag::Kind::no_job, {root.file, 1, 1, 1}, "the file declares no job", {},
                 {"add `job NAME on CLUSTER { train { ... } }` or `{ run { ... } }`"}});
  }

  AnalyzeResult result;
  if (sink.HasErrors()) return result;
  for (const CheckedJob& job : jobs) {
    const Value& cluster = clusters.at(job.cluster);
    LowerInput input{job.decl->name.name, job.cluster->name.name, root.name, &cluster, &job.value,
                     params, CountLimits(cluster, job.value)};
    ir::Deployment deployment = Lower(input);
    // As `dmlrun local` reads it, each param at its default; the template's
    // copy gets the stack's values, which each node checks the same way.
    std::vector<base::Error> errors = plan::Validate(deployment.StandalonePlan(), deployment.name);
    if (!errors.empty()) {
      ReportInvalidPlan(*job.decl, errors, sink);
      return {};
    }
    result.deployments.push_back(std::move(deployment));
    JobSites sites{job.decl->name.range, LongestText(job.value)};
    std::optional<TextSite> in_cluster = LongestText(cluster, job.cluster->name.name);
    if (in_cluster && (!sites.longest || in_cluster->bytes > sites.longest->bytes)) sites.longest = in_cluster;
    result.sites.push_back(std::move(sites));
  }
  return result;
}

}  // namespace dml::sema
