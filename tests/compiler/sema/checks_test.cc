// The cluster and job rules: subnet size, master IP, https URLs, batch vs
// dataset, timeouts, procs vs vCPUs; each positive and negative.
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

TEST(SemaChecks, SubnetTooSmallSaysTheNumbers) {
  std::string text = Replace(kValidTrain, "cidr = 10.8.1.0/24\n    master_ip = 10.8.1.250",
                             "cidr = 10.8.1.0/28");
  auto fits = Compile(Replace(text, "param workers: int = 1", "param workers: int = 11"));
  EXPECT_EQ(fits->Errors(), 0) << fits->Rendered();

  auto c = Compile(Replace(text, "param workers: int = 1", "param workers: int = 20"));
  const diag::Diagnostic* d = c->First(Kind::subnet_too_small);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message,
            "20 workers do not fit 10.8.1.0/28: it has 16 addresses; network, broadcast, gateway, "
            "DHCP and the master take 5, leaving 11");
  ASSERT_EQ(d->notes.size(), 1u);  // points at the param's default
  EXPECT_EQ(d->notes[0].range.line, 5);

  auto literal = Compile(Replace(text, "count = workers", "count = 12"));
  EXPECT_EQ(literal->Count(Kind::subnet_too_small), 1) << literal->Rendered();

  auto tiny = Compile(Replace(text, "10.8.1.0/28", "10.8.1.0/30"));
  d = tiny->First(Kind::subnet_too_small);
  ASSERT_NE(d, nullptr) << tiny->Rendered();
  EXPECT_EQ(d->message, "10.8.1.0/30 cannot hold the master: it has 4 addresses; network, "
                        "broadcast, gateway, DHCP and the master take 5");
}

TEST(SemaChecks, MasterIpMustBeAUsableHostOfTheSubnet) {
  for (const char* bad : {"10.8.2.250", "10.8.1.0", "10.8.1.1", "10.8.1.255"}) {
    auto c = Compile(Replace(kValidTrain, "master_ip = 10.8.1.250", std::string("master_ip = ") + bad));
    EXPECT_EQ(c->Count(Kind::ip_outside_subnet), 1) << bad << "\n" << c->Rendered();
    EXPECT_EQ(c->Errors(), 1) << c->Rendered();
  }
  auto ok = Compile(Replace(kValidTrain, "master_ip = 10.8.1.250", "master_ip = 10.8.1.2"));
  EXPECT_EQ(ok->Errors(), 0) << ok->Rendered();
}

TEST(SemaChecks, RepoUrlMustBeHttps) {
  auto c = Compile(Replace(kValidRun, "\"https://github.com/example-lab/mnist-lightning.git\"",
                           "\"git@github.com:example-lab/mnist-lightning.git\""));
  const diag::Diagnostic* d = c->First(Kind::insecure_repo_url);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->help, std::vector<std::string>{
                         "use the https form: \"https://github.com/example-lab/mnist-lightning.git\""});
  auto http = Compile(Replace(kValidRun, "https://github.com", "http://example.org"));
  EXPECT_EQ(http->Count(Kind::insecure_repo_url), 1) << http->Rendered();

  auto runtime = Compile(Replace(kValidRun, "key_pair = key_name",
                                 "key_pair = key_name\n  runtime { url = \"http://github.com/x/dml.git\" }"));
  EXPECT_EQ(runtime->Count(Kind::insecure_repo_url), 1) << runtime->Rendered();
}

TEST(SemaChecks, BatchTimesWorldSizeAgainstTheDataset) {
  // 64 x (1 + 937) = 60032 > 60000; 64 x (1 + 936) = 59968 fits.
  auto ok = Compile(Replace(kValidTrain, "cidr = 10.8.1.0/24\n    master_ip = 10.8.1.250",
                            "cidr = 10.8.0.0/16"));
  EXPECT_EQ(ok->Errors(), 0) << ok->Rendered();
  std::string big = Replace(kValidTrain, "cidr = 10.8.1.0/24\n    master_ip = 10.8.1.250",
                            "cidr = 10.8.0.0/16");
  auto fits = Compile(Replace(big, "param workers: int = 1", "param workers: int = 936"));
  EXPECT_EQ(fits->Errors(), 0) << fits->Rendered();
  auto c = Compile(Replace(big, "param workers: int = 1", "param workers: int = 937"));
  const diag::Diagnostic* d = c->First(Kind::batch_exceeds_dataset);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "batch 64 per rank x world size 938 = 60032 exceeds the 60000 training "
                        "samples of `fashion-mnist`");
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
}

