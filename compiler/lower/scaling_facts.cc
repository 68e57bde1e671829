#include "compiler/lower/scaling_facts.h"

namespace dml::lower {

using sema::ClusterShape;
using sema::GroupShape;
using sema::Value;
using sema::ValueKind;

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

}  // namespace

std::optional<double> CoreGmacs(const ClusterShape& shape, const GroupShape& g) {
  const GroupShape& runs_on = g.flavor == nullptr && !shape.groups.empty() ? shape.groups.front() : g;
  return NumberField(runs_on.flavor, "core_gmacs");
}

std::optional<ir::Link> SiteLink(const Value& cluster) {
  const Value* site = cluster.Field("site");
  const Value* link = site != nullptr && site->kind == ValueKind::kRecord ? site->Field("link") : nullptr;
  const std::optional<double> gbit = NumberField(link, "gbit_per_s");
  const std::optional<double> latency = NumberField(link, "latency");
  if (!gbit || !latency) return std::nullopt;
  return ir::Link{*gbit, *latency};
}

}  // namespace dml::lower
