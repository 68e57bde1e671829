// dmlc plan's scaling advice on hand-made deployments: the warning's place,
// its help (the count param's value that pays off), no warning where the
// nodes pay off or no estimate exists, and the section's wording then.
#include "compiler/driver/plan_scaling.h"

#include <gtest/gtest.h>

#include "tests/compiler/scaling/paper_deployment.h"

namespace dml::driver {
namespace {

ir::Deployment Paper(int workers) { return scaling::testing::PaperDeployment(workers); }

const diag::SourceRange kSize{0, 31, 13, 7};

TEST(PlanScaling, WarnsAtTheSizeWithTheParamsValueThatPays) {
  diag::DiagnosticSink sink;
  CheckScaling(Paper(16), kSize, sink);
  const std::vector<diag::Diagnostic> found = sink.Sorted();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, diag::Kind::past_scaling_limit);
  EXPECT_EQ(found[0].range.line, 31);
  EXPECT_EQ(found[0].range.column, 13);
  EXPECT_NE(found[0].message.find("17 nodes"), std::string::npos) << found[0].message;
  ASSERT_FALSE(found[0].help.empty());
  EXPECT_NE(found[0].help[0].find("`--parameter workers=0`"), std::string::npos) << found[0].help[0];
  EXPECT_FALSE(sink.HasErrors());  // a warning: the plan still prints
}

TEST(PlanScaling, NoWarningWhereTheNodesPay) {
  diag::DiagnosticSink sink;
  CheckScaling(Paper(0), kSize, sink);  // one node
  // A link that costs nothing, and training long enough that the start-up
  // does not dominate (at 10 epochs 1.8 s of it against 3.3 s of training
  // make a second node return just half a node's work).
  ir::Deployment fast = Paper(16);
  fast.link = ir::Link{1e9, 0};
  fast.plan.train->epochs = 1000;
  CheckScaling(fast, kSize, sink);
  EXPECT_EQ(sink.WarningCount(), 0);
  const std::string text = ScalingSection(fast);
  EXPECT_NE(text.find("pays off  up to "), std::string::npos) << text;
  EXPECT_EQ(text.find("pays off  up to 1 node"), std::string::npos) << text;
}

TEST(PlanScaling, ARepoJobHasNoEstimateAndNoWarning) {
  ir::Deployment repo = Paper(16);
  repo.plan.train.reset();
  repo.plan.command = plan::CommandSpec{};
  diag::DiagnosticSink sink;
  CheckScaling(repo, kSize, sink);
  EXPECT_EQ(sink.WarningCount(), 0);
  EXPECT_EQ(ScalingSection(repo), "scaling estimate\n  unavailable: dmlc does not know the model of a repo job\n");
}

TEST(PlanScaling, TheSectionShowsThePlannedSizeAndTheCountThatPays) {
  const std::string text = ScalingSection(Paper(1));
  EXPECT_NE(text.find("79,510 parameters (311 KiB of gradients)"), std::string::npos) << text;
  EXPECT_NE(text.find("at 2 nodes: 0.33 ms computing a batch of 64, 0.67 ms in the allreduce over 2 ranks"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pays off  up to 1 node"), std::string::npos) << text;
}

}  // namespace
}  // namespace dml::driver
