#include <gtest/gtest.h>

#include <string>

#include "runtime/plan/plan.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/plan/plan_test_util.h"

namespace dml::plan {
namespace {

TEST(PlanTest, RoundTripKeepsEveryField) {
  const Plan p = SamplePlan();
  const std::string text = SerializePlan(p);
  LoadResult r = ParsePlan(text, "mnist.plan.yaml");
  ASSERT_TRUE(r.plan) << Errors(r);
  EXPECT_EQ(SerializePlan(*r.plan), text);
  EXPECT_EQ(r.plan->cluster.groups[1].count_param, "workers");
  EXPECT_DOUBLE_EQ(r.plan->train->optimizer.lr, 1e-3);
  EXPECT_DOUBLE_EQ(r.plan->timeouts.collective_s, 30.5);
  EXPECT_EQ(r.plan->train->seed, 42u);
  EXPECT_EQ(r.plan->train->checkpoint.every_epochs, 2);
  EXPECT_EQ(r.plan->max_restarts, 3);
  EXPECT_DOUBLE_EQ(r.plan->timeouts.heartbeat_s, 2.5);
  EXPECT_NE(text.find("lr: 0.001"), std::string::npos) << text;
}

TEST(PlanTest, CommandJobRoundTripsHostileStrings) {
  Plan p = SamplePlan();
  p.kind = JobKind::kCommand;
  p.train.reset();
  p.command = CommandSpec{"https://example.org/a%20b.git", "true", "sub dir",
                          "train.py", {"--name", "x'; rm -rf / #", "null", "1.5"}, "python3"};
  LoadResult r = ParsePlan(SerializePlan(p), "p.yaml");
  ASSERT_TRUE(r.plan) << Errors(r);
  EXPECT_EQ(r.plan->command->args, p.command->args);
  EXPECT_EQ(r.plan->command->ref, "true");
  EXPECT_EQ(r.plan->command->repo, p.command->repo);
}

TEST(PlanTest, ExpandNodesAssignsRanksInGroupOrder) {
  const Plan p = SamplePlan();
  const std::vector<NodeInfo> nodes = ExpandNodes(p);
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(NodeCount(p), 4);
  EXPECT_EQ(WorldSize(p), 5);
  EXPECT_EQ(nodes[0].group, "master");
  EXPECT_EQ(nodes[0].procs, 2);
  EXPECT_EQ(nodes[1].first_global_rank, 2);
  EXPECT_EQ(nodes[3].node_rank, 3);
  EXPECT_EQ(nodes[3].index_in_group, 2);
  EXPECT_EQ(nodes[3].first_global_rank, 4);
}

TEST(PlanTest, ParamTokensReplaceParamDrivenCounts) {
  const std::string text = SerializePlan(SamplePlan(), {true});
  EXPECT_NE(text.find("count: " + ParamToken("workers")), std::string::npos) << text;
  // Without the token the copy is a plan dmlrun reads; with it, it is not.
  EXPECT_FALSE(ParsePlan(text, "t.yaml").plan);
}

// The copy in a Heat template: strings that hold a param's token are
// double-quoted, so the text Heat pastes in (the parameter's allowed_pattern
// keeps out `"`, `\` and control characters) stays one YAML string.
TEST(PlanTest, QuotedTokensStayOneStringWhateverHeatPutsIn) {
  Plan p = SamplePlan();
  p.kind = JobKind::kCommand;
  p.train.reset();
  p.command = CommandSpec{"https://github.com/" + ParamToken("lab") + "/x.git", ParamToken("ref"), "",
                          "train.py", {"--tag=" + ParamToken("org"), "--plain"}, "python3"};
  SerializeOptions options;
  options.count_param_tokens = true;
  options.quote_param_tokens = true;
  std::string text = SerializePlan(p, options);
  EXPECT_NE(text.find("repo: \"https://github.com/" + ParamToken("lab") + "/x.git\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"--tag=" + ParamToken("org") + "\", --plain]"), std::string::npos) << text;
  EXPECT_NE(text.find("python: python3\n"), std::string::npos) << text;  // no token: as before

  // What Heat's str_replace does at stack create, with values that YAML
  // would otherwise read as something else.
  const std::string org = "a: b, [c] {d} #e 'f' & *g !h |i >j %k @l `m";
  const std::string ref = "true";
  const std::string node_text =
      ReplaceParamTokens(text, {{"org", org}, {"lab", "a-b"}, {"ref", ref}, {"workers", "4"}});
  LoadResult r = ParsePlan(node_text, "node.plan.yaml");
  ASSERT_TRUE(r.plan) << Errors(r) << node_text;
  EXPECT_EQ(r.plan->command->repo, "https://github.com/a-b/x.git");  // a URL holds no space
  EXPECT_EQ(r.plan->command->ref, "true");
  EXPECT_EQ(r.plan->command->args, (std::vector<std::string>{"--tag=" + org, "--plain"}));
  EXPECT_EQ(r.plan->cluster.groups[1].count, 4);

  // Unquoted, the same value would change the plan's structure.
  options.quote_param_tokens = false;
  LoadResult unquoted = ParsePlan(ReplaceParamTokens(SerializePlan(p, options), {{"org", org}, {"lab", "a-b"}, {"ref", ref}, {"workers", "4"}}),
                                  "node.plan.yaml");
  EXPECT_TRUE(!unquoted.plan ||
              unquoted.plan->command->args != (std::vector<std::string>{"--tag=" + org, "--plain"}));
}

// As Heat's str_replace: longer tokens first, and text put in is not searched again.
TEST(PlanTest, ReplaceParamTokensWorksAsHeatDoes) {
  EXPECT_EQ(ReplaceParamTokens(ParamToken("a__b") + "/" + ParamToken("a"), {{"a", "1"}, {"a__b", "2"}}), "2/1");
  EXPECT_EQ(ReplaceParamTokens(ParamToken("a") + ParamToken("b"), {{"a", ParamToken("b")}, {"b", "x"}}),
            ParamToken("b") + "x");
  EXPECT_EQ(ReplaceParamTokens("no tokens", {{"a", "1"}}), "no tokens");
  EXPECT_EQ(ReplaceParamTokens(ParamToken("a"), {}), ParamToken("a"));
}

TEST(PlanTest, OtherVersionIsOneClearError) {
  std::string text = SerializePlan(SamplePlan());
  text.replace(text.find("dml_plan: 1"), 11, "dml_plan: 2");
  text += "new_field_of_v2: 1\n";
  LoadResult r = ParsePlan(text, "old.plan.yaml");
  ASSERT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString().rfind("old.plan.yaml: dml_plan: plan version 2 is not supported", 0), 0u)
      << Errors(r);
}

TEST(PlanTest, UnknownMissingAndMistypedFieldsAreNamed) {
  std::string text = SerializePlan(SamplePlan());
  text.replace(text.find("epochs: 10"), 10, "epochs: ten");
  text.replace(text.find("  loss:"), 7, "  lost:");
  text.replace(text.find("master_addr:"), 12, "master_adr:");
  LoadResult r = ParsePlan(text, "p.yaml");
  ASSERT_FALSE(r.plan);
  const std::string all = Errors(r);
  EXPECT_NE(all.find("p.yaml: train.epochs: expected an integer, found 'ten' (line"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml: train.lost: unknown field"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml: cluster.master_addr: missing"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml: cluster.master_adr: unknown field"), std::string::npos) << all;
}

TEST(PlanTest, SemanticChecksNameTheField) {
  Plan p = SamplePlan();
  p.train->epochs = 0;
  p.cluster.groups[0].count = 2;
  p.cluster.port = 70000;
  LoadResult r = ParsePlan(SerializePlan(p), "p.yaml");
  ASSERT_FALSE(r.plan);
  const std::string all = Errors(r);
  EXPECT_NE(all.find("train.epochs: must be >= 1, not 0"), std::string::npos) << all;
  EXPECT_NE(all.find("cluster.groups[0].count"), std::string::npos) << all;
  EXPECT_NE(all.find("cluster.port: 70000 is not a TCP port"), std::string::npos) << all;
}

TEST(PlanTest, ResilienceFieldsDefaultAndAreChecked) {
  // A plan written before these fields existed reads with their defaults.
  std::string text = SerializePlan(SamplePlan());
  text.replace(text.find("  max_restarts: 3\n"), std::string("  max_restarts: 3\n").size(), "");
  text.replace(text.find("  heartbeat_s: 2.5\n"), std::string("  heartbeat_s: 2.5\n").size(), "");
  LoadResult r = ParsePlan(text, "old.yaml");
  ASSERT_TRUE(r.plan) << Errors(r);
  EXPECT_EQ(r.plan->max_restarts, 0);
  EXPECT_DOUBLE_EQ(r.plan->timeouts.heartbeat_s, 5);

  Plan p = SamplePlan();
  p.max_restarts = -1;
  p.timeouts.heartbeat_s = 0;
  LoadResult bad = ParsePlan(SerializePlan(p), "p.yaml");
  ASSERT_FALSE(bad.plan);
  const std::string all = Errors(bad);
  EXPECT_NE(all.find("p.yaml: job.max_restarts: must be >= 0, not -1"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml: timeouts.heartbeat_s: must be > 0"), std::string::npos) << all;
}

TEST(PlanTest, BrokenYamlAndMissingFileAreErrorsNotCrashes) {
  LoadResult r = ParsePlan("dml_plan: [1\njob: {", "bad.yaml");
  ASSERT_FALSE(r.plan);
  EXPECT_NE(Errors(r).find("bad.yaml: not valid YAML at line"), std::string::npos) << Errors(r);
  EXPECT_FALSE(ParsePlan("", "empty.yaml").plan);
  EXPECT_FALSE(ParsePlan("- 1\n- 2\n", "list.yaml").plan);
  LoadResult missing = LoadPlanFile("/nonexistent/dir/x.plan.yaml");
  ASSERT_FALSE(missing.plan);
  EXPECT_EQ(missing.errors[0].ToString(), "/nonexistent/dir/x.plan.yaml: cannot read the plan file");
}

}  // namespace
}  // namespace dml::plan
