// Graphviz DOT for resource graphs (heat_graph.h).
#include <fmt/format.h>

#include "compiler/graph/heat_graph.h"

namespace dml::graph {
namespace {

// A DOT double-quoted string: only `"` and `\` need escaping; a line
// break becomes DOT's centred `\n`.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string RenderDot(const std::vector<ResourceGraph>& graphs) {
  std::string out;
  for (const ResourceGraph& graph : graphs) {
    out += fmt::format("// The Heat resources of job `{}`: an arrow points from a resource to one\n"
                       "// it needs (Heat creates that one first); dashed arrows are depends_on.\n",
                       graph.name);
    out += fmt::format("digraph {} {{\n", Quoted(graph.name));
    out += "  rankdir=LR;\n";
    out += "  node [shape=box, fontname=\"Helvetica\"];\n";
    for (const Resource& r : graph.resources) {
      out += fmt::format("  {} [label={}];\n", Quoted(r.name), Quoted(r.name + "\n" + r.type));
    }
    for (const Edge& e : graph.edges) {
      out += fmt::format("  {} -> {}{};\n", Quoted(e.from), Quoted(e.to),
                         e.kind == EdgeKind::kDependsOn ? " [style=dashed]" : "");
    }
    out += "}\n";
  }
  return out;
}

}  // namespace dml::graph
