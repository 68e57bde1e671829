// The private network's rules: a private range unless `public_cidr = true`,
// DNS servers each once and outside the subnet (issue 8).
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

std::string WithNetwork(const std::string& body) {
  return Replace(kValidTrain, "cidr = 10.8.1.0/24\n    master_ip = 10.8.1.250", body);
}

TEST(SemaNetworkChecks, PublicRangesNeedAnExplicitOptIn) {
  for (const char* cidr : {"0.0.0.0/0", "8.8.8.0/24", "172.32.0.0/16", "192.0.2.0/24"}) {
    auto c = Compile(WithNetwork(std::string("cidr = ") + cidr + "\n    dns = [10.255.255.1]"));
    const diag::Diagnostic* d = c->First(Kind::public_subnet);
    ASSERT_NE(d, nullptr) << cidr << "\n" << c->Rendered();
    EXPECT_EQ(d->range.line, 11) << c->Rendered();
    EXPECT_NE(d->message.find("is not a private range"), std::string::npos) << d->message;
    ASSERT_EQ(d->help.size(), 2u);
    EXPECT_NE(d->help[1].find("`public_cidr = true`"), std::string::npos);
  }
  auto opted = Compile(WithNetwork("cidr = 192.0.2.0/24\n    public_cidr = true"));
  EXPECT_EQ(opted->Errors(), 0) << opted->Rendered();
  for (const char* cidr : {"10.8.1.0/24", "172.20.0.0/16", "192.168.1.0/24", "100.64.3.0/24"}) {
    auto c = Compile(WithNetwork(std::string("cidr = ") + cidr));
    EXPECT_EQ(c->Errors(), 0) << cidr << "\n" << c->Rendered();
  }
}

TEST(SemaNetworkChecks, DnsServerInsideTheSubnetIsAnError) {
  // The default 8.8.8.8 inside an opted-in 8.8.8.0/24: said to be the default.
  auto c = Compile(WithNetwork("cidr = 8.8.8.0/24\n    public_cidr = true"));
  const diag::Diagnostic* d = c->First(Kind::invalid_dns_server);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message,
            "the default DNS server 8.8.8.8 lies inside the subnet 8.8.8.0/24: the nodes would look for it among "
            "themselves");
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();

  auto written = Compile(WithNetwork("cidr = 10.8.1.0/24\n    dns = [8.8.4.4, 10.8.1.53]"));
  d = written->First(Kind::invalid_dns_server);
  ASSERT_NE(d, nullptr) << written->Rendered();
  EXPECT_EQ(d->message.rfind("DNS server 10.8.1.53 lies inside", 0), 0u) << d->message;
  EXPECT_EQ(d->range.line, 12);
  EXPECT_EQ(written->Errors(), 1) << written->Rendered();
}

TEST(SemaNetworkChecks, DuplicateDnsServersAreAnError) {
  auto c = Compile(WithNetwork("cidr = 10.8.1.0/24\n    dns = [8.8.8.8, 1.1.1.1, 8.8.8.8]"));
  const diag::Diagnostic* d = c->First(Kind::invalid_dns_server);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "DNS server 8.8.8.8 is listed twice; Neutron refuses the subnet");
  EXPECT_EQ(d->range.column, 30) << c->Rendered();  // the second one
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
  auto distinct = Compile(WithNetwork("cidr = 10.8.1.0/24\n    dns = [8.8.8.8, 1.1.1.1]"));
  EXPECT_EQ(distinct->Errors(), 0) << distinct->Rendered();
}

}  // namespace
}  // namespace dml::sema::testing
