// dmlc plan's summary on hand-made deployments: the cases the samples do not
// reach (several processes per node, unknown flavor sizes, empty groups).
#include "compiler/driver/plan_summary.h"

#include <gtest/gtest.h>

namespace dml::driver {
namespace {

ir::Deployment TwoGroups() {
  ir::Deployment d;
  d.name = "big";
  d.description = "test";
  d.network.cidr = "10.0.0.0/20";
  d.network.gateway = "10.0.0.1";
  d.network.master_ip = "10.0.15.254";
  d.network.allocation_pools = {{"10.0.0.2", "10.0.15.253"}};
  ir::NodeGroup master;
  master.name = "master";
  master.flavor = ir::Value::Literal("m1.xlarge");
  master.image = ir::Value::Param("image");
  master.procs_per_node = 4;
  master.vcpus = 8;
  master.ram_mb = 16384;
  ir::NodeGroup workers = master;
  workers.name = "workers";
  workers.count = 1000;
  workers.count_param = "workers";
  workers.first_node_rank = 1;
  workers.procs_per_node = 2;
  workers.ram_mb = 1536;
  d.groups = {master, workers};
  d.params.push_back({"image", ir::ParamType::kString, "CC-Debian12"});
  d.plan.timeouts.job_s = 5400;
  return d;
}

TEST(PlanSummary, RanksFollowProcessesPerNode) {
  const std::string text = RenderPlanSummary(TwoGroups());
  EXPECT_NE(text.find("  0       master   0-3     10.0.15.254 (fixed)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  1-1000  workers  4-2003  DHCP from 10.0.0.2-10.0.15.253\n"), std::string::npos) << text;
  EXPECT_NE(text.find("world size  2004 ranks on 1001 nodes\n"), std::string::npos) << text;
  // 8 + 1000 x 8 vCPUs; 16 GiB + 1000 x 1.5 GiB.
  EXPECT_NE(text.find("total       8008 vCPUs, 1516 GiB RAM\n"), std::string::npos) << text;
  EXPECT_NE(text.find("1h30m per run: at most 1501.5 node-hours (1001 nodes x 1h30m)"), std::string::npos) << text;
  EXPECT_NE(text.find("1000 (param `workers`)"), std::string::npos);
  EXPECT_NE(text.find("CC-Debian12"), std::string::npos);  // the image param's default
}

// Strings of the file reach the terminal through diag::ForDisplay: an
// entrypoint, image or param default cannot clear the screen, recolour it
// or print a line that looks like dmlc's own (issue 8).
TEST(PlanSummary, StringsOfTheFileCannotControlTheTerminal) {
  ir::Deployment d = TwoGroups();
  d.plan.command = plan::CommandSpec{};
  d.plan.command->repo = "https://example.org/r.git";
  d.plan.command->entrypoint = "train.py\n\x1b[2Jjob `ok`: all fine\r";
  d.groups[0].image = ir::Value::Literal("img\x1b]0;title\x07\xc2\x9b" "31m");
  d.text_params.push_back({"note", "line\nforged"});
  d.description = "first\nsecond\x1b[1m";
  const std::string text = RenderPlanSummary(d);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
  EXPECT_NE(text.find("run train.py??[2Jjob `ok`: all fine? from https://example.org/r.git\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\"line?forged\""), std::string::npos) << text;
  EXPECT_NE(text.find("img?]0;title??31m"), std::string::npos) << text;
  EXPECT_NE(text.find("  first\n  second?[1m\n"), std::string::npos) << text;  // its own lines, indented
}

TEST(PlanSummary, UnknownFlavorSizesAreSaidNotGuessed) {
  ir::Deployment d = TwoGroups();
  d.groups[1].vcpus.reset();
  const std::string text = RenderPlanSummary(d);
  EXPECT_NE(text.find("total       unknown: the flavor of `workers` is given by name only"), std::string::npos)
      << text;
}

TEST(PlanSummary, AnEmptyGroupHasNoRanks) {
  ir::Deployment d = TwoGroups();
  d.groups[1].count = 0;
  const std::string text = RenderPlanSummary(d);
  EXPECT_EQ(text.find("DHCP"), std::string::npos) << text;
  EXPECT_NE(text.find("world size  4 ranks on 1 node\n"), std::string::npos) << text;
  EXPECT_NE(text.find("at most 1.5 node-hours"), std::string::npos) << text;
}

TEST(PlanSummary, DurationsAndMemory) {
  EXPECT_EQ(DurationText(7200), "2h");
  EXPECT_EQ(DurationText(5400), "1h30m");
  EXPECT_EQ(DurationText(90), "1m30s");
  EXPECT_EQ(DurationText(0), "0s");
  EXPECT_EQ(MemoryText(512), "512 MiB");
  EXPECT_EQ(MemoryText(4096), "4 GiB");
  EXPECT_EQ(MemoryText(1536), "1.5 GiB");
}

}  // namespace
}  // namespace dml::driver
