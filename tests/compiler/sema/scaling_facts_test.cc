// What the scaling estimate reads from a checked cluster: the site's link and
// each group's core speed (the stdlib's values, a file's overrides, none for
// a flavor given by name), and where the cluster's size is written.
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

TEST(SemaScalingFacts, TheStdlibsSiteAndFlavor) {
  auto c = Compile(kValidTrain);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments.at(0);
  ASSERT_TRUE(d.link);
  EXPECT_DOUBLE_EQ(d.link->gbit_per_s, 10);
  EXPECT_DOUBLE_EQ(d.link->latency_s, 0.1e-3);
  for (const ir::NodeGroup& g : d.groups) {
    ASSERT_TRUE(g.core_gmacs) << g.name;
    EXPECT_DOUBLE_EQ(*g.core_gmacs, 46) << g.name;  // the prelude's default
  }
  // The size: `count = workers`, line 20 of the file, column 13.
  const diag::SourceRange size = c->result.sites.at(0).size;
  EXPECT_EQ(size.line, 20);
  EXPECT_EQ(size.column, 13);
}

TEST(SemaScalingFacts, OverridesInTheFile) {
  std::string text = Replace(kValidTrain, "site = chameleon.kvm_tacc",
                             "site = site { name = \"lab\", external_network = \"ext\", "
                             "link = link { gbit_per_s = 25, latency = 20ms / 1000 } }");
  text = Replace(text, "flavor = chameleon.m1_medium\n    image = chameleon.debian12\n    procs = 1\n  }\n  workers",
                 "flavor = flavor { name = \"f\", vcpus = 4, ram = 8GiB, core_gmacs = 12.5 }\n"
                 "    image = chameleon.debian12\n    procs = 1\n  }\n  workers");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments.at(0);
  ASSERT_TRUE(d.link);
  EXPECT_DOUBLE_EQ(d.link->gbit_per_s, 25);
  EXPECT_DOUBLE_EQ(d.link->latency_s, 20e-6);
  EXPECT_DOUBLE_EQ(d.groups.at(0).core_gmacs.value_or(0), 12.5);  // master: the file's flavor
  EXPECT_DOUBLE_EQ(d.groups.at(1).core_gmacs.value_or(0), 46);    // workers: the stdlib's
}

TEST(SemaScalingFacts, AFlavorByNameHasNoSpeedAndASiteWithoutLinkTheDefault) {
  std::string text = Replace(kValidTrain, "site = chameleon.kvm_tacc",
                             "site = site { name = \"lab\", external_network = \"ext\" }");
  text = Replace(text, "count = workers\n    flavor = chameleon.m1_medium",
                 "count = workers\n    flavor = \"m1.large\"");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments.at(0);
  ASSERT_TRUE(d.link);
  EXPECT_DOUBLE_EQ(d.link->gbit_per_s, 10);  // the prelude's default link
  EXPECT_TRUE(d.groups.at(0).core_gmacs);
  EXPECT_FALSE(d.groups.at(1).core_gmacs);
}

TEST(SemaScalingFacts, ASizeWithoutCountIsTheGroupsName) {
  std::string text = Replace(kValidTrain, "  workers {\n    count = workers\n    flavor = chameleon.m1_medium\n"
                                          "    image = chameleon.debian12\n    procs = 1\n  }\n",
                             "");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const diag::SourceRange size = c->result.sites.at(0).size;
  EXPECT_EQ(size.line, 14);  // `master {`
  EXPECT_TRUE(size.valid());
}

}  // namespace
}  // namespace dml::sema::testing
