#include "compiler/driver/plan_scaling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <vector>

#include "compiler/driver/plan_summary.h"
#include "compiler/scaling/from_deployment.h"

namespace dml::driver {
namespace {

constexpr double kMsPerSecond = 1000;
constexpr double kBytesPerKiB = 1024;
constexpr double kGiga = 1e9;
constexpr double kBitsPerByte = 8;
// Below this, times show tenths of a second (a small job's whole run).
constexpr double kTenthsBelowSeconds = 10;
constexpr double kWholeSecondsBelow = 100;
constexpr double kMillisBelowSeconds = 10;
constexpr double kTwoDecimalsBelowMs = 10;
constexpr double kLongestShownSeconds = 100 * 24 * 3600.0;

// The estimate at the planned size and at the node count that pays off.
struct Advice {
  scaling::PlannedJob job;
  scaling::Estimate planned;
  int64_t max_nodes = 1;
  int64_t paying = 1;
};

std::optional<Advice> AdviceFor(const scaling::Modelled& modelled) {
  if (!modelled.job) return std::nullopt;
  Advice a;
  a.job = *modelled.job;
  a.planned = scaling::EstimateAt(a.job.work, a.job.nodes, a.job.planned_nodes);
  a.max_nodes = std::min(std::max(scaling::MaxNodes(a.job.work, a.job.nodes), a.job.planned_nodes),
                         scaling::kMaxNodesScanned);
  // Speeds near zero give times no double holds: no advice from those.
  if (!std::isfinite(a.planned.job_s) || !std::isfinite(scaling::EstimateAt(a.job.work, a.job.nodes, 1).job_s)) {
    return std::nullopt;
  }
  a.paying = scaling::PayingNodes(a.job.work, a.job.nodes, a.max_nodes);
  return a;
}

std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::string Seconds(double seconds) {
  if (!(seconds < kLongestShownSeconds)) return "over 100 days";
  if (seconds < kTenthsBelowSeconds) return fmt::format("{:.1f}s", seconds);
  if (seconds < kWholeSecondsBelow) return fmt::format("{:.0f}s", seconds);
  return DurationText(seconds);
}

std::string Millis(double seconds) {
  if (!(seconds < kMillisBelowSeconds)) return Seconds(seconds);
  const double ms = seconds * kMsPerSecond;
  return ms < kTwoDecimalsBelowMs ? fmt::format("{:.2f} ms", ms) : fmt::format("{:.0f} ms", ms);
}

std::string Bytes(double bytes) {
  const double kib = bytes / kBytesPerKiB;
  return kib < kBytesPerKiB ? fmt::format("{:.0f} KiB", kib) : fmt::format("{:.1f} MiB", kib / kBytesPerKiB);
}

std::string NodesText(int64_t n) { return fmt::format("{} node{}", n, n == 1 ? "" : "s"); }

std::string LinkText(const scaling::Channel& link) {
  return fmt::format("{:g} Gbit/s, {:g} ms one way", link.bytes_per_s * kBitsPerByte / kGiga,
                     link.latency_s * kMsPerSecond);
}

// Node counts to show: powers of two up to twice the larger of the planned
// and the paying count, with both of them and the one past the paying count.
std::string NodesRow(const Advice& a) {
  const int64_t top = std::min(a.max_nodes, 2 * std::max(a.job.planned_nodes, a.paying));
  std::set<int64_t> counts = {1, a.job.planned_nodes, a.paying};
  if (a.paying < a.max_nodes) counts.insert(a.paying + 1);
  for (int64_t n = 2; n <= top; n *= 2) counts.insert(n);
  std::string row;
  for (int64_t n : counts) {
    if (!row.empty()) row += ", ";
    row += fmt::format("{}: {}", n, Seconds(scaling::EstimateAt(a.job.work, a.job.nodes, n).job_s));
  }
  return row;
}

}  // namespace

std::string ScalingSection(const ir::Deployment& d) {
  const scaling::Modelled modelled = scaling::FromDeployment(d);
  const std::optional<Advice> advice = AdviceFor(modelled);
  if (!advice) {
    const std::string why = modelled.job ? "the job's time is too large to count (see the flavors' `core_gmacs` and "
                                           "the site's `link`)"
                                         : modelled.unavailable;
    return "scaling estimate\n  unavailable: " + why + "\n";
  }
  const Advice& a = *advice;
  const scaling::Workload& w = a.job.work;
  const scaling::Nodes& nodes = a.job.nodes;
  const scaling::Estimate& e = a.planned;
  const std::string at = NodesText(e.nodes);
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"model", fmt::format("{}: {} parameters ({} of gradients), {} multiply-adds per sample forward",
                                       a.job.model, Grouped(w.parameters),
                                       Bytes(scaling::kBytesPerGradient * static_cast<double>(w.parameters)),
                                       Grouped(w.forward_macs))});
  rows.push_back({"speeds", fmt::format("{:g} G multiply-adds/s per core, {} thread{} per rank; link {}",
                                        nodes.core_macs_per_s / kGiga, e.threads,
                                        e.threads == 1 ? "" : "s", LinkText(nodes.link))});
  const std::string exchange = e.world == 1 ? "no allreduce (1 rank)"
                                            : fmt::format("{} in the allreduce over {} ranks{}", Millis(e.allreduce_s),
                                                          e.world, e.nodes == 1 ? " (shared memory)" : "");
  const std::string batch = w.global_batch > 0 ? fmt::format("{} rows (of a global batch of {})", e.rows_per_rank,
                                                             w.global_batch)
                                               : fmt::format("a batch of {}", e.rows_per_rank);
  rows.push_back({"step", fmt::format("{} at {}: {} computing {}, {}", Millis(e.compute_s + e.allreduce_s), at,
                                      Millis(e.compute_s), batch, exchange)});
  rows.push_back({"job", fmt::format("{} at {}: {} epochs of {} steps, evaluation, {} start-up", Seconds(e.job_s), at,
                                     w.epochs, e.steps_per_epoch, Seconds(nodes.startup_s))});
  rows.push_back({"nodes", NodesRow(a)});
  const std::string paying = NodesText(a.paying);
  rows.push_back({"pays off", a.paying >= a.max_nodes
                                  ? fmt::format("up to {}, all the {} allows ({})", paying,
                                                w.global_batch > 0 ? "global batch" : "data",
                                                w.global_batch > 0 ? "a row per rank" : "a full batch per rank")
                                  : fmt::format("up to {}: past it, added nodes return less than {:g} of a node's "
                                                "work each",
                                                paying, scaling::kMinNodeWorth)});
  return "scaling estimate (a model, not a measurement: docs/scaling.md)\n" + AlignedRows(std::move(rows));
}

