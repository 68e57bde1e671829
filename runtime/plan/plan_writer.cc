// Writes the plan as YAML in a fixed field order, so that plans diff cleanly
// and golden tests are stable.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "runtime/plan/plan_yaml.h"

namespace dml::plan {
namespace {

// Shortest text that reads back as the same double ("0.001", not 0.0010000000000000000208).
std::string Num(double value) { return fmt::format("{}", value); }

void WriteGroups(YAML::Emitter& out, const Cluster& c, const SerializeOptions& options) {
  out << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const NodeGroup& g : c.groups) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << g.name;
    if (options.count_param_tokens && !g.count_param.empty()) {
      out << YAML::Key << "count" << YAML::Value << ParamToken(g.count_param);
    } else {
      out << YAML::Key << "count" << YAML::Value << g.count;
    }
    if (!g.count_param.empty()) out << YAML::Key << "count_param" << YAML::Value << g.count_param;
    out << YAML::Key << "procs_per_node" << YAML::Value << g.procs_per_node;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void WriteTrain(YAML::Emitter& out, const TrainSpec& t) {
  out << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << t.dataset.name;
  out << YAML::Key << "format" << YAML::Value << t.dataset.format;
  out << YAML::Key << "dir" << YAML::Value << t.dataset.dir;
  out << YAML::Key << "train_images" << YAML::Value << t.dataset.train_images;
  out << YAML::Key << "train_labels" << YAML::Value << t.dataset.train_labels;
  out << YAML::Key << "test_images" << YAML::Value << t.dataset.test_images;
  out << YAML::Key << "test_labels" << YAML::Value << t.dataset.test_labels;
  out << YAML::Key << "train_size" << YAML::Value << t.dataset.train_size;
  out << YAML::Key << "test_size" << YAML::Value << t.dataset.test_size;
  out << YAML::EndMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << t.model.kind;
  out << YAML::Key << "layers" << YAML::Value << YAML::Flow << t.model.layers;
  out << YAML::Key << "activation" << YAML::Value << t.model.activation;
  out << YAML::EndMap;
  out << YAML::Key << "loss" << YAML::Value << t.loss;
  out << YAML::Key << "optimizer" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << t.optimizer.kind;
  out << YAML::Key << "lr" << YAML::Value << Num(t.optimizer.lr);
  out << YAML::Key << "momentum" << YAML::Value << Num(t.optimizer.momentum);
  out << YAML::Key << "weight_decay" << YAML::Value << Num(t.optimizer.weight_decay);
  out << YAML::Key << "beta1" << YAML::Value << Num(t.optimizer.beta1);
  out << YAML::Key << "beta2" << YAML::Value << Num(t.optimizer.beta2);
  out << YAML::Key << "eps" << YAML::Value << Num(t.optimizer.eps);
  out << YAML::EndMap;
  out << YAML::Key << "batch_per_rank" << YAML::Value << t.batch_per_rank;
  out << YAML::Key << "epochs" << YAML::Value << t.epochs;
  out << YAML::Key << "seed" << YAML::Value << t.seed;
  out << YAML::Key << "threads_per_rank" << YAML::Value << t.threads_per_rank;
  out << YAML::Key << "checkpoint" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dir" << YAML::Value << t.checkpoint.dir;
  out << YAML::Key << "every_epochs" << YAML::Value << t.checkpoint.every_epochs;
  out << YAML::EndMap;
  out << YAML::EndMap;
}

void WriteCommand(YAML::Emitter& out, const CommandSpec& c) {
  out << YAML::Key << "command" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "repo" << YAML::Value << c.repo;
  out << YAML::Key << "ref" << YAML::Value << c.ref;
  out << YAML::Key << "requirements_dir" << YAML::Value << c.requirements_dir;
  out << YAML::Key << "entrypoint" << YAML::Value << c.entrypoint;
  out << YAML::Key << "args" << YAML::Value << YAML::Flow << c.args;
  out << YAML::Key << "python" << YAML::Value << c.python;
  out << YAML::EndMap;
}

}  // namespace

std::string ParamToken(const std::string& param) { return "__DML_PARAM_" + param + "__"; }

std::string SerializePlan(const Plan& plan, const SerializeOptions& options) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "dml_plan" << YAML::Value << plan.version;
  out << YAML::Key << "job" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << plan.job;
  out << YAML::Key << "kind" << YAML::Value << JobKindName(plan.kind);
  out << YAML::Key << "max_restarts" << YAML::Value << plan.max_restarts;
  out << YAML::EndMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "subnet" << YAML::Value << plan.cluster.subnet;
  out << YAML::Key << "master_addr" << YAML::Value << plan.cluster.master_addr;
  out << YAML::Key << "port" << YAML::Value << plan.cluster.port;
  WriteGroups(out, plan.cluster, options);
  out << YAML::EndMap;
  out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rendezvous_s" << YAML::Value << Num(plan.timeouts.rendezvous_s);
  out << YAML::Key << "collective_s" << YAML::Value << Num(plan.timeouts.collective_s);
  out << YAML::Key << "job_s" << YAML::Value << Num(plan.timeouts.job_s);
  out << YAML::Key << "heartbeat_s" << YAML::Value << Num(plan.timeouts.heartbeat_s);
  out << YAML::EndMap;
  if (plan.train) WriteTrain(out, *plan.train);
  if (plan.command) WriteCommand(out, *plan.command);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace dml::plan
