#include "compiler/graph/heat_graph.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace dml::graph {
namespace {

using EdgeKey = std::tuple<std::string, std::string, EdgeKind>;

// Heat's intrinsic functions that name another resource.
constexpr const char* kGetResource = "get_resource";
constexpr const char* kGetAttr = "get_attr";
constexpr const char* kDependsOn = "depends_on";

// Every resource named by an intrinsic function anywhere under `node`.
void CollectReferences(const YAML::Node& node, const std::string& from, std::set<EdgeKey>& edges) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const YAML::Node& value = entry.second;
      if (key == kGetResource && value.IsScalar()) {
        edges.insert({from, value.Scalar(), EdgeKind::kReference});
      } else if (key == kGetAttr && value.IsSequence() && value.size() > 0 && value[0].IsScalar()) {
        edges.insert({from, value[0].Scalar(), EdgeKind::kReference});
      }
      CollectReferences(value, from, edges);
    }
  } else if (node.IsSequence()) {
    for (const YAML::Node& item : node) CollectReferences(item, from, edges);
  }
}

void CollectDependsOn(const YAML::Node& depends_on, const std::string& from, std::set<EdgeKey>& edges) {
  if (depends_on.IsScalar()) {
    edges.insert({from, depends_on.Scalar(), EdgeKind::kDependsOn});
  } else if (depends_on.IsSequence()) {
    for (const YAML::Node& item : depends_on) {
      if (item.IsScalar()) edges.insert({from, item.Scalar(), EdgeKind::kDependsOn});
    }
  }
}

}  // namespace

GraphResult ReadHeatGraph(const std::string& name, const std::string& template_yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(template_yaml);
  } catch (const YAML::Exception& e) {
    return {std::nullopt, "the template is not YAML: " + e.msg};
  }
  const YAML::Node resources = root.IsMap() ? root["resources"] : YAML::Node();
  if (!resources || !resources.IsMap()) return {std::nullopt, "the template has no `resources` map"};

  ResourceGraph graph;
  graph.name = name;
  std::set<EdgeKey> edges;
  for (const auto& entry : resources) {
    if (!entry.first.IsScalar() || !entry.second.IsMap()) {
      return {std::nullopt, "a resource is not a `name: {type: ...}` entry"};
    }
    const std::string resource = entry.first.Scalar();
    const YAML::Node type = entry.second["type"];
    graph.resources.push_back({resource, type && type.IsScalar() ? type.Scalar() : "?"});
    if (const YAML::Node properties = entry.second["properties"]) CollectReferences(properties, resource, edges);
    if (const YAML::Node depends_on = entry.second[kDependsOn]) CollectDependsOn(depends_on, resource, edges);
  }
  std::sort(graph.resources.begin(), graph.resources.end(),
            [](const Resource& a, const Resource& b) { return a.name < b.name; });

  std::set<std::string> names;
  for (const Resource& r : graph.resources) names.insert(r.name);
  for (const auto& [from, to, kind] : edges) {
    if (names.count(to) > 0 && from != to) graph.edges.push_back({from, to, kind});
  }
  return {std::move(graph), {}};
}

}  // namespace dml::graph
