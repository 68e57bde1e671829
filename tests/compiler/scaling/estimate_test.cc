// The scaling model's pieces (ring allreduce, a step, a job) and the
// break-even node count on inputs whose answer is known in closed form.
#include "compiler/scaling/estimate.h"

#include <gtest/gtest.h>

namespace dml::scaling {
namespace {

constexpr double kInstant = 1e30;  // bytes/s of a link whose bandwidth costs nothing

Workload Work(int64_t parameters, int64_t forward_macs, int64_t batch, int64_t train, int64_t test, int64_t epochs) {
  Workload w;
  w.parameters = parameters;
  w.forward_macs = forward_macs;
  w.batch_per_rank = batch;
  w.train_size = train;
  w.test_size = test;
  w.epochs = epochs;
  return w;
}

// The paper's MLP: 784-100-10, batch 64, Fashion-MNIST, 10 epochs.
Workload PaperMlp() { return Work(79510, 79400, 64, 60000, 10000, 10); }

Nodes Cloud() {
  Nodes n;
  n.core_macs_per_s = 46e9;
  n.link = {10e9 / 8, 0.1e-3};
  return n;
}

TEST(ScalingRing, OneParticipantExchangesNothing) {
  EXPECT_EQ(RingAllreduceSeconds(1e6, 1, {1e9, 1e-3}), 0);
}

TEST(ScalingRing, TwoParticipantsSendTheBytesOnceAndPayTwoLatencies) {
  // 2(p-1)/p = 1: bytes / bandwidth, plus 2(p-1) = 2 latencies.
  EXPECT_DOUBLE_EQ(RingAllreduceSeconds(1e6, 2, {1e9, 1e-3}), 1e-3 + 2e-3);
}

TEST(ScalingRing, GrowsWithParticipantsAndBoundsTheBandwidthTermByTwice) {
  const Channel link{1e9, 1e-4};
  double last = 0;
  for (int64_t p = 2; p <= 64; ++p) {
    const double t = RingAllreduceSeconds(1e6, p, link);
    EXPECT_GT(t, last) << p;
    last = t;
  }
  // Without latency the ring never costs more than twice bytes / bandwidth.
  EXPECT_LT(RingAllreduceSeconds(1e6, 1000, {1e9, 0}), 2e-3);
  EXPECT_GT(RingAllreduceSeconds(1e6, 1000, {1e9, 0}), 1.99e-3);
}

TEST(ScalingHalvingDoubling, RingsBytesInLogarithmicRoundTrips) {
  const Channel link{1e9, 1e-3};
  const double round = 2e-3 + kGlooRoundSeconds;  // a round trip and Gloo's own cost
  EXPECT_EQ(HalvingDoublingAllreduceSeconds(1e6, 1, link), 0);
  // 2: the bytes once each way, 2 rounds; 4: 2 log2 4 = 4 rounds; 17: Gloo's blocks, 2 x 5 = 10.
  EXPECT_DOUBLE_EQ(HalvingDoublingAllreduceSeconds(1e6, 2, link), 1e-3 + 2 * round);
  EXPECT_DOUBLE_EQ(HalvingDoublingAllreduceSeconds(1e6, 4, link), 1.5e-3 + 4 * round);
  EXPECT_DOUBLE_EQ(HalvingDoublingAllreduceSeconds(1e6, 17, link), 2.0 * 16 / 17 * 1e-3 + 10 * round);
  // The bytes term is the ring's.
  EXPECT_DOUBLE_EQ(HalvingDoublingAllreduceSeconds(1e6, 17, {1e9, 0}) - 10 * kGlooRoundSeconds,
                   RingAllreduceSeconds(1e6, 17, {1e9, 0}));
}

TEST(ScalingEstimate, StepsFollowTheRuntimesSharding) {
  // ceil(ceil(60000 / world) / 64): dmlrun prints 469 steps per epoch at world 2.
  EXPECT_EQ(EstimateAt(PaperMlp(), Cloud(), 1).steps_per_epoch, 938);
  EXPECT_EQ(EstimateAt(PaperMlp(), Cloud(), 2).steps_per_epoch, 469);
  EXPECT_EQ(EstimateAt(PaperMlp(), Cloud(), 17).steps_per_epoch, 56);
  Nodes two_ranks = Cloud();
  two_ranks.ranks_per_node = 2;
  EXPECT_EQ(EstimateAt(PaperMlp(), two_ranks, 1).world, 2);
  EXPECT_EQ(EstimateAt(PaperMlp(), two_ranks, 1).steps_per_epoch, 469);
}

// A global batch: an epoch keeps one rank's 938 steps at any size, and a
// step's rows are split over the ranks (64 over 17: at most 4 each).
TEST(ScalingEstimate, AGlobalBatchKeepsTheStepsAndSplitsTheRows) {
  Workload global = PaperMlp();
  global.global_batch = 64;
  for (int64_t nodes : {1, 2, 17}) EXPECT_EQ(EstimateAt(global, Cloud(), nodes).steps_per_epoch, 938);
  EXPECT_EQ(EstimateAt(global, Cloud(), 1).rows_per_rank, 64);
  EXPECT_EQ(EstimateAt(global, Cloud(), 17).rows_per_rank, 4);
  EXPECT_DOUBLE_EQ(EstimateAt(global, Cloud(), 17).compute_s, 3.0 * 79400 * 4 / 46e9);
  // Threads follow the rows where a rank may use several: 256 rows take 2
  // of 4 allowed on one node, 1 at 17 nodes (16 rows).
  global.global_batch = 256;
  Nodes four = Cloud();
  four.threads_allowed = 4;
  EXPECT_EQ(EstimateAt(global, four, 1).threads, 2);
  EXPECT_EQ(EstimateAt(global, four, 17).threads, 1);
  EXPECT_EQ(MaxNodes(global, Cloud()), 256);  // a row per rank
}

TEST(ScalingEstimate, ComputeIsThreeForwardPassesOfTheBatch) {
  const Estimate e = EstimateAt(PaperMlp(), Cloud(), 1);
  EXPECT_DOUBLE_EQ(e.compute_s, 3.0 * 79400 * 64 / 46e9);
  EXPECT_EQ(e.allreduce_s, 0);  // one rank: nothing to exchange
  Nodes two_threads = Cloud();
  two_threads.threads_per_rank = 2;
  EXPECT_DOUBLE_EQ(EstimateAt(PaperMlp(), two_threads, 1).compute_s, e.compute_s / 2);
}

TEST(ScalingEstimate, OneNodesRanksExchangeThroughSharedMemory) {
  Nodes two_ranks = Cloud();
  two_ranks.ranks_per_node = 2;
  const double bytes = 4.0 * 79510;
  EXPECT_DOUBLE_EQ(EstimateAt(PaperMlp(), two_ranks, 1).allreduce_s,
                   RingAllreduceSeconds(bytes, 2, two_ranks.shared_memory));
  EXPECT_DOUBLE_EQ(EstimateAt(PaperMlp(), two_ranks, 2).allreduce_s, RingAllreduceSeconds(bytes, 4, two_ranks.link));
}

TEST(ScalingEstimate, HierarchicalExchangeCrossesTheLinkOncePerNode) {
  Nodes flat = Cloud();
  flat.ranks_per_node = 4;
  Nodes hierarchical = flat;
  hierarchical.exchange = Exchange::kHierarchical;
  EXPECT_DOUBLE_EQ(EstimateAt(PaperMlp(), flat, 1).allreduce_s, EstimateAt(PaperMlp(), hierarchical, 1).allreduce_s);
  for (int64_t n = 2; n <= 16; ++n) {
    EXPECT_LT(EstimateAt(PaperMlp(), hierarchical, n).allreduce_s, EstimateAt(PaperMlp(), flat, n).allreduce_s) << n;
  }
  // Between the nodes: halving-doubling over n participants, after the node's shared memory.
  const double bytes = 4.0 * 79510;
  EXPECT_DOUBLE_EQ(EstimateAt(PaperMlp(), hierarchical, 8).allreduce_s,
                   RingAllreduceSeconds(bytes, 4, hierarchical.shared_memory) +
                       HalvingDoublingAllreduceSeconds(bytes, 8, hierarchical.link));
}

TEST(ScalingEstimate, ComputeShrinksAndExchangeGrowsWithNodes) {
  double last_job = 1e300, last_exchange = 0;
  Nodes free_link = Cloud();
  free_link.link = {kInstant, 0};
  for (int64_t n = 1; n <= 64; ++n) {
    const Estimate e = EstimateAt(PaperMlp(), free_link, n);
    EXPECT_LE(e.job_s, last_job) << n;  // a free link: more nodes never slower
    last_job = e.job_s;
    const double exchange = EstimateAt(PaperMlp(), Cloud(), n).allreduce_s;
    EXPECT_GE(exchange, last_exchange) << n;
    last_exchange = exchange;
  }
  EXPECT_GT(EstimateAt(PaperMlp(), Cloud(), 1).job_s, Cloud().startup_s);
}

// T(n) = N (c + k (n - 1)) / n with a free bandwidth: 840 samples of batch
// 1 (840 divides by 1..8), c = 1 s per sample, k = 2 latencies per step.
// No test set: evaluation adds only its one small exchange, 2 (n - 1)
// latencies, which moves none of the answers below.
Workload Closed() { return Work(1, 1, 1, 840, 0, 1); }

Nodes ClosedNodes(double latency_s) {
  Nodes n;
  n.core_macs_per_s = 3;  // 3 multiply-adds (forward and backward) per second: c = 1 s
  n.link = {kInstant, latency_s};
  n.startup_s = 0;
  return n;
}

TEST(ScalingPayingNodes, KnownBreakEven) {
  // c = 9k: S(n) = 9n / (n + 8), whose growth 72 / (n + 8)^2 falls to 0.5 at
  // n = 4: S(n) - 0.5 n is 0.955, 1.0, 0.962 at 3, 4, 5 nodes.
  EXPECT_EQ(PayingNodes(Closed(), ClosedNodes(1.0 / 18), 8), 4);
  EXPECT_EQ(PayingNodes(Closed(), ClosedNodes(1.0 / 18), 3), 3);  // capped
}

TEST(ScalingPayingNodes, WhenTimeStopsFallingOneNodeIsBest) {
  // c = k: T(n) = N c for every n; no node adds anything.
  EXPECT_EQ(PayingNodes(Closed(), ClosedNodes(0.5), 8), 1);
  // A slower link: more nodes are slower.
  EXPECT_EQ(PayingNodes(Closed(), ClosedNodes(5), 8), 1);
}

TEST(ScalingPayingNodes, AFreeLinkPaysUpToTheLast) {
  EXPECT_EQ(PayingNodes(Closed(), ClosedNodes(0), 8), 8);
}

TEST(ScalingPayingNodes, ThePapersMlpDoesNotPayOnACloudLink) {
  // 0.33 ms of compute against 0.45 ms of exchange at 2 nodes.
  EXPECT_EQ(PayingNodes(PaperMlp(), Cloud(), MaxNodes(PaperMlp(), Cloud())), 1);
}

TEST(ScalingMaxNodes, EveryRankGetsAFullBatch) {
  EXPECT_EQ(MaxNodes(PaperMlp(), Cloud()), 937);  // 60000 / 64
  Nodes two = Cloud();
  two.ranks_per_node = 2;
  EXPECT_EQ(MaxNodes(PaperMlp(), two), 468);
}

}  // namespace
}  // namespace dml::scaling
