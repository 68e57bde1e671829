#include "runtime/dist/interface.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>


#include <fmt/format.h>

#include "runtime/dist/cidr.h"

namespace dml::dist {

std::vector<NetworkInterface> ListIpv4Interfaces() {
  std::vector<NetworkInterface> result;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return result;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    if ((entry->ifa_flags & IFF_UP) == 0) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) == nullptr) continue;
    result.push_back({entry->ifa_name, text});
  }
  freeifaddrs(list);
  return result;
}

InterfaceChoice SelectInterfaceFrom(const std::string& subnet,
                                    const std::vector<NetworkInterface>& interfaces) {
  InterfaceChoice choice;
  CidrParse parsed = ParseCidr(subnet);
  if (!parsed.cidr) {
    choice.error = base::Error(fmt::format("subnet {}", parsed.error->Render()));
    return choice;
  }
  for (const NetworkInterface& candidate : interfaces) {
    std::optional<uint32_t> address = ParseIpv4(candidate.address);
    if (address && parsed.cidr->Contains(*address)) {
      choice.interface = candidate;
      return choice;
    }
  }
  std::string seen;
  for (const NetworkInterface& candidate : interfaces) {
    seen += fmt::format("{}{} {}", seen.empty() ? "" : ", ", candidate.name, candidate.address);
  }
  choice.error = base::Error(fmt::format("no network interface has an address in subnet {} (interfaces seen: {})",
                                         subnet, seen.empty() ? "none" : seen));
  return choice;
}

InterfaceChoice SelectInterface(const std::string& subnet) {
  return SelectInterfaceFrom(subnet, ListIpv4Interfaces());
}

}  // namespace dml::dist
