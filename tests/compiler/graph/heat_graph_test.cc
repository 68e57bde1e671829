// dmlc graph: resources and dependencies read back from Heat templates, the
// DOT they become, and the graphs of the samples' real templates.
#include "compiler/graph/heat_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "compiler/driver/cli.h"
#include "compiler/driver/compile.h"
#include "compiler/emit/heat_emitter.h"
#include "../driver/temp_dir.h"

namespace dml::graph {
namespace {

constexpr const char* kTemplate = R"(heat_template_version: 2018-08-31
resources:
  zeta:
    type: OS::Heat::WaitCondition
    depends_on: [alpha, group]
    properties:
      handle: {get_resource: alpha}
  alpha:
    type: OS::Heat::WaitConditionHandle
  port:
    type: OS::Neutron::Port
    depends_on: zeta
    properties:
      fixed_ips:
        - subnet: {get_resource: alpha}
      other: {get_resource: not_a_resource}
      self: {get_attr: [port, id]}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      resource_def:
        type: OS::Nova::Server
        properties:
          networks: [{port: {get_attr: [port, id]}}]
outputs:
  ip: {value: {get_attr: [zeta, data]}}
)";

bool HasEdge(const ResourceGraph& g, const std::string& from, const std::string& to, EdgeKind kind) {
  return std::any_of(g.edges.begin(), g.edges.end(),
                     [&](const Edge& e) { return e.from == from && e.to == to && e.kind == kind; });
}

TEST(HeatGraph, ReadsResourcesAndEveryKindOfReference) {
  const GraphResult result = ReadHeatGraph("job", kTemplate);
  ASSERT_TRUE(result.graph.has_value()) << result.error;
  const ResourceGraph& g = *result.graph;
  ASSERT_EQ(g.resources.size(), 4u);
  EXPECT_EQ(g.resources[0].name, "alpha");  // sorted by name
  EXPECT_EQ(g.resources[3].name, "zeta");
  EXPECT_EQ(g.resources[3].type, "OS::Heat::WaitCondition");
  EXPECT_TRUE(HasEdge(g, "zeta", "alpha", EdgeKind::kReference));
  EXPECT_TRUE(HasEdge(g, "zeta", "alpha", EdgeKind::kDependsOn));
  EXPECT_TRUE(HasEdge(g, "zeta", "group", EdgeKind::kDependsOn));
  EXPECT_TRUE(HasEdge(g, "port", "zeta", EdgeKind::kDependsOn));
  EXPECT_TRUE(HasEdge(g, "port", "alpha", EdgeKind::kReference));
  EXPECT_TRUE(HasEdge(g, "group", "port", EdgeKind::kReference));  // inside resource_def
  // Unknown names and self references are not edges; outputs are not resources.
  EXPECT_EQ(g.edges.size(), 6u);
}

TEST(HeatGraph, RendersDeterministicDot) {
  const GraphResult result = ReadHeatGraph("j\"1", kTemplate);
  ASSERT_TRUE(result.graph.has_value());
  const std::string dot = RenderDot({*result.graph});
  EXPECT_NE(dot.find("digraph \"j\\\"1\" {\n"), std::string::npos) << dot;
  EXPECT_NE(dot.find("  \"alpha\" [label=\"alpha\\nOS::Heat::WaitConditionHandle\"];\n"), std::string::npos);
  EXPECT_NE(dot.find("  \"group\" -> \"port\";\n"), std::string::npos);
  EXPECT_NE(dot.find("  \"port\" -> \"zeta\" [style=dashed];\n"), std::string::npos);
  // Edges in sorted order: group's before port's before zeta's.
  EXPECT_LT(dot.find("\"group\" ->"), dot.find("\"port\" ->"));
  EXPECT_LT(dot.find("\"port\" ->"), dot.find("\"zeta\" ->"));
  EXPECT_EQ(RenderDot({*result.graph}), dot);
}

TEST(HeatGraph, MalformedTemplatesAreErrors) {
  EXPECT_FALSE(ReadHeatGraph("j", "resources: [").graph.has_value());
  EXPECT_EQ(ReadHeatGraph("j", "heat_template_version: 2018-08-31\n").error, "the template has no `resources` map");
  EXPECT_FALSE(ReadHeatGraph("j", "resources:\n  a: 1\n").graph.has_value());
  EXPECT_FALSE(ReadHeatGraph("j", "- a\n- b\n").graph.has_value());
}

// The samples' templates as dmlc emits them.
ResourceGraph SampleGraph(const std::string& sample) {
  driver::Options options;
  options.input = std::string(DML_SOURCE_DIR) + "/samples/" + sample;
  std::ostringstream err;
  const auto deployments = driver::Compile(options, err);
  EXPECT_TRUE(deployments.has_value()) << err.str();
  if (!deployments || deployments->empty()) return {};
  const ir::Deployment& d = deployments->front();
  GraphResult result = ReadHeatGraph(d.name, emit::EmitHeat(d).template_yaml);
  EXPECT_TRUE(result.graph.has_value()) << result.error;
  return result.graph.value_or(ResourceGraph{});
}

TEST(HeatGraph, SampleStacksHaveTheirDependencies) {
  for (const char* sample : {"mnist.dml", "repo_job.dml"}) {
    SCOPED_TRACE(sample);
    const ResourceGraph g = SampleGraph(sample);
    EXPECT_TRUE(HasEdge(g, "master_floating_ip", "router_interface", EdgeKind::kDependsOn));
    EXPECT_TRUE(HasEdge(g, "master_floating_ip", "master_port", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "router_interface", "router", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "router_interface", "private_subnet", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "private_subnet", "private_net", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "master", "master_port", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "workers_group", "private_subnet", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "workers_group", "security_group", EdgeKind::kReference));
    EXPECT_TRUE(HasEdge(g, "wait_condition", "master", EdgeKind::kDependsOn));
    EXPECT_TRUE(HasEdge(g, "wait_condition", "wait_handle", EdgeKind::kReference));
    // Every resource is connected to the rest.
    for (const Resource& r : g.resources) {
      const bool connected = std::any_of(g.edges.begin(), g.edges.end(),
                                         [&](const Edge& e) { return e.from == r.name || e.to == r.name; });
      EXPECT_TRUE(connected) << r.name;
    }
  }
}

TEST(HeatGraph, DmlcGraphWritesOneDigraphPerJob) {
  driver::testing::TempDir dir;
  std::ostringstream out, err;
  const std::string dot = dir.Path("stack.dot");
  const int code = driver::RunCli({"graph", std::string(DML_SOURCE_DIR) + "/samples/mnist.dml", "-o", dot}, out, err);
  ASSERT_EQ(code, driver::kExitOk) << err.str();
  std::ifstream in(dot);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("// The Heat resources of job `mnist`", 0), 0u) << text.str();
  EXPECT_NE(text.str().find("\"master_floating_ip\" -> \"router_interface\" [style=dashed];"), std::string::npos);

  std::ostringstream out2, err2;
  EXPECT_EQ(driver::RunCli({"graph", dir.Write("bad.dml", "job j on nowhere {}\n")}, out2, err2),
            driver::kExitProgramErrors);
  EXPECT_TRUE(out2.str().empty());
}

// Graphviz itself accepts the output, where it is installed (it is not a
// dependency of dml).
TEST(HeatGraph, GraphvizReadsTheOutput) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz `dot` is not installed";
  driver::testing::TempDir dir;
  std::ostringstream out, err;
  const std::string dot = dir.Path("stack.dot");
  for (const char* sample : {"mnist.dml", "repo_job.dml"}) {
    ASSERT_EQ(driver::RunCli({"graph", std::string(DML_SOURCE_DIR) + "/samples/" + sample, "-o", dot}, out, err),
              driver::kExitOk);
    const std::string command = "dot -Tsvg '" + dot + "' -o '" + dir.Path("stack.svg") + "' 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << sample;
  }
}

}  // namespace
}  // namespace dml::graph
