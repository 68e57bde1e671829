// The cluster and job rules beyond types: the nodes fit a private subnet,
// its DNS servers are sane, the master's IP is a usable host, the first
// group holds the master, git URLs are https, the global batch fits the
// dataset, timeouts agree, the cluster fits its quotas, the runtime supports
// the model and optimizer. They read values already conformed to the schema;
// a field that was wrong is absent and its rules are skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/value.h"
#include "runtime/plan/field_rules.h"

namespace dml::sema {

// subnet_too_small, ip_outside_subnet, the first group, insecure_repo_url
// (runtime url), procs_exceed_vcpus, quota_exceeded, and the deb runtime's
// required fields.
// `shape` is ShapeOf(cluster), computed once by the caller.
void CheckCluster(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink);

// insecure_repo_url (run.repo), batch_exceeds_dataset, timeout consistency
// (heartbeat < collective, each < job), the dataset's sha256 digests,
// unsupported_by_runtime. `cluster` is the shape of the job's cluster.
void CheckJob(const Value& job, const ClusterShape& cluster, diag::DiagnosticSink& sink);

// input_shape_mismatch, classes_mismatch, image_too_small: the train
// block's model against its dataset, and a cnn's layers against its input.
void CheckModel(const Value& train, diag::DiagnosticSink& sink);
// insecure_download_url, missing_sha256 and the files' names: a dataset's
// files in its `dir` or at https URLs, a torchscript model's `path` or `url`.
void CheckDownloads(const Value& train, diag::DiagnosticSink& sink);

// value_out_of_range: the rules dmlrun applies to the plan's text
// (runtime/plan/field_rules.h) on `run`'s ref, requirements, entrypoint,
// python, args and https repo, the dataset's dir and files, the checkpoint dir.
void CheckPlanText(const Value& job, diag::DiagnosticSink& sink);
// The same rules on a cluster's `runtime` block: its https url and git ref.
void CheckRuntimeText(const Value& runtime, diag::DiagnosticSink& sink);
// public_subnet (a cidr outside the private ranges without `public_cidr =
// true`) and invalid_dns_server (listed twice, or inside the subnet).
void CheckNetwork(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink);

// quota_exceeded: the cluster's and its site's `quota`, if declared.
void CheckQuotas(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink);

// value_out_of_range: a string in `value` (a cluster, or a param's default:
// `what` names it) that its Heat parameter would refuse: `@@`, which marks
// the template's tokens.
void CheckHeatText(const Value& value, const std::string& what, diag::DiagnosticSink& sink);

// For each param that sets a group's count: the most it may be (the other
// counts at their defaults) so that the nodes fit the subnet and the
// quotas, and every rank gets a full batch of the job's dataset. Never
// below zero. The Heat parameter's range_max.
std::map<std::string, int64_t> CountLimits(const Value& cluster, const ClusterShape& shape, const Value& job);
// The part of CountLimits that quotas set: for `param`, how many more nodes
// of its groups fit every quota; absent when no quota limits it.
std::optional<int64_t> QuotaCountLimit(const Value& cluster, const ClusterShape& shape, const std::string& param);

// Why `text` is not a sha256 digest (64 hex digits): "it has 12 characters",
// "character 3 is `g`"; "" when it is one.
std::string Sha256Problem(const std::string& text);

// The https form of an ssh/http/git URL on a well-known host, or "".
std::string HttpsForm(const std::string& url);
using plan::IsHttpsUrl;  // one definition, with the plan's rules

}  // namespace dml::sema
