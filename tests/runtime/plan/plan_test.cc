#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/runtime/plan/plan_test_util.h"

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

// A global batch replaces batch_per_rank in the file; a plan naming both is
// read two ways and refused.
TEST(PlanTest, GlobalBatchRoundTripsAndExcludesBatchPerRank) {
  Plan p = SamplePlan();
  p.train->global_batch = 64;
  const std::string text = SerializePlan(p);
  EXPECT_NE(text.find("  global_batch: 64\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("batch_per_rank"), std::string::npos) << text;
  LoadResult r = ParsePlan(text, "g.plan.yaml");
  ASSERT_TRUE(r.plan) << Errors(r);
  EXPECT_EQ(r.plan->train->global_batch, 64);
  EXPECT_EQ(SerializePlan(*r.plan), text);
  EXPECT_EQ(DescribeBatch(*r.plan->train), "global batch 64");
  EXPECT_EQ(MaxRowsPerRank(*r.plan->train, 17), 4);
  EXPECT_EQ(MaxRowsPerRank(*SamplePlan().train, 17), 64);

  std::string both = text;
  both.replace(both.find("  global_batch: 64\n"), 0, "  batch_per_rank: 64\n");
  LoadResult twice = ParsePlan(both, "g.plan.yaml");
  ASSERT_FALSE(twice.plan);
  EXPECT_NE(Errors(twice).find("g.plan.yaml: train.batch_per_rank: set either batch_per_rank or global_batch, not both"),
            std::string::npos)
      << Errors(twice);

  std::string zero = text;
  zero.replace(zero.find("global_batch: 64"), 16, "global_batch: 0");
  LoadResult none = ParsePlan(zero, "g.plan.yaml");
  ASSERT_FALSE(none.plan);
  EXPECT_NE(Errors(none).find("train.global_batch: must be >= 1, not 0"), std::string::npos) << Errors(none);
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

// What Heat's str_replace does at stack create with the copy for a template.
std::string HeatFill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [param, value] : values) {
    const std::string token = HeatParamToken(param);
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

TEST(PlanTest, ParamTokensReplaceParamDrivenCounts) {
  const std::string text = SerializePlan(SamplePlan(), {true});
  EXPECT_NE(text.find("count: " + HeatParamToken("workers")), std::string::npos) << text;
  // Without the token the copy is a plan dmlrun reads; with it, it is not.
  EXPECT_FALSE(ParsePlan(text, "t.yaml").plan);
}

// The copy in a Heat template: a string holding a param's hole is written
// with Heat's token in its place, inside the string's double quotes, so the
// text Heat pastes in (the parameter's allowed_pattern keeps out `"`, `\`,
// `@` and control characters) stays one YAML string.
TEST(PlanTest, QuotedTokensStayOneStringWhateverHeatPutsIn) {
  Plan p = SamplePlan();
  p.kind = JobKind::kCommand;
  p.train.reset();
  p.command = CommandSpec{"https://github.com/" + ParamHole("lab") + "/x.git", ParamHole("ref"), "",
                          "train.py", {"--tag=" + ParamHole("org"), "--plain"}, "python3"};
  SerializeOptions options;
  options.for_heat = true;
  std::string text = SerializePlan(p, options);
  EXPECT_NE(text.find("repo: \"https://github.com/" + HeatParamToken("lab") + "/x.git\""), std::string::npos) << text;
  EXPECT_NE(text.find("[\"--tag=" + HeatParamToken("org") + "\", \"--plain\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("python: \"python3\"\n"), std::string::npos) << text;

  // Values that YAML would otherwise read as something else.
  const std::string org = "a: b, [c] {d} #e 'f' & *g !h |i >j %k ~l `m";
  const std::string ref = "true";
  const std::string node_text = HeatFill(text, {{"org", org}, {"lab", "a-b"}, {"ref", ref}, {"workers", "4"}});
  LoadResult r = ParsePlan(node_text, "node.plan.yaml");
  ASSERT_TRUE(r.plan) << Errors(r) << node_text;
  EXPECT_EQ(r.plan->command->repo, "https://github.com/a-b/x.git");  // a URL holds no space
  EXPECT_EQ(r.plan->command->ref, "true");
  EXPECT_EQ(r.plan->command->args, (std::vector<std::string>{"--tag=" + org, "--plain"}));
  EXPECT_EQ(r.plan->cluster.groups[1].count, 4);
}

// Text from a .dml file cannot spell a token: in the copy for a template
// every '@' is escaped, so Heat finds only the tokens holes became.
TEST(PlanTest, TextCannotSpellAHeatToken) {
  Plan p = SamplePlan();
  p.kind = JobKind::kCommand;
  p.train.reset();
  p.command = CommandSpec{"https://x/" + ParamHole("org") + "DML_PARAM_workers@@/y.git", "", "",
                          "a@@DML_NODE_INDEX@@b.py", {HeatParamToken("workers"), "@" + ParamHole("org") + "@"},
                          "python3"};
  SerializeOptions options;
  options.for_heat = true;
  const std::string text = SerializePlan(p, options);
  size_t marks = 0;
  for (size_t at = text.find("@@"); at != std::string::npos; at = text.find("@@", at + 1)) ++marks;
  // Three tokens (two of org, one count), each with two marks; nothing else.
  EXPECT_EQ(marks, 6u) << text;
  const std::string filled = HeatFill(text, {{"org", "O"}, {"workers", "3"}});
  LoadResult r = ParsePlan(filled, "node.plan.yaml");
  ASSERT_TRUE(r.plan) << Errors(r) << filled;
  EXPECT_EQ(r.plan->command->repo, "https://x/ODML_PARAM_workers@@/y.git");
  EXPECT_EQ(r.plan->command->entrypoint, "a@@DML_NODE_INDEX@@b.py");
  EXPECT_EQ(r.plan->command->args, (std::vector<std::string>{HeatParamToken("workers"), "@O@"}));
}

// Every string is double-quoted with escapes: yaml-cpp (dmlrun) reads back
// exactly what was written, whatever YAML 1.1 would make of it unquoted.
// (The dataset's name: the one text field with no rule of field_rules.h.)
TEST(PlanTest, EveryStringReadsBackExactly) {
  const std::vector<std::string> texts = {
      "True", "yes", "no", "~", "null", "10", "0x1F", "1e3", "2024-01-01", "1:20", "=", "<<", "- a", "? x",
      "a: b", "#c", "'q'", "\"dq\"", "back\\slash", "line\nbreak", "tab\there", "del\x7f", "c1\xc2\x85",
      "ls\xe2\x80\xa8", "bom\xef\xbb\xbf", "fffe\xef\xbf\xbe", "caf\xc3\xa9", "emoji\xf0\x9f\x98\x80",
      "  padded  ", "", "@@DML_PARAM_x@@", "%YAML", "!tag", "&anchor", "*alias", "|", ">"};
  for (const std::string& t : texts) {
    Plan p = SamplePlan();
    ASSERT_TRUE(p.train);
    p.train->dataset.name = t;
    for (bool for_heat : {false, true}) {
      SerializeOptions options;
      options.for_heat = for_heat;
      const std::string text = HeatFill(SerializePlan(p, options), {{"workers", "4"}});
      LoadResult r = ParsePlan(text, "t.yaml");
      ASSERT_TRUE(r.plan) << Errors(r) << text;
      EXPECT_EQ(r.plan->train->dataset.name, t) << text;
    }
  }
}

TEST(PlanTest, ReplaceParamHolesFillsOnlyHoles) {
  EXPECT_EQ(ReplaceParamHoles(ParamHole("a") + "/" + ParamHole("ab"), {{"a", "1"}, {"ab", "2"}}), "1/2");
  // A value is not searched again, and a param without a value keeps its hole.
  EXPECT_EQ(ReplaceParamHoles(ParamHole("a") + ParamHole("b"), {{"a", ParamHole("b")}}),
            ParamHole("b") + ParamHole("b"));
  EXPECT_EQ(ReplaceParamHoles("no holes", {{"a", "1"}}), "no holes");
  EXPECT_TRUE(HasParamHole(ParamHole("a")));
  EXPECT_FALSE(HasParamHole("@@DML_PARAM_a@@"));
}

TEST(PlanTest, OtherVersionIsOneClearError) {
  const std::string current = "dml_plan: " + std::to_string(kPlanVersion);
  std::string text = SerializePlan(SamplePlan());
  text.replace(text.find(current), current.size(), "dml_plan: 99");
  text += "new_field_of_v99: 1\n";
  LoadResult r = ParsePlan(text, "new.plan.yaml");
  ASSERT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].Render().rfind("new.plan.yaml: dml_plan: plan version 99 is not supported", 0), 0u)
      << Errors(r);
}

// A plan of version 1 (before cnn, torchscript, adamw, cifar and downloads)
// is refused as a whole, saying which side is older.
TEST(PlanTest, OldVersionSaysItCameFromAnOlderDmlc) {
  const std::string current = "dml_plan: " + std::to_string(kPlanVersion);
  std::string text = SerializePlan(SamplePlan());
  text.replace(text.find(current), current.size(), "dml_plan: 1");
  LoadResult r = ParsePlan(text, "old.plan.yaml");
  ASSERT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].Render(),
            "old.plan.yaml: dml_plan: plan version 1, written by an older dmlc, is not supported (this dmlrun reads "
            "version 2); rebuild it with the dmlc of this release");
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
  EXPECT_EQ(missing.errors[0].Render(), "/nonexistent/dir/x.plan.yaml: cannot read the plan file");
}

}  // namespace
}  // namespace dml::plan
