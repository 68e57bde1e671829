#include "compiler/lower/lower_program.h"

#include <string>

#include "compiler/lower/field.h"
#include "compiler/lower/lower.h"

namespace dml::lower {
namespace {

void ReportInvalidPlan(const sema::CheckedJob& job, const std::vector<base::Error>& errors,
                       diag::DiagnosticSink& sink) {
  diag::Diagnostic diagnostic{diag::Kind::internal_error, job.sites.name,
                              "dmlc built an invalid launch plan for job `" + job.name +
                                  "`; please report this bug",
                              {}, {}};
  for (const base::Error& error : errors) diagnostic.notes.push_back({{}, error.Render()});
  sink.Report(std::move(diagnostic));
}

// A field a check should have guaranteed is missing or of another kind.
void ReportMissingField(const sema::CheckedJob& job, const FieldError& error, diag::DiagnosticSink& sink) {
  sink.Report({diag::Kind::internal_error, job.sites.name,
               "dmlc could not lower job `" + job.name + "`: " + error.what() + "; please report this bug",
               {{error.where(), "the value lowering read"}}, {}});
}

}  // namespace

LowerResult LowerProgram(const sema::AnalyzeResult& checked, diag::DiagnosticSink& sink) {
  LowerResult result;
  for (const sema::CheckedJob& job : checked.jobs) {
    const sema::CheckedCluster& cluster = *job.cluster;
    const LowerInput input{job.name,      cluster.name, checked.source_name, &cluster.value,
                           &cluster.shape, &job.value,  &checked.params,    &job.count_limits};
    ir::Deployment deployment;
    try {
      deployment = Lower(input);
    } catch (const FieldError& error) {
      ReportMissingField(job, error, sink);
      return {};
    }
    // As `dmlrun local` reads it, each param at its default; the template's
    // copy gets the stack's values, which each node checks the same way.
    std::vector<base::Error> errors = plan::Validate(deployment.StandalonePlan(), deployment.name);
    if (!errors.empty()) {
      ReportInvalidPlan(job, errors, sink);
      return {};
    }
    result.deployments.push_back(std::move(deployment));
    result.sites.push_back(job.sites);
  }
  return result;
}

}  // namespace dml::lower
