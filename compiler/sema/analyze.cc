// The order of sema's passes: scopes (the prelude, the root and its
// imports), types, declarations, clusters, jobs; only when nothing was
// wrong, the checked values for lowering.
#include "compiler/sema/analyze.h"

#include <map>

#include "compiler/sema/checks.h"
#include "compiler/sema/conform.h"
#include "compiler/sema/declare_types.h"
#include "compiler/sema/evaluate.h"
#include "compiler/sema/name_length.h"
#include "compiler/sema/scope.h"
#include "compiler/sema/suggest.h"

namespace dml::sema {
namespace {

// A job as declared and conformed, before its checks passed.
struct JobDecl {
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

  AnalyzeResult result;
  result.source_name = root.name;
  std::map<const ast::Cluster*, const CheckedCluster*> clusters;
  std::vector<JobDecl> jobs;
  for (const ast::Decl& decl : root.decls) {
    if (const auto* param = std::get_if<ast::Param>(&decl)) {
      if (auto value = evaluator.ParamValue(*param, scope, param->name.range)) result.params.push_back(*value);
    } else if (const auto* cluster = std::get_if<ast::Cluster>(&decl)) {
      auto checked = std::make_unique<CheckedCluster>();
      checked->name = cluster->name.name;
      checked->value = evaluator.EvalBlock(cluster->body, cluster->name.range, scope);
      conformer.ConformRecord(checked->value, ClusterSchema(), "cluster `" + cluster->name.name + "`",
                              cluster->name.range);
      checked->shape = ShapeOf(checked->value);
      CheckCluster(checked->value, checked->shape, sink);
      clusters.emplace(cluster, checked.get());
      result.clusters.push_back(std::move(checked));
    }
  }
  for (const ast::Decl& decl : root.decls) {
    const auto* job = std::get_if<ast::Job>(&decl);
    if (job == nullptr) continue;
    JobDecl entry{job, ResolveCluster(*job, scope, sink), {}};
    entry.value = evaluator.EvalBlock(job->body, job->name.range, scope);
    conformer.ConformRecord(entry.value, JobSchema(), "job `" + job->name.name + "`",
                            job->name.range);
    if (entry.cluster != nullptr) {
      const ClusterShape& shape = clusters.at(entry.cluster)->shape;
      CheckJob(entry.value, shape, sink);
      CheckServerNameLengths(*job, shape, sink);
    }
    jobs.push_back(std::move(entry));
  }
  for (const auto& cluster : result.clusters) CheckHeatText(cluster->value, "the cluster", sink);
  for (const Value& param : result.params) {
    if (param.param_default) CheckHeatText(*param.param_default, "the default of param `" + param.text + "`", sink);
  }
  if (jobs.empty()) {
    sink.Report({diag::Kind::no_job, {root.file, 1, 1, 1}, "the file declares no job", {},
                 {"add `job NAME on CLUSTER { train { ... } }` or `{ run { ... } }`"}});
  }

  if (sink.HasErrors()) return {};
  for (JobDecl& job : jobs) {
    const CheckedCluster& cluster = *clusters.at(job.cluster);
    JobSites sites{job.decl->name.range, LongestText(job.value), SizeSite(cluster.shape)};
    std::optional<TextSite> in_cluster = LongestText(cluster.value, cluster.name);
    if (in_cluster && (!sites.longest || in_cluster->bytes > sites.longest->bytes)) sites.longest = in_cluster;
    std::map<std::string, int64_t> limits = CountLimits(cluster.value, cluster.shape, job.value);
    result.jobs.push_back(
        {job.decl->name.name, &cluster, std::move(job.value), std::move(limits), std::move(sites)});
  }
  return result;
}

}  // namespace dml::sema
