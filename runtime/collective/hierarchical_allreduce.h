// The gradient allreduce for jobs whose ranks span several nodes. Flat Gloo
// over the whole world sends every rank's buffer over the network; here the
// ranks of a node first sum through shared memory (LocalAllreduce), one
// leader per node (its lowest rank) allreduces that sum with the other
// nodes' leaders (NetworkAllreduce: Gloo's halving-doubling on the calling
// thread), and the leader hands the result back to its node through shared
// memory. The network carries one buffer per node instead of one per rank.
// With one rank per node the shared-memory stages vanish: every rank is a
// leader, and what remains is the direct Gloo exchange (no c10d worker
// thread), with the ranks' stop votes carried in the same buffer.
//
// Every rank ends with bitwise the same floats, in every run: a node sums its
// ranks in rank order, Gloo's allreduce reduces each element once and copies
// the result to every leader, and the node's ranks copy their leader's. The
// sum's order differs from the flat ring's, so results match it only within
// float rounding.
//
// Failures: a rank dead or stalled on a node fails its node's ranks with an
// error naming it (LocalAllreduce); a leader that fails closes its Gloo
// connections, so the other leaders fail at once, and they fail their nodes;
// a stalled leader fails the others after the collective timeout. The
// launcher's health monitor names a dead rank on another node within its
// heartbeat limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/collective/comm.h"
#include "runtime/collective/local_allreduce.h"
#include "runtime/collective/network_allreduce.h"

namespace dml::collective {

struct HierarchyOptions {
  // Longest wait for the node's other ranks (LocalAllreduce's timeout). The
  // leaders' Gloo exchange has the network factory's collective timeout.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Which node this rank is on: ranks with equal keys share a node. 0 means
  // this machine's HostIdentity(); tests give ranks of one process distinct
  // keys to fake nodes.
  int64_t node_key = 0;
};

// Where the ranks are: nodes ordered by their lowest rank, ranks within a node
// in rank order, the first of each its leader.
struct NodeLayout {
  std::vector<std::vector<int>> nodes;  // global ranks per node
  int node = 0;                         // this rank's node
  int local_rank = 0;                   // this rank's place in its node
  bool leader() const { return local_rank == 0; }
  // Ranks on several nodes: the network's case (one node: LocalAllreduce's).
  bool spans_nodes() const { return nodes.size() > 1; }
  bool one_rank_per_node() const;
  std::string Describe() const;  // "2 nodes x 2 ranks", "3 nodes (2, 2, 1 ranks)"
};

// `keys[r]`: rank r's node key; `rank`: this rank.
NodeLayout LayoutOf(const std::vector<int64_t>& keys, int rank);

class HierarchicalAllreduce {
 public:
  // Collective over comm. Null (use another path) when every rank is on one
  // node, a node has more than LocalAllreduce::kMaxRanks ranks, comm lacks
  // the network factory (or the subgroup factory, where a node has several
  // ranks), or a subgroup, Gloo context or the
  // shared memory cannot be set up; every rank gets the same answer. *why
  // (optional) says which.
  static std::unique_ptr<HierarchicalAllreduce> Create(Communicator& comm, int64_t count,
                                                       const HierarchyOptions& options, std::string* why = nullptr);

  HierarchicalAllreduce(const HierarchicalAllreduce&) = delete;
  HierarchicalAllreduce& operator=(const HierarchicalAllreduce&) = delete;

  // data[0..count) becomes the element-wise sum over all ranks, bitwise the
  // same on every rank. Also ORs `vote` over all ranks (returned). Throws
  // std::runtime_error naming what failed.
  bool SumInPlace(float* data, bool vote = false);

  const NodeLayout& layout() const { return layout_; }

 private:
  HierarchicalAllreduce(NodeLayout layout, int64_t count) : layout_(std::move(layout)), count_(count) {}
  // The leaders' Gloo allreduce of buffer_ (the node's sum and its vote).
  bool ExchangeBetweenNodes(bool node_vote);
  std::string Where() const;  // "rank 2 (node 1 of 2)": prefix of its errors

  NodeLayout layout_;
  int64_t count_;
  dist::torch_compat::GroupPtr node_group_;  // only for set-up, kept while peers may still use theirs
  std::unique_ptr<LocalAllreduce> node_;    // null when the node has one rank
  // Leaders: count_ sums + 1 vote. With one rank per node, SumInPlace copies
  // the caller's gradient in and the result out (~20 us for the paper's
  // 311 KiB) so that the stop vote rides in the same Gloo exchange: a
  // separate vote would cost another 2 ceil(log2 nodes) round trips a step.
  std::vector<float> buffer_;
  std::unique_ptr<NetworkAllreduce> leaders_;  // leaders only, over buffer_
};

}  // namespace dml::collective
