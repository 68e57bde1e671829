#include "compiler/driver/plan_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <vector>

#include "compiler/diag/utf8.h"
#include "compiler/driver/plan_scaling.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::driver {
namespace {

constexpr int64_t kMiBPerGiB = 1024;
constexpr double kSecondsPerHour = 3600;
constexpr int kSecondsPerMinute = 60;

// A number without trailing zeros: 4, 0.5, 1.25.
std::string Decimal(double value) {
  std::string text = fmt::format("{:.2f}", value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string Range(int64_t first, int64_t count) {
  return count == 1 ? std::to_string(first) : fmt::format("{}-{}", first, first + count - 1);
}

// A template value as the stack will see it by default: a literal, or the
// default of the stack parameter it comes from.
std::string Shown(const ir::Value& value, const ir::Deployment& deployment) {
  if (!value.is_param()) return value.literal;
  const ir::HeatParam* p = deployment.Param(value.param);
  if (p != nullptr && p->default_value) return *p->default_value;
  return "(stack parameter `" + value.param + "`)";
}

std::string FlavorText(const ir::NodeGroup& group, const ir::Deployment& deployment) {
  std::string text = Shown(group.flavor, deployment);
  if (group.vcpus && group.ram_mb) {
    text += fmt::format(" ({}, {})", Plural(*group.vcpus, "vCPU", "vCPUs"), MemoryText(*group.ram_mb));
  }
  return text;
}

std::string PoolText(const ir::Network& network) {
  std::string text;
  for (const ir::Network::Pool& pool : network.allocation_pools) {
    if (!text.empty()) text += ", ";
    text += pool.start + "-" + pool.end;
  }
  return text.empty() ? "the subnet" : text;
}

std::string NodesSection(const ir::Deployment& d) {
  std::vector<std::vector<std::string>> rows = {{"group", "nodes", "flavor", "image", "procs/node"}};
  for (const ir::NodeGroup& g : d.groups) {
    std::string count = std::to_string(g.count);
    if (!g.count_param.empty()) count += " (param `" + g.count_param + "`)";
    rows.push_back({g.name, count, FlavorText(g, d), Shown(g.image, d), std::to_string(g.procs_per_node)});
  }
  return "nodes\n" + AlignedRows(rows);
}

// Images the site does not provide, with the commands that upload one (once
// per site, before the stack is created).
std::string UploadsSection(const ir::Deployment& d) {
  std::string out;
  std::vector<std::string> seen;
  for (const ir::NodeGroup& g : d.groups) {
    if (g.image_upload.empty() || std::find(seen.begin(), seen.end(), g.image_upload) != seen.end()) continue;
    seen.push_back(g.image_upload);
    out += "\nimage " + diag::ForDisplay(Shown(g.image, d)) + " (group " + g.name +
           ") is not provided by the site: upload it once per site first (its login is " +
           diag::ForDisplay(g.login) + "):\n  " + diag::ForDisplay(g.image_upload) + "\n";
  }
  return out;
}

std::string RanksSection(const ir::Deployment& d) {
  std::vector<std::vector<std::string>> rows = {{"nodes", "group", "ranks", "address"}};
  int64_t rank = 0;
  for (const ir::NodeGroup& g : d.groups) {
    if (g.count == 0) continue;
    const int64_t ranks = static_cast<int64_t>(g.count) * g.procs_per_node;
    // Node 0 (the master) has the fixed address; every other node gets one
    // from the subnet's DHCP pool.
    const bool master = g.first_node_rank == 0;
    std::string address = master ? d.network.master_ip + " (fixed)" : "DHCP from " + PoolText(d.network);
    if (master && g.count > 1) address += "; others DHCP from " + PoolText(d.network);
    rows.push_back({Range(g.first_node_rank, g.count), g.name, Range(rank, ranks), address});
    rank += ranks;
  }
  return "ranks (subnet " + d.network.cidr + ", gateway " + d.network.gateway + ")\n" + AlignedRows(rows);
}

std::string TotalsSection(const ir::Deployment& d) {
  int64_t nodes = 0, world = 0, vcpus = 0, ram = 0;
  std::vector<std::string> unknown;
  for (const ir::NodeGroup& g : d.groups) {
    nodes += g.count;
    world += static_cast<int64_t>(g.count) * g.procs_per_node;
    if (g.count == 0) continue;
    if (g.vcpus && g.ram_mb) {
      vcpus += g.count * *g.vcpus;
      ram += g.count * *g.ram_mb;
    } else {
      unknown.push_back(g.name);
    }
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"world size", fmt::format("{} on {}", Plural(world, "rank", "ranks"), Plural(nodes, "node", "nodes"))});
  if (unknown.empty()) {
    rows.push_back({"total", fmt::format("{}, {} RAM", Plural(vcpus, "vCPU", "vCPUs"), MemoryText(ram))});
  } else {
    rows.push_back({"total", "unknown: the flavor of `" + unknown.front() +
                                 "` is given by name only (use a `flavor` record for its size)"});
  }
  const double job_s = d.plan.timeouts.job_s;
  rows.push_back({"time limit", fmt::format("{} per run: at most {} node-hours ({} x {})", DurationText(job_s),
                                            Decimal(static_cast<double>(nodes) * job_s / kSecondsPerHour),
                                            Plural(nodes, "node", "nodes"), DurationText(job_s))});
  return "totals\n" + AlignedRows(rows);
}

// Plan text as the .dml file wrote it: `${name}` where a param goes in at
// stack create (the plan holds a token there).
std::string ShownText(const std::string& text, const ir::Deployment& d) {
  std::map<std::string, std::string> shown;
  for (const ir::TextParam& p : d.text_params) shown[p.name] = "${" + p.name + "}";
  return plan::ReplaceParamHoles(text, shown);
}

std::string JobLine(const ir::Deployment& d) {
  const plan::Plan& p = d.plan;
  if (p.train) {
    return fmt::format("train {} on {}: {} epochs, {}", p.train->model.kind, p.train->dataset.name, p.train->epochs,
                       plan::DescribeBatch(*p.train));
  }
  if (p.command) return fmt::format("run {} from {}", ShownText(p.command->entrypoint, d), ShownText(p.command->repo, d));
  return plan::JobKindName(p.kind);
}

// The params the plan's text holds, each with the default that the plan
// `dmlrun local` runs has in its place.
std::string TextParamsSection(const ir::Deployment& d) {
  if (d.text_params.empty()) return "";
  std::vector<std::vector<std::string>> rows = {{"param", "default"}};
  for (const ir::TextParam& p : d.text_params) rows.push_back({"${" + p.name + "}", "\"" + p.default_text + "\""});
  return "\nfilled in at stack create (the local plan has the defaults)\n" + AlignedRows(rows);
}

}  // namespace

std::string DurationText(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(seconds));
  const int64_t hours = total / static_cast<int64_t>(kSecondsPerHour);
  const int64_t minutes = total % static_cast<int64_t>(kSecondsPerHour) / kSecondsPerMinute;
  const int64_t rest = total % kSecondsPerMinute;
  std::string text;
  if (hours > 0) text += fmt::format("{}h", hours);
  if (minutes > 0) text += fmt::format("{}m", minutes);
  if (rest > 0 || text.empty()) text += fmt::format("{}s", rest);
  return text;
}

