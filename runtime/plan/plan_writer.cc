// Writes the plan as YAML in a fixed field order, so that plans diff cleanly
// and golden tests are stable. Written by hand rather than with yaml-cpp's
// emitter: every string is double-quoted with the escapes of YamlQuoted (so
// that `yes`, `10`, `2024-01-01` or `<<` stay strings for every reader, and
// DEL or U+FFFE reach every reader unchanged), and the copy for a Heat
// template holds Heat's tokens verbatim, which an emitter cannot write.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/plan/plan_yaml.h"
#include "runtime/plan/yaml_text.h"

namespace dml::plan {
namespace {

std::string Num(double value) { return YamlNumber(value); }

// Heat's tokens start and end with kHeatTokenMark; a '@' in text from the
// .dml file is escaped in the copy for Heat, so no such text can spell one.
constexpr std::string_view kTokenMarkChar = "@";

class Writer {
 public:
  explicit Writer(const SerializeOptions& options) : options_(options) {}

  // A string scalar; a param hole becomes Heat's token in the copy for a
  // template. Elsewhere dmlc fills holes first; one left would be written
  // as NUL escapes, which no reader takes for a token.
  std::string Str(std::string_view text) const {
    if (!options_.for_heat) return YamlQuoted(text);
    const std::string_view escape = kTokenMarkChar;
    std::string out = "\"";
    size_t at = 0;
    for (size_t hole = text.find(kParamHoleMark); hole != std::string_view::npos;
         hole = text.find(kParamHoleMark, at)) {
      const size_t end = text.find(kParamHoleMark, hole + 1);
      if (end == std::string_view::npos) break;
      out += Inner(text.substr(at, hole - at), escape);
      out += HeatParamToken(std::string(text.substr(hole + 1, end - hole - 1)));
      at = end + 1;
    }
    out += Inner(text.substr(at), escape);
    return out + "\"";
  }

  void Line(int indent, std::string_view key, std::string_view value) {
    text_ += fmt::format("{:{}}{}: {}\n", "", indent, key, value);
  }
  void Text(int indent, std::string_view key, std::string_view value) { Line(indent, key, Str(value)); }
  void Open(int indent, std::string_view key) { text_ += fmt::format("{:{}}{}:\n", "", indent, key); }
  // The first key of a map that is an item of a block sequence.
  void Item(int indent, std::string_view key, std::string_view value) {
    text_ += fmt::format("{:{}}- {}: {}\n", "", indent, key, value);
  }
  std::string Take() { return std::move(text_); }

 private:
  static std::string Inner(std::string_view text, std::string_view escape) {
    const std::string quoted = YamlQuoted(text, escape);
    return quoted.substr(1, quoted.size() - 2);
  }

