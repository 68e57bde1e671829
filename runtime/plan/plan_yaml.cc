#include "runtime/plan/plan_yaml.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "runtime/plan/yaml_reader.h"

namespace dml::plan {
namespace {

void ReadGroups(YamlReader& r, const YAML::Node& list, Cluster* c) {
  if (!r.ExpectSequence(list, "cluster.groups")) return;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "cluster.groups[" + std::to_string(i) + "]";
    const YAML::Node g = list[i];
    if (!r.ExpectMap(g, at)) continue;
    r.CheckKeys(g, at, {"name", "count", "count_param", "procs_per_node"});
    NodeGroup group;
    r.Get(g, at, "name", &group.name, kRequired);
    r.Get(g, at, "count", &group.count, kRequired);
    r.Get(g, at, "count_param", &group.count_param, kOptional);
    r.Get(g, at, "procs_per_node", &group.procs_per_node, kRequired);
    c->groups.push_back(std::move(group));
  }
}

void ReadCluster(YamlReader& r, const YAML::Node& n, Cluster* c) {
  r.CheckKeys(n, "cluster", {"subnet", "master_addr", "port", "groups"});
  r.Get(n, "cluster", "subnet", &c->subnet, kRequired);
  r.Get(n, "cluster", "master_addr", &c->master_addr, kRequired);
  r.Get(n, "cluster", "port", &c->port, kOptional);
  if (r.Has(n, "cluster", "groups", kRequired)) ReadGroups(r, n["groups"], c);
}

void ReadTimeouts(YamlReader& r, const YAML::Node& n, Timeouts* t) {
  r.CheckKeys(n, "timeouts", {"rendezvous_s", "collective_s", "job_s", "heartbeat_s"});
  r.Get(n, "timeouts", "rendezvous_s", &t->rendezvous_s, kOptional);
  r.Get(n, "timeouts", "collective_s", &t->collective_s, kOptional);
  r.Get(n, "timeouts", "job_s", &t->job_s, kOptional);
  r.Get(n, "timeouts", "heartbeat_s", &t->heartbeat_s, kOptional);
}

void ReadDataset(YamlReader& r, const YAML::Node& d, Dataset* dataset) {
  const char* at = "train.dataset";
  r.CheckKeys(d, at, {"name", "format", "dir", "train_images", "train_labels", "test_images", "test_labels",
                      "train_batches", "test_batches", "train_size", "test_size", "shape", "classes"});
  r.Get(d, at, "name", &dataset->name, kOptional);
  r.Get(d, at, "format", &dataset->format, kOptional);
  r.Get(d, at, "dir", &dataset->dir, kRequired);
  // Which files a format needs, Validate checks: the reader takes what is there.
  r.Get(d, at, "train_images", &dataset->train_images, kOptional);
  r.Get(d, at, "train_labels", &dataset->train_labels, kOptional);
  r.Get(d, at, "test_images", &dataset->test_images, kOptional);
  r.Get(d, at, "test_labels", &dataset->test_labels, kOptional);
  r.Get(d, at, "train_batches", &dataset->train_batches, kOptional);
  r.Get(d, at, "test_batches", &dataset->test_batches, kOptional);
  r.Get(d, at, "train_size", &dataset->train_size, kOptional);
  r.Get(d, at, "test_size", &dataset->test_size, kOptional);
  r.Get(d, at, "shape", &dataset->shape, kOptional);
  r.Get(d, at, "classes", &dataset->classes, kOptional);
}

void ReadModel(YamlReader& r, const YAML::Node& m, Model* model) {
  const char* at = "train.model";
  r.CheckKeys(m, at, {"kind", "layers", "activation", "input", "channels", "kernel", "classes", "file"});
  r.Get(m, at, "kind", &model->kind, kRequired);
  r.Get(m, at, "layers", &model->layers, kOptional);
  r.Get(m, at, "activation", &model->activation, kOptional);
  r.Get(m, at, "input", &model->input, kOptional);
  r.Get(m, at, "channels", &model->channels, kOptional);
  r.Get(m, at, "kernel", &model->kernel, kOptional);
  r.Get(m, at, "classes", &model->classes, kOptional);
  r.Get(m, at, "file", &model->file, kOptional);
}

void ReadDownloads(YamlReader& r, const YAML::Node& list, std::vector<Download>* downloads) {
  if (!r.ExpectSequence(list, "train.downloads")) return;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "train.downloads[" + std::to_string(i) + "]";
    const YAML::Node item = list[i];
    if (!r.ExpectMap(item, at)) continue;
    r.CheckKeys(item, at, {"path", "url", "sha256"});
    Download download;
    r.Get(item, at, "path", &download.path, kRequired);
    r.Get(item, at, "url", &download.url, kRequired);
    r.Get(item, at, "sha256", &download.sha256, kRequired);
    downloads->push_back(std::move(download));
  }
}

