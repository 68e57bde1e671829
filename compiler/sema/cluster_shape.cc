#include "compiler/sema/cluster_shape.h"

namespace dml::sema {
namespace {

GroupShape Group(std::string name, const Value* block, diag::SourceRange where, bool has_count) {
  GroupShape g;
  g.name = std::move(name);
  g.block = block;
  g.where = where;
  g.procs = IntFieldOr(block, "procs", 1);
  g.flavor = block ? block->Field("flavor") : nullptr;
  if (!has_count) {
    g.nodes = 1;
    return g;
  }
  g.count = block ? block->Field("count") : nullptr;
  if (g.count && g.count->kind == ValueKind::kInt) {
    g.nodes = g.count->int_value;
  } else if (g.count && g.count->kind == ValueKind::kParam && g.count->param_default) {
    g.nodes = g.count->param_default->int_value;
  }
  return g;
}

}  // namespace

const std::string* GroupShape::CountParam() const {
  return count && count->kind == ValueKind::kParam ? &count->text : nullptr;
}

std::optional<int64_t> GroupShape::Vcpus() const {
  const Value* v = flavor && flavor->kind == ValueKind::kRecord ? flavor->Field("vcpus") : nullptr;
  if (v && v->kind == ValueKind::kInt) return v->int_value;
  return std::nullopt;
}

std::optional<int64_t> GroupShape::RamBytes() const {
  const Value* v = flavor && flavor->kind == ValueKind::kRecord ? flavor->Field("ram") : nullptr;
  if (v && v->kind == ValueKind::kSize) return v->int_value;
  return std::nullopt;
}

std::string GroupShape::FlavorName() const {
  if (flavor == nullptr) return "?";
  if (flavor->kind == ValueKind::kRecord) {
    const Value* name = flavor->Field("name");
    return name ? name->text : "?";
  }
  return flavor->text;
}

std::optional<int64_t> ClusterShape::Nodes() const {
  int64_t total = 0;
  for (const GroupShape& g : groups) {
    if (!g.nodes || __builtin_add_overflow(total, *g.nodes, &total)) return std::nullopt;
  }
  return total;
}

std::optional<int64_t> ClusterShape::Ranks() const {
  int64_t total = 0;
  for (const GroupShape& g : groups) {
    int64_t ranks = 0;
    if (!g.nodes || __builtin_mul_overflow(*g.nodes, g.procs, &ranks) ||
        __builtin_add_overflow(total, ranks, &total)) {
      return std::nullopt;
    }
  }
  return total;
}

ClusterShape ShapeOf(const Value& cluster) {
  ClusterShape shape;
  const Value* network = BlockField(cluster, "network");
  if (const Value* cidr = network ? network->Field("cidr") : nullptr) {
    shape.cidr = net::ParseCidr(cidr->text);
    shape.cidr_range = cidr->range;
  }
  if (const Value* ip = network ? network->Field("master_ip") : nullptr) {
    shape.master_ip = net::ParseIp(ip->text);
  } else if (shape.cidr && net::WorkerCapacity(*shape.cidr) >= 0 &&
             !(network && network->FieldEntry("master_ip"))) {
    shape.master_ip = shape.cidr->LastHost();
  }
  std::vector<const FieldValue*> groups = cluster.Entries("group");
  if (!groups.empty()) {
    shape.groups_syntax = true;
    for (const FieldValue* entry : groups) {
      const Value* block = entry->value && entry->value->kind == ValueKind::kRecord ? entry->value.get() : nullptr;
      shape.groups.push_back(Group(entry->label, block, entry->label_range, true));
    }
    return shape;
  }
  const FieldValue* master = cluster.FieldEntry("master");
  shape.groups.push_back(Group("master", BlockField(cluster, "master"), master ? master->name_range : cluster.range, false));
  if (const FieldValue* workers = cluster.FieldEntry("workers")) {
    shape.groups.push_back(Group("workers", BlockField(cluster, "workers"), workers->name_range, true));
  } else {
    GroupShape none = Group("workers", nullptr, cluster.range, false);
    none.nodes = 0;  // the master alone
    shape.groups.push_back(none);
  }
  return shape;
}

std::string NodesBreakdown(const ClusterShape& shape) {
  std::string text;
  for (const GroupShape& g : shape.groups) {
    if (g.block == nullptr && g.nodes == int64_t{0}) continue;
    if (!text.empty()) text += " + ";
    text += (g.nodes ? std::to_string(*g.nodes) : std::string("?")) + " " + g.name;
  }
  return text;
}

diag::SourceRange SizeSite(const ClusterShape& shape) {
  for (auto g = shape.groups.rbegin(); g != shape.groups.rend(); ++g) {
    if (g->count != nullptr) return g->count->range;
  }
  return shape.groups.empty() ? diag::SourceRange{} : shape.groups.front().where;
}

}  // namespace dml::sema
