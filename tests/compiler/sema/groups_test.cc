// Node groups and heterogeneous clusters, reservations, quotas, import
// cycles and what the runtime supports.
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

const char* const kGroups = R"(import chameleon

param key_name: string
param gpus: int = 2
param lease: string

cluster hetero {
  site = chameleon.chi_tacc
  key_pair = key_name
  network { cidr = 10.8.1.0/24 }
  group head { count = 1, flavor = chameleon.m1_medium, image = chameleon.debian12, procs = 2 }
  group cpu { count = 3, flavor = chameleon.m1_large, image = chameleon.debian12, procs = 4 }
  group gpu {
    count = gpus
    flavor = chameleon.baremetal
    image = chameleon.debian13
    procs = 1
    reservation = lease
  }
}

job j on hetero {
  run { repo = "https://github.com/example-lab/x.git", entrypoint = "main.py" }
}
)";

TEST(SemaGroups, HeterogeneousGroupsLowerInRankOrder) {
  auto c = Compile(kGroups);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  ASSERT_EQ(d.groups.size(), 3u);
  EXPECT_EQ(d.groups[0].name, "head");
  EXPECT_EQ(d.groups[0].procs_per_node, 2);
  EXPECT_EQ(d.groups[1].name, "cpu");
  EXPECT_EQ(d.groups[1].first_node_rank, 1);
  EXPECT_EQ(d.groups[1].procs_per_node, 4);
  EXPECT_EQ(d.groups[1].vcpus, 4);
  EXPECT_EQ(d.groups[1].ram_mb, 8192);
  EXPECT_EQ(d.groups[2].name, "gpu");
  EXPECT_EQ(d.groups[2].first_node_rank, 4);
  EXPECT_EQ(d.groups[2].count_param, "gpus");
  EXPECT_EQ(d.groups[0].flavor.param, "head_flavor");
  EXPECT_EQ(d.groups[2].flavor.param, "gpu_flavor");
  EXPECT_EQ(d.groups[2].image.param, "gpu_image");  // images differ: one parameter each
  ASSERT_TRUE(d.groups[2].reservation);
  EXPECT_EQ(d.groups[2].reservation->param, "lease");
  EXPECT_FALSE(d.groups[0].reservation);
  // The plan's ranks follow: 2 + 3 x 4 + 2 x 1.
  EXPECT_EQ(plan::WorldSize(d.plan), 16);
  std::vector<plan::NodeInfo> nodes = plan::ExpandNodes(d.plan);
  ASSERT_EQ(nodes.size(), 6u);
  EXPECT_EQ(nodes[1].group, "cpu");
  EXPECT_EQ(nodes[1].first_global_rank, 2);
  EXPECT_EQ(nodes[4].group, "gpu");
  EXPECT_EQ(nodes[4].first_global_rank, 14);
  const ir::HeatParam* gpus = d.Param("gpus");
  ASSERT_NE(gpus, nullptr);
  EXPECT_EQ(gpus->range_max, 251 + 1 - 4);  // the /24 less head and cpu nodes
}

TEST(SemaGroups, ALiteralReservationBecomesAParameter) {
  auto c = Compile(Replace(kGroups, "reservation = lease", "reservation = \"3f2a-lease\""));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  ASSERT_TRUE(d.groups[2].reservation);
  EXPECT_EQ(d.groups[2].reservation->param, "gpu_reservation");
  const ir::HeatParam* p = d.Param("gpu_reservation");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->default_value, "3f2a-lease");
}

