#include "compiler/sema/net.h"

#include <gtest/gtest.h>

namespace dml::sema::net {
namespace {

TEST(SemaNet, ParsesAndFormatsAddresses) {
  auto ip = ParseIp("10.8.1.250");
  ASSERT_TRUE(ip);
  EXPECT_EQ(FormatIp(*ip), "10.8.1.250");
  EXPECT_FALSE(ParseIp("10.8.1"));
  EXPECT_FALSE(ParseIp("10.8.1.256"));
  EXPECT_FALSE(ParseIp("10.8.1.1x"));
  EXPECT_FALSE(ParseIp(""));
}

TEST(SemaNet, PrivateRangesAreWhollyInsideRfc1918OrSharedSpace) {
  for (const char* inside : {"10.8.1.0/24", "10.0.0.0/8", "172.16.0.0/12", "172.31.255.0/24", "192.168.0.0/16",
                             "192.168.7.0/28", "100.64.0.0/10", "100.127.0.0/16"}) {
    EXPECT_TRUE(IsPrivate(*ParseCidr(inside))) << inside;
  }
  for (const char* outside : {"0.0.0.0/0", "8.8.8.0/24", "10.0.0.0/7", "172.32.0.0/16", "172.0.0.0/8",
                              "192.169.0.0/16", "100.128.0.0/16", "100.0.0.0/8", "11.0.0.0/8"}) {
    EXPECT_FALSE(IsPrivate(*ParseCidr(outside))) << outside;
  }
}

TEST(SemaNet, CidrGeometry) {
  auto cidr = ParseCidr("10.8.1.0/24");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->Size(), 256);
  EXPECT_EQ(FormatIp(cidr->Gateway()), "10.8.1.1");
  EXPECT_EQ(FormatIp(cidr->LastHost()), "10.8.1.254");
  EXPECT_EQ(FormatIp(cidr->Broadcast()), "10.8.1.255");
  EXPECT_FALSE(cidr->HasHostBits());
  EXPECT_TRUE(ParseCidr("10.8.1.5/24")->HasHostBits());
  EXPECT_EQ(ParseCidr("10.8.1.5/24")->ToString(), "10.8.1.0/24");
  EXPECT_FALSE(ParseCidr("10.8.1.0/33"));
  EXPECT_FALSE(ParseCidr("10.8.1.0"));
  EXPECT_EQ(ParseCidr("0.0.0.0/0")->Size(), int64_t{1} << 32);
}

TEST(SemaNet, WorkerCapacitySubtractsReservedAddresses) {
  EXPECT_EQ(WorkerCapacity(*ParseCidr("10.8.1.0/24")), 251);
  EXPECT_EQ(WorkerCapacity(*ParseCidr("10.8.1.0/28")), 11);
  EXPECT_EQ(WorkerCapacity(*ParseCidr("10.8.1.0/29")), 3);
  EXPECT_LT(WorkerCapacity(*ParseCidr("10.8.1.0/30")), 0);
}

TEST(SemaNet, MasterIpMustBeAUsableHost) {
  Cidr cidr = *ParseCidr("10.8.1.0/24");
  EXPECT_EQ(MasterIpProblem(cidr, *ParseIp("10.8.1.250")), "");
  EXPECT_NE(MasterIpProblem(cidr, *ParseIp("10.8.2.250")).find("not inside"), std::string::npos);
  EXPECT_NE(MasterIpProblem(cidr, *ParseIp("10.8.1.0")).find("network address"), std::string::npos);
  EXPECT_NE(MasterIpProblem(cidr, *ParseIp("10.8.1.1")).find("gateway"), std::string::npos);
  EXPECT_NE(MasterIpProblem(cidr, *ParseIp("10.8.1.255")).find("broadcast"), std::string::npos);
}

TEST(SemaNet, AllocationPoolsExcludeGatewayAndMaster) {
  Cidr cidr = *ParseCidr("10.8.1.0/24");
  auto pools = AllocationPools(cidr, *ParseIp("10.8.1.250"));
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(FormatIp(pools[0].start), "10.8.1.2");
  EXPECT_EQ(FormatIp(pools[0].end), "10.8.1.249");
  EXPECT_EQ(FormatIp(pools[1].start), "10.8.1.251");
  EXPECT_EQ(FormatIp(pools[1].end), "10.8.1.254");

  auto last = AllocationPools(cidr, cidr.LastHost());
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(FormatIp(last[0].start), "10.8.1.2");
  EXPECT_EQ(FormatIp(last[0].end), "10.8.1.253");

  auto first = AllocationPools(cidr, *ParseIp("10.8.1.2"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(FormatIp(first[0].start), "10.8.1.3");
}

}  // namespace
}  // namespace dml::sema::net
