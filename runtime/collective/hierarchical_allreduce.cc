#include "runtime/collective/hierarchical_allreduce.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "runtime/collective/accumulate.h"

namespace dml::collective {
namespace {

// Set-up's one gathering allreduce (int64 over the world): each rank's node
// key at its index, then two more words.
constexpr int kMissingNetworksWord = 0;   // after the keys: ranks without a network factory
constexpr int kMissingSubgroupsWord = 1;  // ... without a subgroup factory (needed only by nodes of 2+ ranks)
constexpr int kSerialWord = 2;            // rank 0's number for this hierarchy's store prefixes
constexpr int kExtraWords = 3;

// The leaders' exchange failed; its message already says where.
struct LeaderExchangeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Store prefixes of one process's hierarchies: tests build several over one store.
std::atomic<int64_t> next_serial{1};

}  // namespace

bool NodeLayout::one_rank_per_node() const {
  return std::all_of(nodes.begin(), nodes.end(), [](const auto& n) { return n.size() == 1; });
}

std::string NodeLayout::Describe() const {
  std::vector<size_t> sizes;
  for (const auto& n : nodes) sizes.push_back(n.size());
  const bool even = std::all_of(sizes.begin(), sizes.end(), [&](size_t s) { return s == sizes.front(); });
  if (even) return fmt::format("{} nodes x {} rank{}", nodes.size(), sizes.front(), sizes.front() == 1 ? "" : "s");
  return fmt::format("{} nodes ({} ranks)", nodes.size(), fmt::join(sizes, ", "));
}

NodeLayout LayoutOf(const std::vector<int64_t>& keys, int rank) {
  NodeLayout layout;
  std::map<int64_t, int> node_of_key;  // in order of each node's lowest rank
  for (int r = 0; r < static_cast<int>(keys.size()); ++r) {
    auto [it, added] = node_of_key.emplace(keys[r], static_cast<int>(layout.nodes.size()));
    if (added) layout.nodes.emplace_back();
    std::vector<int>& members = layout.nodes[static_cast<size_t>(it->second)];
    if (r == rank) {
      layout.node = it->second;
      layout.local_rank = static_cast<int>(members.size());
    }
    members.push_back(r);
  }
  return layout;
}

std::unique_ptr<HierarchicalAllreduce> HierarchicalAllreduce::Create(Communicator& comm, int64_t count,
                                                                     const HierarchyOptions& options,
                                                                     std::string* why) {
  auto decline = [why](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return nullptr;
  };
  const int world = comm.world_size(), rank = comm.rank();
  if (world < 2 || count < 1) return decline("a single rank exchanges nothing");

  torch::Tensor gathered = torch::zeros({world + kExtraWords}, torch::kInt64);
  int64_t* words = gathered.data_ptr<int64_t>();
  words[rank] = options.node_key != 0 ? options.node_key : HostIdentity();
  words[world + kMissingNetworksWord] = comm.networks() ? 0 : 1;
  words[world + kMissingSubgroupsWord] = comm.subgroups() ? 0 : 1;
  if (rank == 0) words[world + kSerialWord] = next_serial++;
  comm.AllreduceSum(gathered);
  const int64_t serial = words[world + kSerialWord];
  NodeLayout layout = LayoutOf(std::vector<int64_t>(words, words + world), rank);
  if (!layout.spans_nodes()) return decline(fmt::format("{}: every rank is on one node", layout.Describe()));
  for (const auto& node : layout.nodes) {
    if (node.size() > static_cast<size_t>(LocalAllreduce::kMaxRanks)) {
      return decline(fmt::format("{}: a node runs more than {} ranks", layout.Describe(), LocalAllreduce::kMaxRanks));
    }
  }
  if (words[world + kMissingNetworksWord] != 0) return decline("no way to make Gloo contexts between the nodes");
  if (!layout.one_rank_per_node() && words[world + kMissingSubgroupsWord] != 0) {
    return decline(fmt::format("{}: no way to make the nodes' subgroups", layout.Describe()));
  }

  std::unique_ptr<HierarchicalAllreduce> hierarchy(new HierarchicalAllreduce(layout, count));
  const std::vector<int>& mine = layout.nodes[static_cast<size_t>(layout.node)];
  const int nodes = static_cast<int>(layout.nodes.size());
  bool ok = true;
  try {
    if (mine.size() > 1) {
      hierarchy->node_group_ = comm.subgroups()(fmt::format("dml-hierarchy-{}/node-{}/", serial, layout.node),
                                                layout.local_rank, static_cast<int>(mine.size()));
      ok = hierarchy->node_group_ != nullptr;
      if (ok) {
        Communicator node_comm(layout.local_rank, static_cast<int>(mine.size()), hierarchy->node_group_);
        hierarchy->node_ = LocalAllreduce::Create(node_comm, count, options.timeout);
        ok = hierarchy->node_ != nullptr;
        if (ok) hierarchy->node_->NameRanks(mine);
      }
    }
    if (ok && layout.leader()) {
      auto context = comm.networks()(fmt::format("dml-hierarchy-{}/leaders/", serial), layout.node, nodes);
      ok = context != nullptr;
      if (ok) {
        hierarchy->buffer_.assign(static_cast<size_t>(count + 1), 0.0f);
        hierarchy->leaders_ = std::make_unique<NetworkAllreduce>(context, hierarchy->buffer_.data(), count + 1);
      }
    }
  } catch (const std::exception&) {
    ok = false;  // a subgroup's peers failed too; the vote below tells everyone
  }
  torch::Tensor failures = torch::full({1}, ok ? 0.0 : 1.0, torch::kFloat64);
  comm.AllreduceSum(failures);
  if (failures.item<double>() != 0) {
    return decline(fmt::format("{}: the nodes' groups or shared memory could not be set up", layout.Describe()));
  }
  return hierarchy;
}

std::string HierarchicalAllreduce::Where() const {
  return fmt::format("rank {} (node {} of {})", layout_.nodes[static_cast<size_t>(layout_.node)]
                                                       [static_cast<size_t>(layout_.local_rank)],
                     layout_.node, layout_.nodes.size());
}

bool HierarchicalAllreduce::ExchangeBetweenNodes(bool node_vote) {
  float* sum = buffer_.data();
  sum[count_] = node_vote ? 1.0f : 0.0f;
  try {
    leaders_->SumInPlace();
  } catch (const std::exception& error) {
    std::vector<int> leaders;
    for (const auto& node : layout_.nodes) leaders.push_back(node.front());
    throw LeaderExchangeError(fmt::format("{}: the exchange between the nodes' leaders (ranks {}) failed: {}", Where(),
                                         fmt::join(leaders, ", "), error.what()));
  }
  return sum[count_] > 0.0f;  // each leader adds 0 or 1: exact
}

bool HierarchicalAllreduce::SumInPlace(float* data, bool vote) {
  const size_t bytes = static_cast<size_t>(count_) * sizeof(float);
  const bool leader = layout_.leader();
  float* sum = leader ? buffer_.data() : nullptr;
  try {
    // 1. The node's sum, on its leader: ranks in order, as LocalAllreduce does.
    bool node_vote = vote;
    if (node_) {
      std::memcpy(node_->ContributionSlot(), data, bytes);
      const LocalAllreduce::Parts parts = node_->Exchange(vote);
      node_vote = parts.any_vote;
      if (leader) {
        std::memcpy(sum, parts.data[0], bytes);
        for (int r = 1; r < parts.count; ++r) Accumulate(sum, parts.data[r], count_);
      }
    } else {
      std::memcpy(sum, data, bytes);  // a node of one rank: it is its own leader
    }
    // 2. Between nodes: leaders only; the others wait in step 3's barrier.
    const bool any = leader ? ExchangeBetweenNodes(node_vote) : false;
    if (!node_) {
      std::memcpy(data, sum, bytes);
      return any;
    }
    // 3. The leader's result to its node. The parts of step 1 stay valid
    // until this exchange returns (LocalAllreduce double-buffers), so the
    // leader could read them while the others already waited here.
    if (leader) std::memcpy(node_->ContributionSlot(), sum, bytes);
    const LocalAllreduce::Parts result = node_->Exchange(leader && any);
    std::memcpy(data, leader ? sum : result.data[0], bytes);
    return result.any_vote;
  } catch (const LeaderExchangeError&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(fmt::format("{}: {}", Where(), error.what()));
  }
}

}  // namespace dml::collective
