#include "compiler/sema/name_length.h"

#include <string>

#include "compiler/ir/deployment.h"

namespace dml::sema {
namespace {

std::string Characters(size_t n) { return std::to_string(n) + (n == 1 ? " character" : " characters"); }

// False (reported) when `name` is longer than a name may be.
bool CheckLength(const std::string& name, diag::SourceRange range, const std::string& what,
                 diag::DiagnosticSink& sink) {
  if (name.size() <= ir::kMaxNameLength) return true;
  sink.Report({diag::Kind::name_too_long, range,
               what + " name is " + Characters(name.size()) + "; names are at most " +
                   Characters(ir::kMaxNameLength) + ": they become host names, Heat names and file names",
               {}, {"use a shorter name"}});
  return false;
}

}  // namespace

void CheckDeclaredNameLengths(const ast::Module& root, diag::DiagnosticSink& sink) {
  for (const ast::Decl& decl : root.decls) {
    if (const auto* job = std::get_if<ast::Job>(&decl)) CheckLength(job->name.name, job->name.range, "the job's", sink);
    if (const auto* cluster = std::get_if<ast::Cluster>(&decl)) {
      CheckLength(cluster->name.name, cluster->name.range, "the cluster's", sink);
    }
    if (const auto* param = std::get_if<ast::Param>(&decl)) {
      CheckLength(param->name.name, param->name.range, "the param's", sink);
    }
  }
}

void CheckServerNameLengths(const ast::Job& job, const ClusterShape& cluster, diag::DiagnosticSink& sink) {
  const bool job_fits = job.name.name.size() <= ir::kMaxNameLength;  // else reported with the declarations
  for (const GroupShape& group : cluster.groups) {
    if (!CheckLength(group.name, group.where, "the group's", sink) || !job_fits) continue;
    const std::string prefix = job.name.name + "-" + group.name;
    if (prefix.size() <= ir::kMaxServerNamePrefix) continue;
    sink.Report({diag::Kind::name_too_long, job.name.range,
                 "the servers of group `" + group.name + "` are named `" + prefix + "-<index>`: `" + prefix +
                     "` is " + Characters(prefix.size()) + "; a host name label holds " +
                     std::to_string(ir::kMaxNameLength) + ", so at most " +
                     std::to_string(ir::kMaxServerNamePrefix) + " before `-<index>`",
                 {{group.where, "the group is named here"}},
                 {"shorten the job's or the group's name"}});
  }
}

}  // namespace dml::sema
