// dmlc plan's scaling model: how long a data-parallel training job takes on
// n nodes, from its arithmetic (multiply-adds per sample, gradient bytes), the
// cores' speed and the links' bandwidth and latency, and from which node
// count on another node stops paying off. Pure arithmetic on numbers; the
// calibration of its constants is in docs/scaling.md.
#pragma once

#include <cstdint>

namespace dml::scaling {

// A rank's step computes forward and backward: the backward pass costs about
// twice the forward one (two products per layer instead of one).
inline constexpr double kPassesPerStep = 3;
// Gradients are float32.
inline constexpr double kBytesPerGradient = 4;
// dmlrun runs a step on one thread per 128 rows of its batch (docs/runtime.md).
inline constexpr int64_t kRowsPerThread = 128;
// Ranks of one node exchange through shared memory: fitted to the bench's
// 2 x 1 step (378 us) against a 1 x 1 rank beside another (309 us).
inline constexpr double kSharedMemoryBytesPerS = 5.4e9;
inline constexpr double kSharedMemoryLatencyS = 5e-6;
// Launch, loading libtorch and the data, rendezvous and exit: the bench's
// whole-job wall time less its training loop and evaluation (5.03 - 3.07 -
// 0.17 s at 1 x 1).
inline constexpr double kStartupSeconds = 1.8;
// Nodes pay off while each returns at least half a node's work: from n to m
// nodes the speed-up T(1)/T(n) must grow by at least this much times m - n.
inline constexpr double kMinNodeWorth = 0.5;
// The node counts PayingNodes looks at, at most (a /16 subnet's worth).
inline constexpr int64_t kMaxNodesScanned = 65536;

// A way for bytes between ranks: bandwidth and one message's one-way time.
struct Channel {
  double bytes_per_s = 0;
  double latency_s = 0;
};

// Ring allreduce of `bytes` among `participants`: a reduce-scatter and an
// all-gather, 2(p-1) steps each moving bytes/p, each paying the latency.
double RingAllreduceSeconds(double bytes, int64_t participants, const Channel& channel);

// One round of Gloo's halving-doubling, beyond the wire: the synchronous
// pair's send and receive and the wake-ups around them. Fitted to bench/nodes'
// 2 x 1 runs (docs/scaling.md): with it and each link's measured round trip,
// the unshaped and the shaped link's exchange both come out as measured.
inline constexpr double kGlooRoundSeconds = 10e-6;

// Halving-doubling allreduce of `bytes` among `participants`: the same bytes
// as the ring, 2(p-1)/p of them, in 2 ceil(log2 p) rounds (Gloo's binary
// blocks, for p not a power of two, counted as the next power's rounds). A
// round is a round trip, 2 latencies: the data one way, then Gloo's
// notification that the peer's buffer is free again, back; plus
// kGlooRoundSeconds.
double HalvingDoublingAllreduceSeconds(double bytes, int64_t participants, const Channel& channel);

// How gradients cross nodes. kFlat: one ring over every rank on the link,
// paced by its slowest (cross-node) hop (c10d's process group).
// kHierarchical: the ranks of each node through shared memory (modelled as a
// ring), then halving-doubling over the nodes - what dmlrun does.
enum class Exchange { kFlat, kHierarchical };

// The job: its model's size and arithmetic, its data and schedule.
struct Workload {
  int64_t parameters = 0;    // gradient floats per step
  int64_t forward_macs = 0;  // multiply-adds per sample, forward pass
  int64_t batch_per_rank = 1;
  int64_t global_batch = 0;  // > 0: rows a step over all ranks (batch_per_rank unused)
  int64_t train_size = 1;
  int64_t test_size = 0;
  int64_t epochs = 1;
};

// The nodes, all alike: ranks per node, a rank's threads and one core's
// speed, the link between nodes and the memory inside one.
struct Nodes {
  int64_t ranks_per_node = 1;
  int64_t threads_per_rank = 1;
  // > 0: the threads a rank may use, of which a step takes one per
  // kRowsPerThread rows (a global batch's rows per rank vary with the node
  // count); 0: threads_per_rank at every count.
  int64_t threads_allowed = 0;
  double core_macs_per_s = 0;
  Channel link;
  Channel shared_memory{kSharedMemoryBytesPerS, kSharedMemoryLatencyS};
  Exchange exchange = Exchange::kFlat;
  double startup_s = kStartupSeconds;
};

struct Estimate {
  int64_t nodes = 0;
  int64_t world = 0;
  int64_t steps_per_epoch = 0;
  int64_t rows_per_rank = 0;  // a full step's (the most, for a global batch)
  int64_t threads = 0;        // a rank's
  double compute_s = 0;    // a full batch's forward and backward pass
  double allreduce_s = 0;  // one step's gradient exchange
  double eval_s = 0;       // one epoch's evaluation
  double job_s = 0;        // start-up, every epoch's steps and evaluation
};

// The job on `nodes` nodes (at least 1).
Estimate EstimateAt(const Workload& work, const Nodes& nodes, int64_t node_count);

// The node count past which adding nodes stops paying off: the n in
// 1..max_nodes (at most kMaxNodesScanned) where the speed-up less
// kMinNodeWorth per node, T(1)/T(n) - kMinNodeWorth * n, is largest (the
// first such). Past it, no larger count returns kMinNodeWorth of a node's
// work for each node added; where time(n) stops decreasing, so does this.
int64_t PayingNodes(const Workload& work, const Nodes& nodes, int64_t max_nodes);

// The most nodes the data allows: every rank gets a full batch (per rank),
// or at least a row of each step (global).
int64_t MaxNodes(const Workload& work, const Nodes& nodes);

}  // namespace dml::scaling
