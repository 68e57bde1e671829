#include "runtime/launch/rank_children.h"

#include <chrono>
#include <cstdint>
#include <utility>

namespace dml::launch {

std::vector<ChildSpec> RankChildren(const std::vector<RankSlot>& slots, int attempt, const FillRankChild& fill) {
  std::vector<ChildSpec> children;
  for (size_t i = 0; i < slots.size(); ++i) {
    ChildSpec child;
    child.name = RankName(slots[i].global_rank);
    child.stdout_prefix = slots[i].global_rank == 0 ? "" : "[" + child.name + "] ";
    child.stderr_prefix = "[" + child.name + "] ";
    fill(i, attempt, child);
    children.push_back(std::move(child));
  }
  return children;
}

RestartOptions PlanRestarts(const plan::Plan& plan, std::string resumes_from) {
  RestartOptions restarts;
  restarts.max_restarts = plan.max_restarts;
  restarts.resumes_from = std::move(resumes_from);
  restarts.supervisor.deadline = std::chrono::milliseconds(static_cast<int64_t>(plan.timeouts.job_s * 1000));
  return restarts;
}

SupervisorResult SuperviseRanks(const JobContext& context, const std::vector<RankSlot>& slots,
                                const FillRankChild& fill, const RestartOptions& restarts) {
  return SuperviseWithRestarts(
      context, [&](int attempt) { return RankChildren(slots, attempt, fill); }, restarts);
}

}  // namespace dml::launch
