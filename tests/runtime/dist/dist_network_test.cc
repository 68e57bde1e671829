// CIDR parsing and choosing the interface in the plan's subnet.
#include <gtest/gtest.h>

#include "runtime/dist/cidr.h"
#include "runtime/dist/interface.h"

namespace dml::dist {
namespace {

TEST(DistCidr, ParsesBlockAndTestsMembership) {
  CidrParse parsed = ParseCidr("10.8.1.0/24");
  ASSERT_TRUE(parsed.cidr) << base::Render(parsed.error);
  EXPECT_EQ(parsed.cidr->prefix_length, 24);
  EXPECT_EQ(parsed.cidr->ToString(), "10.8.1.0/24");
  EXPECT_TRUE(parsed.cidr->Contains(*ParseIpv4("10.8.1.250")));
  EXPECT_TRUE(parsed.cidr->Contains(*ParseIpv4("10.8.1.0")));
  EXPECT_FALSE(parsed.cidr->Contains(*ParseIpv4("10.8.2.1")));
  EXPECT_FALSE(parsed.cidr->Contains(*ParseIpv4("11.8.1.1")));
}

TEST(DistCidr, EdgePrefixes) {
  CidrParse all = ParseCidr("0.0.0.0/0");
  ASSERT_TRUE(all.cidr) << base::Render(all.error);
  EXPECT_TRUE(all.cidr->Contains(*ParseIpv4("203.0.113.9")));
  CidrParse host = ParseCidr("192.168.1.7/32");
  ASSERT_TRUE(host.cidr) << base::Render(host.error);
  EXPECT_TRUE(host.cidr->Contains(*ParseIpv4("192.168.1.7")));
  EXPECT_FALSE(host.cidr->Contains(*ParseIpv4("192.168.1.6")));
}

TEST(DistCidr, RejectsMalformedText) {
  for (const char* bad : {"10.8.1.0", "10.8.1/24", "10.8.1.0/33", "10.8.1.256/24", "10.8.1.0/",
                          "a.b.c.d/8", "10.8.1.0/24x", "", "10.8.1.0/-1"}) {
    CidrParse parsed = ParseCidr(bad);
    EXPECT_FALSE(parsed.cidr) << bad;
    EXPECT_NE(base::Render(parsed.error).find(std::string("'") + bad + "'"), std::string::npos)
        << base::Render(parsed.error);
  }
}

TEST(DistCidr, HostBitsSuggestTheBlock) {
  CidrParse parsed = ParseCidr("10.8.1.7/24");
  EXPECT_FALSE(parsed.cidr);
  EXPECT_NE(base::Render(parsed.error).find("10.8.1.0/24"), std::string::npos) << base::Render(parsed.error);
}

TEST(DistIpv4, StrictDottedQuad) {
  EXPECT_EQ(ParseIpv4("1.2.3.4"), 0x01020304u);
  EXPECT_EQ(FormatIpv4(0x0a0801fau), "10.8.1.250");
  EXPECT_FALSE(ParseIpv4("1.2.3"));
  EXPECT_FALSE(ParseIpv4("1.2.3.4.5"));
  EXPECT_FALSE(ParseIpv4("1.2.3.1000"));
  EXPECT_FALSE(ParseIpv4(" 1.2.3.4"));
}

TEST(DistInterface, FindsLoopbackOnThisMachine) {
  InterfaceChoice choice = SelectInterface(kLoopbackSubnet);
  ASSERT_TRUE(choice.ok()) << base::Render(choice.error);
  EXPECT_EQ(choice.interface.name, "lo");
  EXPECT_EQ(choice.interface.address.rfind("127.", 0), 0u) << choice.interface.address;
}

TEST(DistInterface, SubnetWithoutInterfaceListsWhatWasSeen) {
  // 203.0.113.0/24 is TEST-NET-3: documentation only, never configured.
  InterfaceChoice choice = SelectInterface("203.0.113.0/24");
  ASSERT_FALSE(choice.ok());
  EXPECT_NE(base::Render(choice.error).find("203.0.113.0/24"), std::string::npos) << base::Render(choice.error);
  EXPECT_NE(base::Render(choice.error).find("lo 127.0.0.1"), std::string::npos) << base::Render(choice.error);
}

TEST(DistInterface, PicksTheNicInsideTheSubnetWhateverItsName) {
  std::vector<NetworkInterface> seen = {
      {"lo", "127.0.0.1"}, {"docker0", "172.17.0.1"}, {"enp1s0", "10.8.1.12"}};
  InterfaceChoice choice = SelectInterfaceFrom("10.8.1.0/24", seen);
  ASSERT_TRUE(choice.ok()) << base::Render(choice.error);
  EXPECT_EQ(choice.interface.name, "enp1s0");
  EXPECT_EQ(choice.interface.address, "10.8.1.12");
}

TEST(DistInterface, BadSubnetTextIsAnError) {
  InterfaceChoice choice = SelectInterfaceFrom("10.8.1.0", {{"lo", "127.0.0.1"}});
  ASSERT_FALSE(choice.ok());
  EXPECT_NE(base::Render(choice.error).find("not a CIDR block"), std::string::npos) << base::Render(choice.error);
}

}  // namespace
}  // namespace dml::dist
