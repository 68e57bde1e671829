// Writes the plan as YAML in a fixed field order, so that plans diff cleanly
// and golden tests are stable.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "runtime/plan/plan_yaml.h"

namespace dml::plan {
namespace {

// Shortest text that reads back as the same double ("0.001", not 0.0010000000000000000208).
std::string Num(double value) { return fmt::format("{}", value); }

// A string field; double-quoted when it holds a token Heat fills in (see
// SerializeOptions::quote_param_tokens).
class TextWriter {
 public:
  explicit TextWriter(const SerializeOptions& options) : quote_(options.quote_param_tokens) {}

  void Write(YAML::Emitter& out, const std::string& text) const {
    if (quote_ && text.find(kParamTokenPrefix) != std::string::npos) out << YAML::DoubleQuoted;
    out << text;
  }
  void Field(YAML::Emitter& out, const char* key, const std::string& text) const {
    out << YAML::Key << key << YAML::Value;
    Write(out, text);
  }
  void List(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) const {
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& item : items) Write(out, item);
    out << YAML::EndSeq;
  }

 private:
  bool quote_;
};

// One step of ReplaceParamTokens: `text` split at keys[i], each piece done
// with the later keys, joined with keys[i]'s value (Heat's Replace.result).
std::string ReplaceFrom(const std::string& text, const std::vector<std::pair<std::string, std::string>>& keys,
                        size_t i) {
  if (i == keys.size()) return text;
  const std::string& key = keys[i].first;
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(key, start);
    out += ReplaceFrom(text.substr(start, at == std::string::npos ? std::string::npos : at - start), keys, i + 1);
    if (at == std::string::npos) return out;
    out += keys[i].second;
    start = at + key.size();
  }
}

void WriteGroups(YAML::Emitter& out, const Cluster& c, const SerializeOptions& options) {
  const TextWriter text(options);
  out << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const NodeGroup& g : c.groups) {
    out << YAML::BeginMap;
    text.Field(out, "name", g.name);
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

void WriteTrain(YAML::Emitter& out, const TrainSpec& t, const TextWriter& text) {
  out << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap;
  text.Field(out, "name", t.dataset.name);
  text.Field(out, "format", t.dataset.format);
  text.Field(out, "dir", t.dataset.dir);
  text.Field(out, "train_images", t.dataset.train_images);
  text.Field(out, "train_labels", t.dataset.train_labels);
  text.Field(out, "test_images", t.dataset.test_images);
  text.Field(out, "test_labels", t.dataset.test_labels);
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
  text.Field(out, "dir", t.checkpoint.dir);
  out << YAML::Key << "every_epochs" << YAML::Value << t.checkpoint.every_epochs;
  out << YAML::EndMap;
  out << YAML::EndMap;
}

void WriteCommand(YAML::Emitter& out, const CommandSpec& c, const TextWriter& text) {
  out << YAML::Key << "command" << YAML::Value << YAML::BeginMap;
  text.Field(out, "repo", c.repo);
  text.Field(out, "ref", c.ref);
  text.Field(out, "requirements_dir", c.requirements_dir);
  text.Field(out, "entrypoint", c.entrypoint);
  text.List(out, "args", c.args);
  text.Field(out, "python", c.python);
  out << YAML::EndMap;
}

}  // namespace

std::string ParamToken(const std::string& param) { return kParamTokenPrefix + param + "__"; }

std::string ReplaceParamTokens(const std::string& text, const std::map<std::string, std::string>& values) {
  // Heat's order: longer tokens first, then in lexicographic order.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& [name, value] : values) keys.emplace_back(ParamToken(name), value);
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return ReplaceFrom(text, keys, 0);
}

std::string SerializePlan(const Plan& plan, const SerializeOptions& options) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "dml_plan" << YAML::Value << plan.version;
  out << YAML::Key << "job" << YAML::Value << YAML::BeginMap;
  const TextWriter text(options);
  text.Field(out, "name", plan.job);
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
  if (plan.train) WriteTrain(out, *plan.train, text);
  if (plan.command) WriteCommand(out, *plan.command, text);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace dml::plan
