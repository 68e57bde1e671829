#include "compiler/scaling/from_deployment.h"

#include <algorithm>

namespace dml::scaling {
namespace {

constexpr double kGiga = 1e9;
constexpr double kBitsPerByte = 8;

Modelled Unavailable(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

Modelled FromDeployment(const ir::Deployment& d) {
  if (!d.plan.train) return Unavailable("dmlc does not know the model of a repo job");
  const plan::TrainSpec& train = *d.plan.train;
  if (train.model.kind != "mlp" || train.model.layers.size() < 2) {
    return Unavailable("dmlc models the cost of an mlp only, not of `" + train.model.kind + "`");
  }
  if (!d.link) return Unavailable("the site has no `link` record");

  PlannedJob job;
  job.model = "mlp";
  for (size_t i = 0; i < train.model.layers.size(); ++i) {
    job.model += (i == 0 ? " " : "-") + std::to_string(train.model.layers[i]);
    if (i == 0) continue;
    const int64_t in = train.model.layers[i - 1], out = train.model.layers[i];
    int64_t weights = 0;
    // Weights and biases; sizes no machine holds overflow 64 bits.
    if (__builtin_mul_overflow(in, out, &weights) ||
        __builtin_add_overflow(job.work.forward_macs, weights, &job.work.forward_macs) ||
        __builtin_add_overflow(job.work.parameters, weights, &job.work.parameters) ||
        __builtin_add_overflow(job.work.parameters, out, &job.work.parameters)) {
      return Unavailable("the model is too large to estimate");
    }
  }
  job.work.batch_per_rank = train.batch_per_rank;
  job.work.global_batch = train.global_batch;
  job.work.train_size = train.dataset.train_size;
  job.work.test_size = train.dataset.test_size;
  job.work.epochs = train.epochs;

  // Nodes alike: the slowest core, the most ranks per node and the fewest
  // threads per rank of any group that has nodes (a step waits for the
  // slowest rank).
  int64_t nodes = 0, ranks = 1, threads = 0;
  double rate = 0;
  for (const ir::NodeGroup& g : d.groups) {
    if (g.count == 0) continue;
    if (!g.core_gmacs) {
      return Unavailable("the flavor of group `" + g.name +
                         "` is given by name only (use a `flavor` record: its `core_gmacs`)");
    }
    nodes += g.count;
    ranks = std::max<int64_t>(ranks, g.procs_per_node);
    rate = rate == 0 ? *g.core_gmacs : std::min(rate, *g.core_gmacs);
    // dmlrun's default: the node's cores divided among its ranks.
    const int64_t cores = g.vcpus ? std::max<int64_t>(*g.vcpus / g.procs_per_node, 1) : 1;
    const int64_t allowed = train.threads_per_rank > 0 ? train.threads_per_rank : cores;
    threads = threads == 0 ? allowed : std::min(threads, allowed);
  }
  // ... of which a step uses one per kRowsPerThread rows of its batch.
  // (For a global batch, the rows at the planned size; EstimateAt recounts
  // them at each size from threads_allowed.)
  job.planned_nodes = std::max<int64_t>(nodes, 1);
  const int64_t rows = plan::MaxRowsPerRank(train, static_cast<int>(job.planned_nodes * ranks));
  const int64_t used = (rows + kRowsPerThread - 1) / kRowsPerThread;
  if (train.global_batch > 0) job.nodes.threads_allowed = std::max<int64_t>(threads, 1);
  job.nodes.ranks_per_node = ranks;
  job.nodes.threads_per_rank = std::max<int64_t>(std::min(threads, used), 1);
  job.nodes.core_macs_per_s = rate * kGiga;
  job.nodes.link = {d.link->gbit_per_s * kGiga / kBitsPerByte, d.link->latency_s};
  // dmlrun's exchange across nodes: shared memory inside each node, one
  // rank per node on the link (runtime/collective/hierarchical_allreduce.h).
  job.nodes.exchange = Exchange::kHierarchical;
  return {std::move(job), ""};
}

}  // namespace dml::scaling