std::string MemoryText(int64_t mib) {
  if (mib < kMiBPerGiB) return fmt::format("{} MiB", mib);
  return Decimal(static_cast<double>(mib) / kMiBPerGiB) + " GiB";
}

std::string AlignedRows(std::vector<std::vector<std::string>> rows) {
  // Cells hold the file's strings (names, images, defaults): no byte of them
  // may move the cursor, start an escape sequence or begin a line.
  for (auto& row : rows) {
    for (std::string& cell : row) cell = diag::ForDisplay(cell);
  }
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string RenderPlanSummary(const ir::Deployment& d) {
  // The description keeps its lines, each indented and made safe.
  std::string description;
  for (size_t start = 0; start <= d.description.size();) {
    size_t end = d.description.find('\n', start);
    if (end == std::string::npos) end = d.description.size();
    if (!description.empty()) description += "\n  ";
    description += diag::ForDisplay(std::string_view(d.description).substr(start, end - start));
    start = end + 1;
  }
  std::string out = fmt::format("job `{}`: {}\n  {}\n\n", d.name, diag::ForDisplay(JobLine(d)), description);
  out += NodesSection(d) + UploadsSection(d) + "\n" + RanksSection(d) + "\n" + TotalsSection(d) + "\n" +
         ScalingSection(d) + TextParamsSection(d);
  std::vector<std::string> params;
  for (const ir::HeatParam& p : d.params) {
    if (p.default_value) params.push_back(p.name);
  }
  if (!params.empty()) {
    std::string list;
    for (const std::string& p : params) list += (list.empty() ? "" : ", ") + p;
    out += "\nStack parameters may change these defaults at create time: " + list + ".\n";
  }
  return out;
}

}  // namespace dml::driver