  const SerializeOptions& options_;
  std::string text_;
};

template <typename T, typename Fn>
std::string FlowList(const std::vector<T>& items, Fn&& item) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + item(items[i]);
  return out + "]";
}

void WriteCluster(Writer& w, const Cluster& c, const SerializeOptions& options) {
  w.Open(0, "cluster");
  w.Text(2, "subnet", c.subnet);
  w.Text(2, "master_addr", c.master_addr);
  w.Line(2, "port", std::to_string(c.port));
  w.Open(2, "groups");
  for (const NodeGroup& g : c.groups) {
    w.Item(4, "name", w.Str(g.name));
    // The token of a count stays a plain scalar: Heat puts a number there.
    const bool token = options.for_heat && !g.count_param.empty();
    w.Line(6, "count", token ? HeatParamToken(g.count_param) : std::to_string(g.count));
    if (!g.count_param.empty()) w.Text(6, "count_param", g.count_param);
    w.Line(6, "procs_per_node", std::to_string(g.procs_per_node));
  }
}

void WriteTimeouts(Writer& w, const Timeouts& t) {
  w.Open(0, "timeouts");
  w.Line(2, "rendezvous_s", Num(t.rendezvous_s));
  w.Line(2, "collective_s", Num(t.collective_s));
  w.Line(2, "job_s", Num(t.job_s));
  w.Line(2, "heartbeat_s", Num(t.heartbeat_s));
}

std::string Ints(const std::vector<int64_t>& values) {
  return FlowList(values, [](int64_t n) { return std::to_string(n); });
}

// Each format's own files only, so a plan shows what its reader uses.
void WriteDataset(Writer& w, const Dataset& d) {
  w.Open(2, "dataset");
  w.Text(4, "name", d.name);
  w.Text(4, "format", d.format);
  w.Text(4, "dir", d.dir);
  if (d.format == "cifar") {
    w.Line(4, "train_batches", FlowList(d.train_batches, [&](const std::string& f) { return w.Str(f); }));
    w.Line(4, "test_batches", FlowList(d.test_batches, [&](const std::string& f) { return w.Str(f); }));
  } else {
    w.Text(4, "train_images", d.train_images);
    w.Text(4, "train_labels", d.train_labels);
    w.Text(4, "test_images", d.test_images);
    w.Text(4, "test_labels", d.test_labels);
  }
  w.Line(4, "train_size", std::to_string(d.train_size));
  w.Line(4, "test_size", std::to_string(d.test_size));
  w.Line(4, "shape", Ints(d.shape));
  w.Line(4, "classes", std::to_string(d.classes));
}

// Each kind's own fields only.
void WriteModel(Writer& w, const Model& m) {
  w.Open(2, "model");
  w.Text(4, "kind", m.kind);
  if (m.kind == "mlp") {
    w.Line(4, "layers", Ints(m.layers));
    w.Text(4, "activation", m.activation);
    return;
  }
  w.Line(4, "input", Ints(m.input));
  if (m.kind == "cnn") {
    w.Line(4, "channels", Ints(m.channels));
    w.Line(4, "kernel", std::to_string(m.kernel));
    w.Text(4, "activation", m.activation);
  }
  w.Line(4, "classes", std::to_string(m.classes));
  if (m.kind == "torchscript") w.Text(4, "file", m.file);
}

void WriteTrain(Writer& w, const TrainSpec& t) {
  w.Open(0, "train");
  WriteDataset(w, t.dataset);
  WriteModel(w, t.model);
  w.Text(2, "loss", t.loss);
  w.Open(2, "optimizer");
  w.Text(4, "kind", t.optimizer.kind);
  w.Line(4, "lr", Num(t.optimizer.lr));
  w.Line(4, "momentum", Num(t.optimizer.momentum));
  w.Line(4, "weight_decay", Num(t.optimizer.weight_decay));
  w.Line(4, "beta1", Num(t.optimizer.beta1));
  w.Line(4, "beta2", Num(t.optimizer.beta2));
  w.Line(4, "eps", Num(t.optimizer.eps));
  if (t.global_batch > 0) {
    w.Line(2, "global_batch", std::to_string(t.global_batch));
  } else {
    w.Line(2, "batch_per_rank", std::to_string(t.batch_per_rank));
  }
  w.Line(2, "epochs", std::to_string(t.epochs));
  w.Line(2, "seed", std::to_string(t.seed));
  w.Line(2, "threads_per_rank", std::to_string(t.threads_per_rank));
  w.Open(2, "checkpoint");
  w.Text(4, "dir", t.checkpoint.dir);
  w.Line(4, "every_epochs", std::to_string(t.checkpoint.every_epochs));
  if (t.downloads.empty()) return;
  w.Open(2, "downloads");
  for (const Download& d : t.downloads) {
    w.Item(4, "path", w.Str(d.path));
    w.Text(6, "url", d.url);
    w.Text(6, "sha256", d.sha256);
  }
}

void WriteCommand(Writer& w, const CommandSpec& c) {
  w.Open(0, "command");
  w.Text(2, "repo", c.repo);
  w.Text(2, "ref", c.ref);
  w.Text(2, "requirements_dir", c.requirements_dir);
  w.Text(2, "entrypoint", c.entrypoint);
  w.Line(2, "args", FlowList(c.args, [&](const std::string& arg) { return w.Str(arg); }));
  w.Text(2, "python", c.python);
}

}  // namespace

std::string ParamHole(const std::string& param) {
  return std::string(1, kParamHoleMark) + param + std::string(1, kParamHoleMark);
}

bool HasParamHole(std::string_view text) { return text.find(kParamHoleMark) != std::string_view::npos; }

std::string HeatParamToken(const std::string& param) {
  return std::string(kHeatTokenMark) + "DML_PARAM_" + param + std::string(kHeatTokenMark);
}

std::string ReplaceParamHoles(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t at = 0;
  for (size_t hole = text.find(kParamHoleMark); hole != std::string::npos; hole = text.find(kParamHoleMark, at)) {
    const size_t end = text.find(kParamHoleMark, hole + 1);
    if (end == std::string::npos) break;
    const std::string name = text.substr(hole + 1, end - hole - 1);
    const auto value = values.find(name);
    out += text.substr(at, hole - at);
    out += value == values.end() ? text.substr(hole, end + 1 - hole) : value->second;
    at = end + 1;
  }
  return out + text.substr(at);
}

std::string SerializePlan(const Plan& plan, const SerializeOptions& options) {
  Writer w(options);
  w.Line(0, "dml_plan", std::to_string(plan.version));
  w.Open(0, "job");
  w.Text(2, "name", plan.job);
  w.Text(2, "kind", JobKindName(plan.kind));
  w.Line(2, "max_restarts", std::to_string(plan.max_restarts));
  WriteCluster(w, plan.cluster, options);
  WriteTimeouts(w, plan.timeouts);
  if (plan.train) WriteTrain(w, *plan.train);
  if (plan.command) WriteCommand(w, *plan.command);
  return w.Take();
}

}  // namespace dml::plan
