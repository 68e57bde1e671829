// What the rules and the lowering need from a conformed cluster: its subnet,
// the master's address, and its node groups in node-rank order. `master { }`
// and `workers { }` are sugar for two groups named "master" and "workers";
// `group NAME { }` blocks are the groups themselves. The master is the first
// node of the first group.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diag/source.h"
#include "compiler/sema/net.h"
#include "compiler/sema/value.h"

namespace dml::sema {

struct GroupShape {
  std::string name;                 // "master", "workers", or the group's label
  const Value* block = nullptr;     // the conformed block (null: an absent `workers`)
  const Value* count = nullptr;     // the `count` value, literal or param; null: 1 (master)
  std::optional<int64_t> nodes;     // the count, or its param's default; unknown when wrong
  int64_t procs = 1;
  const Value* flavor = nullptr;    // a `flavor` record, a name, or a param
  diag::SourceRange where;          // the group's name, for messages

  const std::string* CountParam() const;  // the param behind `count`, if any
  // The flavor's vCPUs and RAM when it is a record that states them.
  std::optional<int64_t> Vcpus() const;
  std::optional<int64_t> RamBytes() const;
  std::string FlavorName() const;  // "m1.medium", or the param's name
};

struct ClusterShape {
  std::optional<net::Cidr> cidr;
  diag::SourceRange cidr_range;
  std::optional<net::Ipv4> master_ip;  // as given, or the last usable host
  std::vector<GroupShape> groups;      // node-rank order; [0] holds the master
  bool groups_syntax = false;          // `group NAME { }` rather than master/workers

  // Totals with every param-driven count at its default; null when a count
  // is unknown.
  std::optional<int64_t> Nodes() const;
  std::optional<int64_t> Ranks() const;
};

ClusterShape ShapeOf(const Value& cluster);

// Where the cluster's size is written: the `count` of its last group that
// has one (a literal or a param), else that group's name. The scaling
// warning points there.
diag::SourceRange SizeSite(const ClusterShape& shape);

// "1 master + 16 workers": how the node count is made up.
std::string NodesBreakdown(const ClusterShape& shape);

}  // namespace dml::sema
