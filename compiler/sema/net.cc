#include "compiler/sema/net.h"

#include <cstdio>

namespace dml::sema::net {
namespace {

constexpr int kOctets = 4;
constexpr int kOctetMax = 255;
constexpr int kBitsPerOctet = 8;

}  // namespace

std::optional<Ipv4> ParseIp(const std::string& text) {
  Ipv4 ip = 0;
  size_t pos = 0;
  for (int octet = 0; octet < kOctets; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    size_t start = pos;
    int value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || value > kOctetMax) return std::nullopt;
    ip = (ip << kBitsPerOctet) | static_cast<Ipv4>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return ip;
}

std::string FormatIp(Ipv4 ip) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%u.%u.%u.%u", (ip >> 24) & 0xffu, (ip >> 16) & 0xffu,
                (ip >> 8) & 0xffu, ip & 0xffu);
  return buffer;
}

Ipv4 Cidr::Mask() const {
  if (prefix == 0) return 0;
  return ~Ipv4{0} << (kIpv4Bits - prefix);
}

std::string Cidr::ToString() const { return FormatIp(Network()) + "/" + std::to_string(prefix); }

std::optional<Cidr> ParseCidr(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = ParseIp(text.substr(0, slash));
  std::string bits = text.substr(slash + 1);
  if (!ip || bits.empty() || bits.size() > 2) return std::nullopt;
  int prefix = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > kIpv4Bits) return std::nullopt;
  return Cidr{*ip, prefix};
}

bool IsPrivate(const Cidr& cidr) {
  for (const char* text : kPrivateRanges) {
    const std::optional<Cidr> range = ParseCidr(text);
    if (range && cidr.prefix >= range->prefix && range->Contains(cidr.Network())) return true;
  }
  return false;
}

int64_t WorkerCapacity(const Cidr& cidr) { return cidr.Size() - kReservedAddresses; }

std::string MasterIpProblem(const Cidr& cidr, Ipv4 ip) {
  std::string where = FormatIp(ip);
  if (!cidr.Contains(ip)) return where + " is not inside " + cidr.ToString();
  if (ip == cidr.Network()) return where + " is the network address of " + cidr.ToString();
  if (ip == cidr.Broadcast()) return where + " is the broadcast address of " + cidr.ToString();
  if (ip == cidr.Gateway()) return where + " is the gateway of " + cidr.ToString();
  return "";
}

std::vector<Range> AllocationPools(const Cidr& cidr, Ipv4 master) {
  std::vector<Range> pools;
  if (cidr.Size() < 4) return pools;  // no host after the gateway
  Ipv4 first = cidr.Gateway() + 1;
  Ipv4 last = cidr.LastHost();
  if (first > last) return pools;
  if (master < first || master > last) {
    pools.push_back({first, last});
    return pools;
  }
  if (master > first) pools.push_back({first, master - 1});
  if (master < last) pools.push_back({master + 1, last});
  return pools;
}

}  // namespace dml::sema::net
