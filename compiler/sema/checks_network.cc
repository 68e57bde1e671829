// The private network's addresses: a private range unless the file says
// otherwise, and DNS servers that Neutron accepts and the nodes can reach.
#include <set>

#include "compiler/sema/checks.h"
#include "compiler/sema/net.h"

namespace dml::sema {
namespace {

std::string PrivateRangesText() {
  std::string text;
  const size_t n = std::size(net::kPrivateRanges);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) text += i + 1 == n ? " or " : ", ";
    text += net::kPrivateRanges[i];
  }
  return text;
}

// A cidr outside the private ranges (0.0.0.0/0, 8.8.8.0/24) names other
// people's addresses: the subnet's rules and the DNS default assume it does
// not, so it takes an explicit `public_cidr = true`.
void CheckPrivateRange(const Value& network, const net::Cidr& cidr, diag::DiagnosticSink& sink) {
  const Value* value = network.Field("cidr");
  const Value* opt_in = network.Field("public_cidr");
  if (value == nullptr || net::IsPrivate(cidr) || (opt_in != nullptr && opt_in->bool_value)) return;
  sink.Report({diag::Kind::public_subnet, value->range,
               cidr.ToString() + " is not a private range: the nodes' network must lie inside " +
                   PrivateRangesText(),
               {},
               {"use a private range, e.g. 10.8.1.0/24",
                "if this cloud does route " + cidr.ToString() +
                    " to the nodes, say so in the network block: `public_cidr = true`"}});
}

// Neutron refuses a subnet that lists a server twice; a server inside the
// subnet would be looked for among the job's own nodes.
void CheckDnsServers(const Value& network, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  const std::optional<net::Cidr>& cidr = shape.cidr;
  const FieldValue* entry = network.FieldEntry("dns");
  if (entry == nullptr || !entry->value) return;
  // A default the file did not write sits where the block is.
  const bool defaulted = entry->name_range == entry->value->range;
  std::set<std::string> seen;
  for (const Value& server : entry->value->items) {
    const std::optional<net::Ipv4> ip = net::ParseIp(server.text);
    if (!ip) continue;
    if (!seen.insert(net::FormatIp(*ip)).second) {
      sink.Report({diag::Kind::invalid_dns_server, server.range,
                   "DNS server " + server.text + " is listed twice; Neutron refuses the subnet", {},
                   {"list each server once"}});
      continue;
    }
    if (cidr && cidr->Contains(*ip)) {
      // A default has no place of its own: the cidr that swallows it is the culprit.
      sink.Report({diag::Kind::invalid_dns_server, defaulted ? shape.cidr_range : server.range,
                   std::string(defaulted ? "the default " : "") + "DNS server " + server.text +
                       " lies inside the subnet " + cidr->ToString() +
                       ": the nodes would look for it among themselves",
                   {},
                   {"set `dns = [...]` in the network block to servers outside the subnet"}});
    }
  }
}

}  // namespace

void CheckNetwork(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  const Value* network = BlockField(cluster, "network");
  if (network == nullptr) return;
  if (shape.cidr) CheckPrivateRange(*network, *shape.cidr, sink);
  CheckDnsServers(*network, shape, sink);
}

}  // namespace dml::sema
