// IPv4 and CIDR arithmetic for the network checks and the lowering: which
// addresses a subnet has, which OpenStack reserves, where the DHCP pool lies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dml::sema::net {

using Ipv4 = uint32_t;

inline constexpr int kIpv4Bits = 32;

// Addresses OpenStack and dml take from every subnet before any worker gets
// one: the network address, the broadcast address, the gateway (the first
// host), the DHCP server's port (from the pool), and the master's fixed IP.
inline constexpr int64_t kReservedAddresses = 5;

std::optional<Ipv4> ParseIp(const std::string& text);
std::string FormatIp(Ipv4 ip);

struct Cidr {
  Ipv4 base = 0;  // as written (host bits may be set)
  int prefix = 0;

  Ipv4 Mask() const;
  Ipv4 Network() const { return base & Mask(); }
  Ipv4 Broadcast() const { return Network() | ~Mask(); }
  int64_t Size() const { return int64_t{1} << (kIpv4Bits - prefix); }
  bool HasHostBits() const { return base != Network(); }
  bool Contains(Ipv4 ip) const { return (ip & Mask()) == Network(); }
  // The first host is the gateway (Neutron's default); the last usable host
  // is the one before the broadcast address.
  Ipv4 Gateway() const { return Network() + 1; }
  Ipv4 LastHost() const { return Broadcast() - 1; }
  std::string ToString() const;  // canonical: network address / prefix
};

std::optional<Cidr> ParseCidr(const std::string& text);

// The ranges no Internet host has: RFC 1918's private networks and RFC 6598's
// shared address space (carrier-grade NAT, used by some clouds inside).
inline constexpr const char* kPrivateRanges[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                 "100.64.0.0/10"};
// Whether every address of `cidr` lies inside one of kPrivateRanges.
bool IsPrivate(const Cidr& cidr);

// How many worker nodes fit beside the master: size minus the reserved
// addresses; negative when not even the master fits.
int64_t WorkerCapacity(const Cidr& cidr);

// Why `ip` cannot be the master's fixed address; empty when it can.
std::string MasterIpProblem(const Cidr& cidr, Ipv4 ip);

struct Range {
  Ipv4 start = 0;
  Ipv4 end = 0;  // inclusive
};

// The DHCP allocation pools: every host after the gateway, the master
// excluded (so one range, or two when the master sits in the middle).
std::vector<Range> AllocationPools(const Cidr& cidr, Ipv4 master);

}  // namespace dml::sema::net
