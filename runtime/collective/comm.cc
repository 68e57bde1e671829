#include "runtime/collective/comm.h"
#include "runtime/dist/torch_compat.h"

namespace dml::collective {

Communicator::Communicator(int rank, int world_size, dist::torch_compat::GroupPtr group, SubgroupFactory subgroups,
                           NetworkFactory networks)
    : rank_(rank),
      world_size_(world_size),
      group_(std::move(group)),
      subgroups_(std::move(subgroups)),
      networks_(std::move(networks)),
      slot_(1) {}

void Communicator::Broadcast(const torch::Tensor& tensor, int root) {
  if (world_size_ == 1) return;
  slot_[0] = tensor;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  group_->broadcast(slot_, options)->wait();
  slot_[0] = at::Tensor();
}

void Communicator::AllreduceSum(const torch::Tensor& tensor) {
  if (world_size_ == 1) return;
  slot_[0] = tensor;
  group_->allreduce(slot_)->wait();
  slot_[0] = at::Tensor();
}

bool Communicator::AnyRank(bool flag) {
  if (world_size_ == 1) return flag;
  if (!flag_.defined()) flag_ = torch::zeros({1}, torch::kFloat64);
  flag_.fill_(flag ? 1.0 : 0.0);
  AllreduceSum(flag_);
  return flag_.item<double>() > 0;
}

void Communicator::Barrier() {
  if (world_size_ == 1) return;
  group_->barrier()->wait();
}

}  // namespace dml::collective
