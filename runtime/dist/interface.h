// Choosing the network interface that Gloo binds to: the one whose IPv4
// address lies in the plan's subnet. Cloud images name NICs differently
// (ens3, eth0, enp1s0), so the name is never hard-coded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace dml::dist {

struct NetworkInterface {
  std::string name;     // "ens3"
  std::string address;  // "10.8.1.250"
};

// Every interface that is up and has an IPv4 address (one entry per address).
std::vector<NetworkInterface> ListIpv4Interfaces();

struct InterfaceChoice {
  NetworkInterface interface;        // valid iff ok()
  std::optional<base::Error> error;  // names the subnet and lists the interfaces seen
  bool ok() const { return !error; }
};

// Picks the first interface of `interfaces` whose address lies in `subnet`
// (CIDR text). Separate from the system query so that it can be tested with
// any list.
InterfaceChoice SelectInterfaceFrom(const std::string& subnet,
                                    const std::vector<NetworkInterface>& interfaces);

// The same over this machine's interfaces.
InterfaceChoice SelectInterface(const std::string& subnet);

// Local mode runs every rank on this machine over loopback.
inline constexpr char kLoopbackAddress[] = "127.0.0.1";
inline constexpr char kLoopbackSubnet[] = "127.0.0.0/8";

}  // namespace dml::dist