TEST(SemaGroups, AFirstGroupOfSeveralNodesIsSplitAtTheMaster) {
  auto c = Compile(Replace(kGroups, "group head { count = 1", "group head { count = 3"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  ASSERT_EQ(d.groups.size(), 4u);
  EXPECT_EQ(d.groups[0].name, "head");
  EXPECT_EQ(d.groups[0].count, 1);
  EXPECT_EQ(d.groups[1].name, "head_others");
  EXPECT_EQ(d.groups[1].count, 2);
  EXPECT_EQ(d.groups[1].first_node_rank, 1);
  EXPECT_EQ(d.groups[2].first_node_rank, 3);
  EXPECT_EQ(d.groups[3].first_node_rank, 6);
  EXPECT_TRUE(plan::Validate(d.plan).empty());

  auto zero = Compile(Replace(kGroups, "group head { count = 1", "group head { count = 0"));
  EXPECT_EQ(zero->Count(Kind::value_out_of_range), 1) << zero->Rendered();
  auto param = Compile(Replace(kGroups, "group head { count = 1", "group head { count = gpus"));
  EXPECT_EQ(param->Count(Kind::param_not_allowed), 1) << param->Rendered();
}

TEST(SemaGroups, ProcsAgainstVcpusPerGroup) {
  auto c = Compile(Replace(kGroups, "image = chameleon.debian12, procs = 4", "image = chameleon.debian12, procs = 6"));
  EXPECT_EQ(c->Errors(), 0) << c->Rendered();
  const diag::Diagnostic* d = c->First(Kind::procs_exceed_vcpus);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "6 processes per node on flavor `m1.large` with 4 vCPUs: ranks will share cores");
}

TEST(SemaGroups, QuotasMustFitAndNarrowTheCountRange) {
  auto fits = Compile(Replace(kGroups, "network { cidr = 10.8.1.0/24 }",
                              "network { cidr = 10.8.1.0/24 }\n  quota { instances = 10, vcpus = 40, ram = 80GiB }"));
  ASSERT_EQ(fits->Errors(), 0) << fits->Rendered();
  const ir::HeatParam* gpus = fits->result.deployments[0].Param("gpus");
  ASSERT_NE(gpus, nullptr);
  EXPECT_EQ(gpus->range_max, 6);  // 10 instances less head and cpu

  auto over = Compile(Replace(kGroups, "network { cidr = 10.8.1.0/24 }",
                              "network { cidr = 10.8.1.0/24 }\n  quota { instances = 5, vcpus = 10 }"));
  ASSERT_EQ(over->Count(Kind::quota_exceeded), 2) << over->Rendered();
  EXPECT_EQ(over->First(Kind::quota_exceeded)->message,
            "the cluster needs 6 instances (1 head + 3 cpu + 2 gpu), but the quota allows 5 instances");
  // The gpu group's flavor is a name, so its vCPUs are unknown; the known
  // groups alone already exceed 10.
  const diag::Diagnostic* vcpus = over->diagnostics[1].message.find("vCPUs") != std::string::npos
                                      ? &over->diagnostics[1] : &over->diagnostics[0];
  EXPECT_EQ(vcpus->message,
            "the cluster needs at least 14 vCPUs (1 head x 2 on m1.medium + 3 cpu x 4 on m1.large; the flavor of "
            "`gpu` does not say), but the quota allows 10 vCPUs");
  auto site = Compile(Replace(kGroups, "site = chameleon.chi_tacc",
                              "site = site { name = \"lab\", external_network = \"public\", quota = quota { instances = 4 } }"));
  const diag::Diagnostic* d = site->First(Kind::quota_exceeded);
  ASSERT_NE(d, nullptr) << site->Rendered();
  EXPECT_EQ(d->message, "the cluster needs 6 instances (1 head + 3 cpu + 2 gpu), but site `lab`'s quota allows 4 instances");
}

TEST(SemaGroups, ImportCycleIsReportedOnceAtTheClosingImport) {
  std::map<std::string, std::string> modules = Stdlib();
  modules["a"] = "import b\nlet x = 1\n";
  modules["b"] = "import a\nlet y = a.x\n";
  auto c = Compile(Replace(kGroups, "import chameleon", "import chameleon\nimport a"), modules);
  ASSERT_EQ(c->Errors(), 1) << c->Rendered();
  const diag::Diagnostic* d = c->First(Kind::import_cycle);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->message, "import cycle: `a` imports `b` imports `a`");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].message, "`a` imports `b` here");
  // A module importing itself.
  modules["self"] = "import self\n";
  auto self = Compile(Replace(kGroups, "import chameleon", "import chameleon\nimport self"), modules);
  EXPECT_EQ(self->Count(Kind::import_cycle), 1) << self->Rendered();
}

// dmlrun runs every model and optimizer the prelude declares
// (runtime/plan/capabilities.h); golden fail_unsupported_by_runtime covers
// a language ahead of it.
TEST(SemaGroups, RuntimeRunsWhatThePreludeDeclares) {
  auto cnn = Compile(Replace(kValidTrain, "model = mlp { layers = [784, 100, 10], activation = \"relu\" }",
                             "model = cnn { channels = [8] }"));
  EXPECT_EQ(cnn->Errors(), 0) << cnn->Rendered();
  auto adamw = Compile(Replace(kValidTrain, "optimizer = adam { lr = 1e-3 }", "optimizer = adamw { weight_decay = 0.05 }"));
  EXPECT_EQ(adamw->Errors(), 0) << adamw->Rendered();
  auto sgd = Compile(Replace(kValidTrain, "optimizer = adam { lr = 1e-3 }", "optimizer = sgd { lr = 0.1 }"));
  EXPECT_EQ(sgd->Errors(), 0) << sgd->Rendered();
}

// The model against the dataset (fashion_mnist: [1, 28, 28], 10 classes).
TEST(SemaGroups, ModelMatchesTheDataset) {
  const std::string mlp = "model = mlp { layers = [784, 100, 10], activation = \"relu\" }";
  auto wide = Compile(Replace(kValidTrain, mlp, "model = mlp { layers = [785, 10] }"));
  EXPECT_EQ(wide->Count(Kind::input_shape_mismatch), 1) << wide->Rendered();
  auto outputs = Compile(Replace(kValidTrain, mlp, "model = mlp { layers = [784, 9] }"));
  EXPECT_EQ(outputs->Count(Kind::classes_mismatch), 1) << outputs->Rendered();
  auto colour = Compile(Replace(kValidTrain, mlp, "model = cnn { input = [3, 28, 28] }"));
  EXPECT_EQ(colour->Count(Kind::input_shape_mismatch), 1) << colour->Rendered();
  // 28 -> 26 -> 13 -> 11 -> 5 -> 3 -> 1: three layers fit, a fourth does not.
  auto three = Compile(Replace(kValidTrain, mlp, "model = cnn { channels = [4, 4, 4] }"));
  EXPECT_EQ(three->Errors(), 0) << three->Rendered();
  auto four = Compile(Replace(kValidTrain, mlp, "model = cnn { channels = [4, 4, 4, 4] }"));
  const diag::Diagnostic* d = four->First(Kind::image_too_small);
  ASSERT_NE(d, nullptr) << four->Rendered();
  EXPECT_EQ(d->message, "conv layer 4 gets a 1x1 image, smaller than its 3x3 kernel");
  auto scripted = Compile(Replace(kValidTrain, mlp,
                                  "model = torchscript { path = \"net.pt\", input = [1, 28, 28], classes = 10 }"));
  EXPECT_EQ(scripted->Errors(), 0) << scripted->Rendered();
}

}  // namespace
}  // namespace dml::sema::testing