TEST(SemaChecks, TimeoutsMustBeShorterThanTheJob) {
  auto c = Compile(Replace(kValidTrain, "job = 2h", "job = 5m"));
  EXPECT_EQ(c->Count(Kind::value_out_of_range), 2) << c->Rendered();  // rendezvous 10m, collective 5m
}

TEST(SemaChecks, ProcsBeyondVcpusIsAWarning) {
  auto c = Compile(Replace(kValidTrain, "procs = 1\n  }\n  workers", "procs = 3\n  }\n  workers"));
  EXPECT_EQ(c->Count(Kind::procs_exceed_vcpus), 1) << c->Rendered();
  EXPECT_EQ(c->Errors(), 0) << c->Rendered();
  EXPECT_EQ(c->result.deployments.size(), 1u);
}

TEST(SemaChecks, DebRuntimeNeedsUrlAndSha256) {
  auto c = Compile(Replace(kValidRun, "key_pair = key_name",
                           "key_pair = key_name\n  runtime { source = \"deb\" }"));
  EXPECT_EQ(c->Count(Kind::missing_field), 2) << c->Rendered();
  auto bad_sha = Compile(Replace(kValidRun, "key_pair = key_name",
                                 "key_pair = key_name\n  runtime {\n source = \"deb\"\n"
                                 " url = \"https://example.org/dml.deb\"\n sha256 = \"abc\" }"));
  EXPECT_EQ(bad_sha->Count(Kind::value_out_of_range), 1) << bad_sha->Rendered();
}

// What dmlrun's plan reader refuses (runtime/plan/field_rules.h), dmlc
// refuses at the value; what it accepts compiles.
TEST(SemaChecks, PlanTextFollowsTheRulesDmlrunApplies) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"ref = \"main\"", "ref = \"v1.2/rc-1\""},
           {"ref = \"main\"", "ref = \"0123456789abcdef0123456789abcdef01234567\""},
           {"requirements = \".\"", "requirements = \"\""},
           {"requirements = \".\"", "requirements = \"deps/cpu\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"./src/..train.py\""},
           {"args = [\"--epochs\", \"10\"]", "args = [\"--epochs\", \"$(id) ../x\\n\"]"},
       }) {
    auto ok = Compile(Replace(kValidRun, from, to));
    EXPECT_EQ(ok->Errors(), 0) << to << "\n" << ok->Rendered();
  }
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"ref = \"main\"", "ref = \"- a\""},
           {"ref = \"main\"", "ref = \"a..b\""},
           {"requirements = \".\"", "requirements = \"../x\""},
           {"requirements = \".\"", "requirements = \"/abs\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"../../../etc/passwd\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"a/../b.py\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"-x.py\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"a\\nb.py\""},
           {"entrypoint = \"train.py\"", "entrypoint = \"\""},
           {"repo = \"https://github.com/example-lab/mnist-lightning.git\"", "repo = \"https:///x.git\""},
       }) {
    auto bad = Compile(Replace(kValidRun, from, to));
    const diag::Diagnostic* d = bad->First(Kind::value_out_of_range);
    ASSERT_NE(d, nullptr) << to << "\n" << bad->Rendered();
    EXPECT_EQ(bad->Errors(), 1) << bad->Rendered();
    // At the value, which starts after `field = `.
    EXPECT_EQ(d->range.column, static_cast<int>(to.find('"')) + 5) << to << "\n" << bad->Rendered();
  }
}

TEST(SemaChecks, PreinstalledRuntimeTakesNoUrlRefOrSha256) {
  auto ok = Compile(Replace(kValidRun, "key_pair = key_name",
                            "key_pair = key_name\n  runtime { source = preinstalled }"));
  EXPECT_EQ(ok->Errors(), 0) << ok->Rendered();
  ASSERT_EQ(ok->result.deployments.size(), 1u);
  EXPECT_EQ(ok->result.deployments[0].runtime.kind, ir::RuntimeSource::Kind::kPreinstalled);
  EXPECT_TRUE(ok->result.deployments[0].runtime.url.empty());
  auto bad = Compile(Replace(kValidRun, "key_pair = key_name",
                             "key_pair = key_name\n  runtime { source = preinstalled, ref = \"main\" }"));
  EXPECT_EQ(bad->Count(Kind::conflicting_fields), 1) << bad->Rendered();
}

}  // namespace
}  // namespace dml::sema::testing