void ReadTrain(YamlReader& r, const YAML::Node& n, TrainSpec* t) {
  r.CheckKeys(n, "train", {"dataset", "model", "loss", "optimizer", "batch_per_rank", "global_batch", "epochs",
                           "seed", "threads_per_rank", "checkpoint", "downloads"});
  if (YAML::Node d = r.Section(n, "train", "dataset", kRequired)) ReadDataset(r, d, &t->dataset);
  if (YAML::Node m = r.Section(n, "train", "model", kRequired)) ReadModel(r, m, &t->model);
  r.Get(n, "train", "loss", &t->loss, kOptional);
  if (YAML::Node o = r.Section(n, "train", "optimizer", kRequired)) {
    const char* at = "train.optimizer";
    r.CheckKeys(o, at, {"kind", "lr", "momentum", "weight_decay", "beta1", "beta2", "eps"});
    r.Get(o, at, "kind", &t->optimizer.kind, kRequired);
    r.Get(o, at, "lr", &t->optimizer.lr, kRequired);
    r.Get(o, at, "momentum", &t->optimizer.momentum, kOptional);
    r.Get(o, at, "weight_decay", &t->optimizer.weight_decay, kOptional);
    r.Get(o, at, "beta1", &t->optimizer.beta1, kOptional);
    r.Get(o, at, "beta2", &t->optimizer.beta2, kOptional);
    r.Get(o, at, "eps", &t->optimizer.eps, kOptional);
  }
  // One of the two sizes a step: a plan with both would be read two ways.
  if (r.Has(n, "train", "global_batch", kOptional)) {
    // 0 would silently mean "per rank" with no batch_per_rank given.
    if (r.Get(n, "train", "global_batch", &t->global_batch, kRequired) && t->global_batch < 1) {
      r.Error("train.global_batch", "must be >= 1, not " + std::to_string(t->global_batch));
    }
    if (r.Has(n, "train", "batch_per_rank", kOptional)) {
      r.Error("train.batch_per_rank", "set either batch_per_rank or global_batch, not both");
    }
  } else {
    r.Get(n, "train", "batch_per_rank", &t->batch_per_rank, kRequired);
  }
  r.Get(n, "train", "epochs", &t->epochs, kRequired);
  r.Get(n, "train", "seed", &t->seed, kOptional);
  r.Get(n, "train", "threads_per_rank", &t->threads_per_rank, kOptional);
  if (YAML::Node c = r.Section(n, "train", "checkpoint", kOptional)) {
    r.CheckKeys(c, "train.checkpoint", {"dir", "every_epochs"});
    r.Get(c, "train.checkpoint", "dir", &t->checkpoint.dir, kOptional);
    r.Get(c, "train.checkpoint", "every_epochs", &t->checkpoint.every_epochs, kOptional);
  }
  if (r.Has(n, "train", "downloads", kOptional)) ReadDownloads(r, n["downloads"], &t->downloads);
}

void ReadCommand(YamlReader& r, const YAML::Node& n, CommandSpec* c) {
  r.CheckKeys(n, "command", {"repo", "ref", "requirements_dir", "entrypoint", "args", "python"});
  r.Get(n, "command", "repo", &c->repo, kRequired);
  r.Get(n, "command", "ref", &c->ref, kOptional);
  r.Get(n, "command", "requirements_dir", &c->requirements_dir, kOptional);
  r.Get(n, "command", "entrypoint", &c->entrypoint, kRequired);
  r.Get(n, "command", "args", &c->args, kOptional);
  r.Get(n, "command", "python", &c->python, kOptional);
}

bool ParseKind(const std::string& text, JobKind* kind) {
  if (text == "train") *kind = JobKind::kTrain;
  else if (text == "command") *kind = JobKind::kCommand;
  else return false;
  return true;
}

// Reads a parsed document; the version is checked first so that a plan of
// another version gets one clear message, not a list of unknown fields.
void ReadPlan(YamlReader& r, const YAML::Node& root, Plan* plan) {
  if (!r.ExpectMap(root, "")) return;
  if (!r.Get(root, "", "dml_plan", &plan->version, kRequired)) return;
  if (plan->version != kPlanVersion) {
    const std::string older = plan->version < kPlanVersion ? ", written by an older dmlc," : "";
    r.Error("dml_plan", "plan version " + std::to_string(plan->version) + older +
                            " is not supported (this dmlrun reads version " + std::to_string(kPlanVersion) +
                            "); rebuild it with the dmlc of this release");
    return;
  }
  r.CheckKeys(root, "", {"dml_plan", "job", "cluster", "timeouts", "train", "command"});
  if (YAML::Node j = r.Section(root, "", "job", kRequired)) {
    r.CheckKeys(j, "job", {"name", "kind", "max_restarts"});
    r.Get(j, "job", "name", &plan->job, kRequired);
    r.Get(j, "job", "max_restarts", &plan->max_restarts, kOptional);
    std::string kind;
    if (r.Get(j, "job", "kind", &kind, kRequired) && !ParseKind(kind, &plan->kind)) {
      r.Error("job.kind", "unknown job kind '" + kind + "' (known: train, command)");
    }
  }
  if (YAML::Node c = r.Section(root, "", "cluster", kRequired)) ReadCluster(r, c, &plan->cluster);
  if (YAML::Node t = r.Section(root, "", "timeouts", kOptional)) ReadTimeouts(r, t, &plan->timeouts);
  if (YAML::Node t = r.Section(root, "", "train", kOptional)) {
    plan->train.emplace();
    ReadTrain(r, t, &*plan->train);
  }
  if (YAML::Node c = r.Section(root, "", "command", kOptional)) {
    plan->command.emplace();
    ReadCommand(r, c, &*plan->command);
  }
}

}  // namespace

LoadResult ParsePlan(const std::string& text, const std::string& source) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors only by exception; turn it into a value here.
    result.errors.push_back(base::Error::InPlan(source, "", "not valid YAML at line " +
                                                                std::to_string(e.mark.line + 1) + ", column " +
                                                                std::to_string(e.mark.column + 1) + ": " + e.msg));
    return result;
  }
  Plan plan;
  YamlReader reader(source, &result.errors);
  ReadPlan(reader, root, &plan);
  if (!result.errors.empty()) return result;
  result.errors = Validate(plan, source);
  if (result.errors.empty()) result.plan = std::move(plan);
  return result;
}

LoadResult LoadPlanFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, {base::Error::InPlan(path, "", "cannot read the plan file")}};
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePlan(text.str(), path);
}

}  // namespace dml::plan
