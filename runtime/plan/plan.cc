#include "runtime/plan/plan.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/plan/capabilities.h"
#include "runtime/plan/text_fields.h"

namespace dml::plan {
namespace {

constexpr int kMaxPort = 65535;
constexpr size_t kImageDims = 3;  // channels, height, width

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void Require(bool ok, const std::string& field, const std::string& message) {
    if (!ok) errors_.push_back(base::Error::InPlan(file_, field, message));
  }
  std::vector<base::Error> Take() { return std::move(errors_); }

 private:
  std::string file_;
  std::vector<base::Error> errors_;
};

void CheckCluster(const Cluster& c, Checker& check) {
  check.Require(!c.subnet.empty(), "cluster.subnet", "must be set (a CIDR such as 10.8.1.0/24)");
  check.Require(!c.master_addr.empty(), "cluster.master_addr", "must be set");
  check.Require(c.port >= 1 && c.port <= kMaxPort, "cluster.port",
                fmt::format("{} is not a TCP port (1..{})", c.port, kMaxPort));
  check.Require(!c.groups.empty(), "cluster.groups", "must list at least one node group");
  for (size_t i = 0; i < c.groups.size(); ++i) {
    const NodeGroup& g = c.groups[i];
    const std::string at = fmt::format("cluster.groups[{}]", i);
    check.Require(!g.name.empty(), at + ".name", "must be set");
    // The master group is the first: it always holds exactly the master.
    if (i == 0) {
      check.Require(g.count == 1, at + ".count", "the first group holds the master: count must be 1");
    } else {
      check.Require(g.count >= 0, at + ".count", fmt::format("{} is negative", g.count));
    }
    check.Require(g.procs_per_node >= 1, at + ".procs_per_node",
                  fmt::format("must be >= 1, not {}", g.procs_per_node));
  }
}

void CheckDataset(const Dataset& d, Checker& check) {
  check.Require(!d.dir.empty(), "train.dataset.dir", "must be set");
  check.Require(Supports(kDatasetFormats, d.format), "train.dataset.format",
                fmt::format("unknown format '{}' (known: {})", d.format, ListOf(kDatasetFormats)));
  if (d.format == "idx") {
    for (const auto& [field, value] :
         {std::pair{"train.dataset.train_images", &d.train_images},
          std::pair{"train.dataset.train_labels", &d.train_labels},
          std::pair{"train.dataset.test_images", &d.test_images},
          std::pair{"train.dataset.test_labels", &d.test_labels}}) {
      check.Require(!value->empty(), field, "must be set (an idx dataset's file)");
    }
  } else if (d.format == "cifar") {
    check.Require(!d.train_batches.empty(), "train.dataset.train_batches", "must list a cifar dataset's train files");
    check.Require(!d.test_batches.empty(), "train.dataset.test_batches", "must list a cifar dataset's test files");
  }
  check.Require(d.shape.empty() || d.shape.size() == kImageDims, "train.dataset.shape",
                "must be [channels, height, width]");
  for (size_t i = 0; i < d.shape.size(); ++i) {
    check.Require(d.shape[i] >= 1, fmt::format("train.dataset.shape[{}]", i), "must be >= 1");
  }
  check.Require(d.classes >= 2, "train.dataset.classes", fmt::format("must be >= 2, not {}", d.classes));
}

void CheckModel(const Model& m, Checker& check) {
  if (!Supports(kModelKinds, m.kind)) {
    check.Require(false, "train.model.kind",
                  fmt::format("unknown model kind '{}' (this dmlrun runs: {})", m.kind, ListOf(kModelKinds)));
    return;
  }
  if (m.kind == "mlp" || m.kind == "cnn") {
    check.Require(Supports(kActivations, m.activation), "train.model.activation",
                  fmt::format("unknown activation '{}' (known: {})", m.activation, ListOf(kActivations)));
  }
  if (m.kind == "mlp") {
    check.Require(m.layers.size() >= 2, "train.model.layers", "needs at least an input and an output size");
    for (size_t i = 0; i < m.layers.size(); ++i) {
      check.Require(m.layers[i] >= 1, fmt::format("train.model.layers[{}]", i),
                    fmt::format("{} is not a layer size", m.layers[i]));
    }
    return;
  }
  check.Require(m.input.size() == kImageDims, "train.model.input", "must be [channels, height, width]");
  for (size_t i = 0; i < m.input.size(); ++i) {
    check.Require(m.input[i] >= 1, fmt::format("train.model.input[{}]", i), "must be >= 1");
  }
  check.Require(m.classes >= 2, "train.model.classes", fmt::format("must be >= 2, not {}", m.classes));
  if (m.kind == "cnn") {
    check.Require(!m.channels.empty(), "train.model.channels", "must list at least one conv layer");
    for (size_t i = 0; i < m.channels.size(); ++i) {
      check.Require(m.channels[i] >= 1, fmt::format("train.model.channels[{}]", i), "must be >= 1");
    }
    check.Require(m.kernel >= 1, "train.model.kernel", fmt::format("must be >= 1, not {}", m.kernel));
  }
  if (m.kind == "torchscript") check.Require(!m.file.empty(), "train.model.file", "must be set (the saved module)");
}

void CheckTrain(const TrainSpec& t, Checker& check) {
  CheckDataset(t.dataset, check);
  CheckModel(t.model, check);
  check.Require(Supports(kLosses, t.loss), "train.loss",
                fmt::format("unknown loss '{}' (known: {})", t.loss, ListOf(kLosses)));
  check.Require(Supports(kOptimizerKinds, t.optimizer.kind), "train.optimizer.kind",
                fmt::format("unknown optimizer '{}' (this dmlrun runs: {})", t.optimizer.kind,
                            ListOf(kOptimizerKinds)));
  if (t.global_batch != 0) {
    check.Require(t.global_batch >= 1, "train.global_batch", fmt::format("must be >= 1, not {}", t.global_batch));
  } else {
    check.Require(t.batch_per_rank >= 1, "train.batch_per_rank",
                  fmt::format("must be >= 1, not {}", t.batch_per_rank));
  }
  check.Require(t.epochs >= 1, "train.epochs", fmt::format("must be >= 1, not {}", t.epochs));
  check.Require(t.optimizer.lr > 0, "train.optimizer.lr",
                fmt::format("must be > 0, not {}", t.optimizer.lr));
  check.Require(t.threads_per_rank >= 0, "train.threads_per_rank", "must be >= 0 (0: automatic)");
  check.Require(t.checkpoint.every_epochs >= 1, "train.checkpoint.every_epochs", "must be >= 1");
  for (size_t i = 0; i < t.downloads.size(); ++i) {
    const std::string at = fmt::format("train.downloads[{}]", i);
    check.Require(!t.downloads[i].path.empty(), at + ".path", "must be set");
    check.Require(!t.downloads[i].url.empty(), at + ".url", "must be set");
    check.Require(!t.downloads[i].sha256.empty(), at + ".sha256", "must be set: nodes check what they download");
  }
}

// The rules of field_rules.h, on every text field that is set.
void CheckTextFields(const Plan& plan, Checker& check) {
  ForEachTextField(plan, [&](const std::string& field, const std::string& value, Rule rule) {
    if (rule == nullptr || value.empty()) return;
    if (RuleResult problem = rule(value)) check.Require(false, field, QuoteForMessage(value) + " " + *problem);
  });
}

}  // namespace

