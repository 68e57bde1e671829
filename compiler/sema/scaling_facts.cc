#include "compiler/sema/scaling_facts.h"

#include "compiler/sema/cluster_shape.h"

namespace dml::sema {
namespace {

std::optional<double> NumberField(const Value* record, const char* name) {
  if (record == nullptr || record->kind != ValueKind::kRecord) return std::nullopt;
  const Value* field = record->Field(name);
  if (field == nullptr) return std::nullopt;
  if (field->kind != ValueKind::kInt && field->kind != ValueKind::kFloat && field->kind != ValueKind::kDuration) {
    return std::nullopt;
  }
  return field->AsNumber();
}

// The shape's group an IR group comes from: the same name, or the first
// group's `<name>_others` (the lowering splits the master off a group).
const GroupShape* ShapeGroup(const ClusterShape& shape, const std::string& name) {
  for (const GroupShape& g : shape.groups) {
    if (g.name == name || (&g == &shape.groups.front() && g.name + "_others" == name)) return &g;
  }
  return nullptr;
}

}  // namespace

void AddScalingFacts(const Value& cluster, ir::Deployment& out) {
  const ClusterShape shape = ShapeOf(cluster);
  for (ir::NodeGroup& group : out.groups) {
    const GroupShape* g = ShapeGroup(shape, group.name);
    // An absent `workers` block runs on the master's flavor.
    if (g != nullptr && g->flavor == nullptr && !shape.groups.empty()) g = &shape.groups.front();
    if (g != nullptr) group.core_gmacs = NumberField(g->flavor, "core_gmacs");
  }
  const Value* site = cluster.Field("site");
  const Value* link = site != nullptr && site->kind == ValueKind::kRecord ? site->Field("link") : nullptr;
  const std::optional<double> gbit = NumberField(link, "gbit_per_s");
  const std::optional<double> latency = NumberField(link, "latency");
  if (gbit && latency) out.link = ir::Link{*gbit, *latency};
}

diag::SourceRange SizeSite(const Value& cluster) {
  const ClusterShape shape = ShapeOf(cluster);
  for (auto g = shape.groups.rbegin(); g != shape.groups.rend(); ++g) {
    if (g->count != nullptr) return g->count->range;
  }
  return shape.groups.empty() ? diag::SourceRange{} : shape.groups.front().where;
}

}  // namespace dml::sema
