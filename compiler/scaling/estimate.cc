#include "compiler/scaling/estimate.h"

#include <algorithm>

namespace dml::scaling {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

double AllreduceSeconds(double bytes, const Nodes& nodes, int64_t node_count) {
  const int64_t ranks = nodes.ranks_per_node;
  if (node_count <= 1) return RingAllreduceSeconds(bytes, ranks, nodes.shared_memory);
  if (nodes.exchange == Exchange::kFlat) return RingAllreduceSeconds(bytes, node_count * ranks, nodes.link);
  return RingAllreduceSeconds(bytes, ranks, nodes.shared_memory) +
         HalvingDoublingAllreduceSeconds(bytes, node_count, nodes.link);
}

}  // namespace

double RingAllreduceSeconds(double bytes, int64_t participants, const Channel& channel) {
  if (participants <= 1) return 0;
  const auto p = static_cast<double>(participants);
  return 2 * (p - 1) / p * bytes / channel.bytes_per_s + 2 * (p - 1) * channel.latency_s;
}

double HalvingDoublingAllreduceSeconds(double bytes, int64_t participants, const Channel& channel) {
  if (participants <= 1) return 0;
  const auto p = static_cast<double>(participants);
  int64_t rounds = 0;
  while ((int64_t{1} << rounds) < participants) ++rounds;
  return 2 * (p - 1) / p * bytes / channel.bytes_per_s +
         2 * static_cast<double>(rounds) * (2 * channel.latency_s + kGlooRoundSeconds);
}

Estimate EstimateAt(const Workload& work, const Nodes& nodes, int64_t node_count) {
  Estimate e;
  e.nodes = std::max<int64_t>(node_count, 1);
  e.world = e.nodes * std::max<int64_t>(nodes.ranks_per_node, 1);
  // dmlrun's sharding: each rank gets ceil(n / world) samples (the shuffled
  // order padded), in batches of batch_per_rank, the last one smaller; or,
  // global, ceil(n / global_batch) steps of ceil(global_batch / world) rows
  // at most.
  const int64_t shard = CeilDiv(work.train_size, e.world);
  if (work.global_batch > 0) {
    e.steps_per_epoch = CeilDiv(work.train_size, work.global_batch);
    e.rows_per_rank = CeilDiv(work.global_batch, e.world);
  } else {
    e.steps_per_epoch = CeilDiv(shard, work.batch_per_rank);
    e.rows_per_rank = work.batch_per_rank;
  }
  e.threads = std::max<int64_t>(nodes.threads_per_rank, 1);
  if (nodes.threads_allowed > 0) {
    e.threads = std::clamp<int64_t>(CeilDiv(e.rows_per_rank, kRowsPerThread), 1, nodes.threads_allowed);
  }
  const double rank_rate = nodes.core_macs_per_s * static_cast<double>(e.threads);
  const double sample_s = kPassesPerStep * static_cast<double>(work.forward_macs) / rank_rate;
  e.compute_s = sample_s * static_cast<double>(e.rows_per_rank);
  const double bytes = kBytesPerGradient * static_cast<double>(work.parameters);
  e.allreduce_s = AllreduceSeconds(bytes, nodes, e.nodes);
  // Evaluation: a forward pass over each rank's slice of the test set, then
  // one small allreduce of the counts (latency only).
  const double eval_samples = static_cast<double>(CeilDiv(work.test_size, e.world));
  e.eval_s = eval_samples * static_cast<double>(work.forward_macs) / rank_rate + AllreduceSeconds(0, nodes, e.nodes);
  const double epoch_s = sample_s * static_cast<double>(shard) +
                         e.allreduce_s * static_cast<double>(e.steps_per_epoch) + e.eval_s;
  e.job_s = nodes.startup_s + epoch_s * static_cast<double>(work.epochs);
  return e;
}

int64_t MaxNodes(const Workload& work, const Nodes& nodes) {
  if (work.global_batch > 0) {
    return std::max<int64_t>(work.global_batch / std::max<int64_t>(nodes.ranks_per_node, 1), 1);
  }
  const int64_t per_node = std::max<int64_t>(nodes.ranks_per_node, 1) * std::max<int64_t>(work.batch_per_rank, 1);
  return std::max<int64_t>(work.train_size / per_node, 1);
}

int64_t PayingNodes(const Workload& work, const Nodes& nodes, int64_t max_nodes) {
  const double one = EstimateAt(work, nodes, 1).job_s;
  int64_t best = 1;
  double best_worth = 1 - kMinNodeWorth;
  for (int64_t n = 2; n <= std::min(max_nodes, kMaxNodesScanned); ++n) {
    const double worth = one / EstimateAt(work, nodes, n).job_s - kMinNodeWorth * static_cast<double>(n);
    if (worth > best_worth) {
      best = n;
      best_worth = worth;
    }
  }
  return best;
}

}  // namespace dml::scaling