void CheckScaling(const ir::Deployment& d, const diag::SourceRange& size, diag::DiagnosticSink& sink) {
  const std::optional<Advice> advice = AdviceFor(scaling::FromDeployment(d));
  if (!advice || advice->job.planned_nodes <= advice->paying) return;
  const Advice& a = *advice;
  const scaling::Estimate best = scaling::EstimateAt(a.job.work, a.job.nodes, a.paying);
  diag::Diagnostic warning{
      diag::Kind::past_scaling_limit, size,
      fmt::format("{} are past the point where more nodes pay off: dmlc plan estimates this job at {} on them "
                  "and {} on {}: a speed-up of {:.2f} for {:.3g} times the nodes",
                  NodesText(a.job.planned_nodes), Seconds(a.planned.job_s), Seconds(best.job_s), NodesText(a.paying),
                  best.job_s / a.planned.job_s,
                  static_cast<double>(a.job.planned_nodes) / static_cast<double>(a.paying)),
      {{{}, fmt::format("at {} a step computes for {} and exchanges its {} of gradients for {} (link {}); past {}, "
                        "added nodes return less than {:g} of a node's work each (`dmlc plan` shows the "
                        "estimate; docs/scaling.md)",
                        NodesText(a.job.planned_nodes), Millis(a.planned.compute_s),
                        Bytes(scaling::kBytesPerGradient * static_cast<double>(a.job.work.parameters)),
                        Millis(a.planned.allreduce_s), LinkText(a.job.nodes.link), NodesText(a.paying),
                        scaling::kMinNodeWorth)}},
      {}};
  // The last group whose count is a param: the knob to turn at stack create.
  for (auto g = d.groups.rbegin(); g != d.groups.rend(); ++g) {
    if (g->count_param.empty()) continue;
    const int64_t value = a.paying - (a.job.planned_nodes - g->count);
    if (value >= 0) {
      warning.help.push_back(fmt::format("create the stack with `--parameter {}={}` for {}", g->count_param, value,
                                         NodesText(a.paying)));
    }
    break;
  }
  warning.help.push_back(std::string(warning.help.empty() ? "" : "or ") +
                         (a.job.work.global_batch > 0
                              ? "give each step more to compute per exchange: a larger `global_batch`"
                              : "give each step more to compute per exchange: a larger `batch` per rank"));
  sink.Report(std::move(warning));
}

}  // namespace dml::driver
