// Declared quotas: `quota { instances, vcpus, ram, floating_ips }` in the
// cluster or in its site. The cluster needs one instance per node, its
// flavors' vCPUs and RAM per node, and one floating IP (the master's).
#include <algorithm>
#include <cstdint>

#include "compiler/sema/checks.h"

namespace dml::sema {
namespace {

// The master's floating IP: the only one a dml stack allocates.
constexpr int64_t kFloatingIps = 1;

struct Quota {
  const Value* record = nullptr;
  std::string owner;        // "the quota", "site `CHI@TACC`'s quota"
  diag::SourceRange where;  // where a breach is reported when the limit is not in this file
  bool inline_limits = false;  // the cluster's own: report at the limit itself
};

std::vector<Quota> Quotas(const Value& cluster) {
  std::vector<Quota> quotas;
  if (const Value* q = cluster.Field("quota"); q && q->kind == ValueKind::kRecord) {
    quotas.push_back({q, "the quota", q->range, true});
  }
  const Value* site = cluster.Field("site");
  const Value* q = site && site->kind == ValueKind::kRecord ? site->Field("quota") : nullptr;
  if (q && q->kind == ValueKind::kRecord) {
    const Value* name = site->Field("name");
    quotas.push_back({q, "site `" + (name ? name->text : std::string("?")) + "`'s quota", site->range, false});
  }
  return quotas;
}

// What one resource costs per node of each group; null where a group's
// flavor does not say (a name or a param): then the total is unknown.
using PerNode = std::optional<int64_t> (*)(const GroupShape&);

std::optional<int64_t> OneInstance(const GroupShape&) { return 1; }
std::optional<int64_t> Vcpus(const GroupShape& g) { return g.Vcpus(); }
std::optional<int64_t> Ram(const GroupShape& g) { return g.RamBytes(); }

struct Resource {
  const char* field;
  const char* unit;  // "instances", "vCPUs", "of RAM"
  PerNode per_node;
  bool size;
};

constexpr Resource kResources[] = {
    {"instances", "instances", OneInstance, false},
    {"vcpus", "vCPUs", Vcpus, false},
    {"ram", "of RAM", Ram, true},
};

std::string Amount(int64_t n, const Resource& r) {
  return (r.size ? SizeText(n) : std::to_string(n)) + " " + r.unit;
}

// The total over every group with nodes, and how it is made up. Groups
// whose flavor does not say are left out and named in `unknown`: the total
// is then a lower bound.
std::optional<int64_t> Total(const ClusterShape& shape, const Resource& r, std::string* breakdown,
                             std::string* unknown) {
  int64_t total = 0;
  for (const GroupShape& g : shape.groups) {
    const int64_t nodes = g.nodes.value_or(-1);
    if (nodes < 0) return std::nullopt;
    if (nodes == 0) continue;
    std::optional<int64_t> each = r.per_node(g);
    if (!each) {
      *unknown += (unknown->empty() ? "`" : ", `") + g.name + "`";
      continue;
    }
    int64_t part = 0;
    if (__builtin_mul_overflow(nodes, *each, &part) || __builtin_add_overflow(total, part, &total)) {
      return std::nullopt;
    }
    if (!breakdown->empty()) *breakdown += " + ";
    *breakdown += std::to_string(nodes) + " " + g.name;
    if (r.per_node != OneInstance) {
      *breakdown += " x " + (r.size ? SizeText(*each) : std::to_string(*each)) + " on " + g.FlavorName();
    }
  }
  return total;
}

std::vector<diag::Note> ParamNotes(const ClusterShape& shape) {
  std::vector<diag::Note> notes;
  for (const GroupShape& g : shape.groups) {
    if (g.CountParam() != nullptr && g.count->param != nullptr) {
      notes.push_back({g.count->param->range, "the count of `" + g.name + "` is the default of param `" +
                                                  *g.CountParam() + "`"});
    }
  }
  return notes;
}

}  // namespace

void CheckQuotas(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  for (const Quota& quota : Quotas(cluster)) {
    for (const Resource& r : kResources) {
      const Value* limit = quota.record->Field(r.field);
      if (limit == nullptr) continue;
      std::string breakdown;
      std::string unknown;
      std::optional<int64_t> needed = Total(shape, r, &breakdown, &unknown);
      if (!needed || *needed <= limit->int_value) continue;
      std::vector<diag::Note> notes = ParamNotes(shape);
      if (!unknown.empty()) breakdown += "; the flavor of " + unknown + " does not say";
      sink.Report({diag::Kind::quota_exceeded, quota.inline_limits ? limit->range : quota.where,
                   "the cluster needs " + std::string(unknown.empty() ? "" : "at least ") + Amount(*needed, r) +
                       " (" + breakdown + "), but " + quota.owner + " allows " + Amount(limit->int_value, r),
                   notes, {"fewer or smaller nodes, or ask the cloud's operators for a larger quota"}});
    }
    const Value* ips = quota.record->Field("floating_ips");
    if (ips && ips->int_value < kFloatingIps) {
      sink.Report({diag::Kind::quota_exceeded, quota.inline_limits ? ips->range : quota.where,
                   "the cluster needs 1 floating IP (the master's), but " + quota.owner + " allows " +
                       std::to_string(ips->int_value),
                   {}, {}});
    }
  }
}

std::optional<int64_t> QuotaCountLimit(const Value& cluster, const ClusterShape& shape, const std::string& param) {
  std::optional<int64_t> most;
  for (const Quota& quota : Quotas(cluster)) {
    for (const Resource& r : kResources) {
      const Value* limit = quota.record->Field(r.field);
      if (limit == nullptr) continue;
      int64_t others = 0;
      int64_t each = 0;  // per unit of the param: its groups' nodes together
      bool known = true;
      for (const GroupShape& g : shape.groups) {
        std::optional<int64_t> per = r.per_node(g);
        const bool driven = g.CountParam() != nullptr && *g.CountParam() == param;
        if (!per) {
          known = known && !driven && g.nodes.value_or(0) == 0;
          continue;
        }
        int64_t part = 0;
        if (driven) {
          if (__builtin_add_overflow(each, *per, &each)) known = false;
        } else if (__builtin_mul_overflow(g.nodes.value_or(0), *per, &part) ||
                   __builtin_add_overflow(others, part, &others)) {
          known = false;  // beyond any quota anyway: CheckQuotas says so
        }
      }
      if (!known || each <= 0) continue;
      const int64_t fits = (limit->int_value - others) / each;
      most = most ? std::min(*most, fits) : fits;
    }
  }
  return most;
}

}  // namespace dml::sema