Dataset IdxFiles(std::string name, std::string dir, std::string train_images, std::string train_labels,
                 std::string test_images, std::string test_labels, int64_t train_size, int64_t test_size) {
  Dataset d;
  d.name = std::move(name);
  d.dir = std::move(dir);
  d.train_images = std::move(train_images);
  d.train_labels = std::move(train_labels);
  d.test_images = std::move(test_images);
  d.test_labels = std::move(test_labels);
  d.train_size = train_size;
  d.test_size = test_size;
  return d;
}

const char* JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kTrain: return "train";
    case JobKind::kCommand: return "command";
  }
  return "?";
}

std::vector<NodeInfo> ExpandNodes(const Plan& plan) {
  std::vector<NodeInfo> nodes;
  int global_rank = 0;
  for (const NodeGroup& group : plan.cluster.groups) {
    for (int i = 0; i < group.count; ++i) {
      NodeInfo node;
      node.node_rank = static_cast<int>(nodes.size());
      node.group = group.name;
      node.index_in_group = i;
      node.procs = group.procs_per_node;
      node.first_global_rank = global_rank;
      global_rank += group.procs_per_node;
      nodes.push_back(node);
    }
  }
  return nodes;
}

int NodeCount(const Plan& plan) {
  int n = 0;
  for (const NodeGroup& g : plan.cluster.groups) n += g.count;
  return n;
}

int64_t MaxRowsPerRank(const TrainSpec& train, int world_size) {
  if (train.global_batch <= 0) return train.batch_per_rank;
  const int64_t world = std::max(world_size, 1);
  return (train.global_batch + world - 1) / world;
}

std::string DescribeBatch(const TrainSpec& train) {
  if (train.global_batch > 0) return fmt::format("global batch {}", train.global_batch);
  return fmt::format("batch {} per rank", train.batch_per_rank);
}

int WorldSize(const Plan& plan) {
  int n = 0;
  for (const NodeGroup& g : plan.cluster.groups) n += g.count * g.procs_per_node;
  return n;
}

std::vector<base::Error> Validate(const Plan& plan, const std::string& file) {
  Checker check(file);
  check.Require(plan.version == kPlanVersion, "dml_plan",
                fmt::format("plan version {} is not supported (this dmlrun reads version {})",
                            plan.version, kPlanVersion));
  check.Require(!plan.job.empty(), "job.name", "must be set");
  CheckCluster(plan.cluster, check);
  check.Require(plan.timeouts.rendezvous_s > 0, "timeouts.rendezvous_s", "must be > 0");
  check.Require(plan.timeouts.collective_s > 0, "timeouts.collective_s", "must be > 0");
  check.Require(plan.timeouts.job_s > 0, "timeouts.job_s", "must be > 0");
  check.Require(plan.timeouts.heartbeat_s > 0, "timeouts.heartbeat_s", "must be > 0");
  check.Require(plan.max_restarts >= 0, "job.max_restarts",
                fmt::format("must be >= 0, not {}", plan.max_restarts));
  if (plan.kind == JobKind::kTrain) {
    check.Require(plan.train.has_value(), "train", "a train job needs a train section");
    if (plan.train) CheckTrain(*plan.train, check);
  } else {
    check.Require(plan.command.has_value(), "command", "a command job needs a command section");
    if (plan.command) {
      check.Require(!plan.command->repo.empty(), "command.repo", "must be set");
      check.Require(!plan.command->entrypoint.empty(), "command.entrypoint", "must be set");
      check.Require(!plan.command->python.empty(), "command.python", "must be set");
    }
  }
  CheckTextFields(plan, check);
  return check.Take();
}

}  // namespace dml::plan
