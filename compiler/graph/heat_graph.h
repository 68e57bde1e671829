// `dmlc graph`: the resources of a Heat (HOT) template and what each needs,
// read back from the emitted template itself, so that the graph shows
// exactly what Heat will create and in which order.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dml::graph {

struct Resource {
  std::string name;  // the template's resource name, e.g. "master_port"
  std::string type;  // "OS::Neutron::Port"
};

enum class EdgeKind {
  kReference,  // get_resource / get_attr: needs the other's id or attribute
  kDependsOn,  // depends_on: created after the other, no value passed
};

// `from` needs `to`: Heat creates `to` first.
struct Edge {
  std::string from;
  std::string to;
  EdgeKind kind = EdgeKind::kReference;
};

struct ResourceGraph {
  std::string name;                  // the job
  std::vector<Resource> resources;   // sorted by name
  std::vector<Edge> edges;           // sorted, no duplicates
};

struct GraphResult {
  std::optional<ResourceGraph> graph;
  std::string error;  // set iff !graph: what is wrong with the template
};

// Reads the resources of `template_yaml` and the references between them,
// nested ones (a ResourceGroup's resource_def) included. References to
// names that are not resources of the template are not edges.
GraphResult ReadHeatGraph(const std::string& name, const std::string& template_yaml);

// Graphviz DOT, one `digraph` per graph, in the order given.
std::string RenderDot(const std::vector<ResourceGraph>& graphs);

}  // namespace dml::graph
