// The scaling model's inputs as read from a compiled job: the MLP's size and
// arithmetic, the nodes at their planned count, threads as dmlrun would run
// them, the flavor's and the site's speeds; and the jobs it cannot model.
#include "compiler/scaling/from_deployment.h"

#include <gtest/gtest.h>

#include "tests/compiler/scaling/paper_deployment.h"

namespace dml::scaling {
namespace {

ir::NodeGroup Group(const std::string& name, int count, int procs, int64_t vcpus, std::optional<double> gmacs) {
  ir::NodeGroup g;
  g.name = name;
  g.count = count;
  g.procs_per_node = procs;
  g.vcpus = vcpus;
  g.core_gmacs = gmacs;
  return g;
}

ir::Deployment PaperJob() { return testing::PaperDeployment(16); }

TEST(ScalingFromDeployment, ThePapersMlp) {
  const Modelled m = FromDeployment(PaperJob());
  ASSERT_TRUE(m.job) << m.unavailable;
  EXPECT_EQ(m.job->work.parameters, 79510);  // as dmlrun prints it
  EXPECT_EQ(m.job->work.forward_macs, 784 * 100 + 100 * 10);
  EXPECT_EQ(m.job->work.batch_per_rank, 64);
  EXPECT_EQ(m.job->work.epochs, 10);
  EXPECT_EQ(m.job->planned_nodes, 17);
  EXPECT_EQ(m.job->nodes.ranks_per_node, 1);
  EXPECT_EQ(m.job->nodes.threads_per_rank, 1);  // 2 cores allowed; a batch of 64 uses one
  EXPECT_DOUBLE_EQ(m.job->nodes.core_macs_per_s, 46e9);
  EXPECT_DOUBLE_EQ(m.job->nodes.link.bytes_per_s, 1.25e9);
  EXPECT_DOUBLE_EQ(m.job->nodes.link.latency_s, 0.1e-3);
  EXPECT_EQ(m.job->model, "mlp 784-100-10");
}

TEST(ScalingFromDeployment, ThreadsAsDmlrunRunsThem) {
  ir::Deployment d = PaperJob();
  d.plan.train->batch_per_rank = 512;  // four threads' worth of rows
  d.groups = {Group("master", 1, 2, 8, 46)};
  EXPECT_EQ(FromDeployment(d).job->nodes.threads_per_rank, 4);  // 8 cores / 2 ranks
  d.groups = {Group("master", 1, 4, 8, 46)};
  EXPECT_EQ(FromDeployment(d).job->nodes.threads_per_rank, 2);
  d.plan.train->threads_per_rank = 1;  // the plan's own setting wins
  EXPECT_EQ(FromDeployment(d).job->nodes.threads_per_rank, 1);
}

TEST(ScalingFromDeployment, UnlikeGroupsTakeTheSlowestCoreAndTheMostRanks) {
  ir::Deployment d = PaperJob();
  d.groups = {Group("head", 1, 1, 2, 46), Group("gpu", 3, 4, 8, 20), Group("spare", 0, 8, 8, 1)};
  const Modelled m = FromDeployment(d);
  ASSERT_TRUE(m.job);
  EXPECT_EQ(m.job->planned_nodes, 4);
  EXPECT_EQ(m.job->nodes.ranks_per_node, 4);            // the empty group counts for nothing
  EXPECT_DOUBLE_EQ(m.job->nodes.core_macs_per_s, 20e9);
}

TEST(ScalingFromDeployment, ARepoJobHasNoEstimate) {
  ir::Deployment d = PaperJob();
  d.plan.train.reset();
  d.plan.command = plan::CommandSpec{};
  const Modelled m = FromDeployment(d);
  EXPECT_FALSE(m.job);
  EXPECT_NE(m.unavailable.find("repo job"), std::string::npos) << m.unavailable;
}

TEST(ScalingFromDeployment, AFlavorGivenByNameHasNoSpeed) {
  ir::Deployment d = PaperJob();
  d.groups[1].core_gmacs.reset();
  const Modelled m = FromDeployment(d);
  EXPECT_FALSE(m.job);
  EXPECT_NE(m.unavailable.find("`workers`"), std::string::npos) << m.unavailable;
}

TEST(ScalingFromDeployment, ASiteWithoutALinkHasNoEstimate) {
  ir::Deployment d = PaperJob();
  d.link.reset();
  EXPECT_FALSE(FromDeployment(d).job);
}

}  // namespace
}  // namespace dml::scaling
