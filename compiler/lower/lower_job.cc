// The job half of lowering: the plan's kind, restarts, timeouts and train or
// command spec; the params its text holds; the dataset's digests.
#include <algorithm>
#include <cctype>

#include "compiler/lower/heat_params.h"
#include "compiler/lower/lower.h"

namespace dml::lower {

using sema::FieldValue;
using sema::Splice;
using sema::Value;
using sema::ValueKind;

namespace {

const Value& Get(const Value& record, const char* field) {
  static const Value kAbsent;
  const Value* value = record.Field(field);
  return value ? *value : kAbsent;
}

plan::Dataset LowerDataset(const Value& d) {
  plan::Dataset out;
  out.name = Get(d, "name").text;
  out.format = Get(d, "format").text;
  out.dir = Get(d, "dir").text;
  out.train_images = Get(d, "train_images").text;
  out.train_labels = Get(d, "train_labels").text;
  out.test_images = Get(d, "test_images").text;
  out.test_labels = Get(d, "test_labels").text;
  out.train_size = Get(d, "train_size").int_value;
  out.test_size = Get(d, "test_size").int_value;
  return out;
}

plan::Optimizer LowerOptimizer(const Value& o) {
  plan::Optimizer out;
  out.kind = o.record_type;
  out.lr = Get(o, "lr").number;
  out.weight_decay = Get(o, "weight_decay").number;
  if (o.record_type == "adam") {
    out.beta1 = Get(o, "beta1").number;
    out.beta2 = Get(o, "beta2").number;
    out.eps = Get(o, "eps").number;
  } else {
    out.momentum = Get(o, "momentum").number;
  }
  return out;
}

plan::TrainSpec LowerTrain(const Value& t) {
  plan::TrainSpec out;
  out.dataset = LowerDataset(Get(t, "dataset"));
  const Value& model = Get(t, "model");
  out.model.kind = model.record_type;
  for (const Value& size : Get(model, "layers").items) out.model.layers.push_back(size.int_value);
  out.model.activation = Get(model, "activation").text;
  out.loss = Get(t, "loss").text;
  out.optimizer = LowerOptimizer(Get(t, "optimizer"));
  out.batch_per_rank = static_cast<int>(Get(t, "batch").int_value);
  out.epochs = static_cast<int>(Get(t, "epochs").int_value);
  out.seed = static_cast<uint64_t>(Get(t, "seed").int_value);
  out.threads_per_rank = static_cast<int>(Get(t, "threads").int_value);
  if (const Value* checkpoint = t.Field("checkpoint")) {
    out.checkpoint.dir = Get(*checkpoint, "dir").text;
    out.checkpoint.every_epochs = static_cast<int>(Get(*checkpoint, "every").int_value);
  }
  return out;
}

plan::CommandSpec LowerCommand(const Value& r) {
  plan::CommandSpec out;
  out.repo = Get(r, "repo").text;
  out.ref = Get(r, "ref").text;
  out.requirements_dir = Get(r, "requirements").text;
  out.entrypoint = Get(r, "entrypoint").text;
  for (const Value& arg : Get(r, "args").items) out.args.push_back(arg.text);
  out.python = Get(r, "python").text;
  return out;
}

// Every param that some string of `value` holds, in order of first use.
void CollectSplices(const Value& value, std::vector<const Value*>& params) {
  for (const Splice& splice : value.splices) {
    const std::string& name = splice.param->text;
    if (std::none_of(params.begin(), params.end(), [&](const Value* p) { return p->text == name; })) {
      params.push_back(splice.param.get());
    }
  }
  for (const Value& item : value.items) CollectSplices(item, params);
  for (const FieldValue& field : value.fields) {
    if (field.value) CollectSplices(*field.value, params);
  }
}

// Params put into plan text: the plan keeps their tokens; a text param's
// Heat parameter admits only what cannot break the plan's YAML.
void LowerTextParams(const Value& job, ir::Deployment& out) {
  std::vector<const Value*> params;
  CollectSplices(job, params);
  for (const Value* param : params) {
    out.text_params.push_back({param->text, param->param_default ? param->param_default->ScalarText() : ""});
    for (ir::HeatParam& heat : out.params) {
      if (heat.name != param->text || heat.type != ir::ParamType::kString) continue;
      heat.allowed_pattern = sema::kPlanTextPattern;
      heat.allowed_pattern_description = sema::kPlanTextPatternReason;
    }
  }
}

std::string LowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::optional<ir::DatasetDigests> LowerDigests(const Value& job) {
  const Value* train = job.Field("train");
  const Value* dataset = train ? train->Field("dataset") : nullptr;
  const Value* sha = dataset ? dataset->Field("sha256") : nullptr;
  if (sha == nullptr || sha->kind != ValueKind::kRecord) return std::nullopt;
  return ir::DatasetDigests{LowerCase(Get(*sha, "train_images").text), LowerCase(Get(*sha, "train_labels").text),
                            LowerCase(Get(*sha, "test_images").text), LowerCase(Get(*sha, "test_labels").text)};
}

}  // namespace

void LowerJob(const Value& job, ir::Deployment& out) {
  plan::Plan& plan = out.plan;
  plan.max_restarts = static_cast<int>(Get(job, "max_restarts").int_value);
  const Value& timeouts = Get(job, "timeouts");
  plan.timeouts.rendezvous_s = Get(timeouts, "rendezvous").number;
  plan.timeouts.collective_s = Get(timeouts, "collective").number;
  plan.timeouts.job_s = Get(timeouts, "job").number;
  plan.timeouts.heartbeat_s = Get(timeouts, "heartbeat").number;
  if (const Value* train = job.Field("train")) {
    plan.kind = plan::JobKind::kTrain;
    plan.train = LowerTrain(*train);
  } else {
    plan.kind = plan::JobKind::kCommand;
    plan.command = LowerCommand(Get(job, "run"));
  }
  LowerTextParams(job, out);
  out.dataset_sha256 = LowerDigests(job);
}

}  // namespace dml::lower
