// The few collectives training needs, over a c10d ProcessGroup (Gloo), with
// world size 1 needing no group at all. Each call blocks until done; failures
// (a peer gone, a timeout) surface as the library's exception, which
// RunTraining turns into an error value at its boundary.
#pragma once

#include "runtime/collective/network_allreduce.h"
#include "runtime/dist/torch_compat.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace dml::collective {

// Makes a process group of `size` ranks among a subset of the world (a node's
// ranks, the nodes' leaders), this rank being `rank` in it. Collective among
// the subset's members; every subset uses its own `prefix` in the job's
// store. Null when the group cannot be made.
using SubgroupFactory =
    std::function<dist::torch_compat::GroupPtr(const std::string& prefix, int rank, int size)>;

class Communicator {
 public:
  // `group` may be null only when world_size == 1. `subgroups` and
  // `networks` (optional) let collectives above build groups and Gloo
  // contexts of some ranks (HierarchicalAllreduce).
  Communicator(int rank, int world_size, dist::torch_compat::GroupPtr group, SubgroupFactory subgroups = {},
               NetworkFactory networks = {});
  const SubgroupFactory& subgroups() const { return subgroups_; }
  const NetworkFactory& networks() const { return networks_; }

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // In place: every rank ends with root's contents.
  void Broadcast(const torch::Tensor& tensor, int root = 0);
  // In place: every rank ends with the element-wise sum over ranks.
  void AllreduceSum(const torch::Tensor& tensor);
  void Barrier();
  // True on every rank iff `flag` is true on at least one: how ranks agree on
  // a decision only some of them saw (a stop request). Allocates nothing.
  bool AnyRank(bool flag);

 private:
  int rank_;
  int world_size_;
  dist::torch_compat::GroupPtr group_;
  SubgroupFactory subgroups_;
  NetworkFactory networks_;
  std::vector<at::Tensor> slot_;  // c10d takes a vector; reused so a step allocates none
  at::Tensor flag_;               // AnyRank's one-element buffer
};

}  // namespace dml::collective
