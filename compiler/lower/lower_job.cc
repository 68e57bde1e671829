// The job half of lowering: the plan's kind, restarts, timeouts and train or
// command spec; the params its text holds; the dataset's digests.
#include <algorithm>
#include <cctype>

#include "compiler/lower/field.h"
#include "compiler/lower/heat_params.h"
#include "compiler/lower/lower.h"

namespace dml::lower {

using sema::FieldValue;
using sema::Splice;
using sema::Value;
using sema::ValueKind;

namespace {

plan::Dataset LowerDataset(const Value& d) {
  plan::Dataset out;
  out.name = Field<std::string>(d, "name");
  out.format = Field<std::string>(d, "format");
  out.dir = Field<std::string>(d, "dir");
  out.train_images = Field<std::string>(d, "train_images");
  out.train_labels = Field<std::string>(d, "train_labels");
  out.test_images = Field<std::string>(d, "test_images");
  out.test_labels = Field<std::string>(d, "test_labels");
  out.train_size = Field<int64_t>(d, "train_size");
  out.test_size = Field<int64_t>(d, "test_size");
  return out;
}

plan::Optimizer LowerOptimizer(const Value& o) {
  plan::Optimizer out;
  out.kind = o.record_type;
  out.lr = Field<double>(o, "lr");
  out.weight_decay = Field<double>(o, "weight_decay");
  if (o.record_type == "adam") {
    out.beta1 = Field<double>(o, "beta1");
    out.beta2 = Field<double>(o, "beta2");
    out.eps = Field<double>(o, "eps");
  } else {
    out.momentum = Field<double>(o, "momentum");
  }
  return out;
}

plan::TrainSpec LowerTrain(const Value& t) {
  plan::TrainSpec out;
  out.dataset = LowerDataset(Field<Record>(t, "dataset"));
  const Value& model = Field<Record>(t, "model");
  out.model.kind = model.record_type;
  for (const Value& size : Field<List>(model, "layers")) out.model.layers.push_back(size.int_value);
  out.model.activation = Field<std::string>(model, "activation");
  out.loss = Field<std::string>(t, "loss");
  out.optimizer = LowerOptimizer(Field<Record>(t, "optimizer"));
  out.batch_per_rank = static_cast<int>(Field<int64_t>(t, "batch"));
  out.epochs = static_cast<int>(Field<int64_t>(t, "epochs"));
  out.seed = static_cast<uint64_t>(Field<int64_t>(t, "seed"));
  out.threads_per_rank = static_cast<int>(Field<int64_t>(t, "threads"));
  if (const Value* checkpoint = t.Field("checkpoint")) {
    out.checkpoint.dir = Field<std::string>(*checkpoint, "dir");
    out.checkpoint.every_epochs = static_cast<int>(Field<int64_t>(*checkpoint, "every"));
  }
  return out;
}

plan::CommandSpec LowerCommand(const Value& r) {
  plan::CommandSpec out;
  out.repo = Field<std::string>(r, "repo");
  out.ref = Field<std::string>(r, "ref");
  out.requirements_dir = Field<std::string>(r, "requirements");
  out.entrypoint = Field<std::string>(r, "entrypoint");
  for (const Value& arg : Field<List>(r, "args")) out.args.push_back(arg.text);
  out.python = Field<std::string>(r, "python");
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
  return ir::DatasetDigests{
      LowerCase(Field<std::string>(*sha, "train_images")), LowerCase(Field<std::string>(*sha, "train_labels")),
      LowerCase(Field<std::string>(*sha, "test_images")), LowerCase(Field<std::string>(*sha, "test_labels"))};
}

}  // namespace

void LowerJob(const Value& job, ir::Deployment& out) {
  plan::Plan& plan = out.plan;
  plan.max_restarts = static_cast<int>(Field<int64_t>(job, "max_restarts"));
  const Value& timeouts = Field<Record>(job, "timeouts");
  plan.timeouts.rendezvous_s = Field<double>(timeouts, "rendezvous");
  plan.timeouts.collective_s = Field<double>(timeouts, "collective");
  plan.timeouts.job_s = Field<double>(timeouts, "job");
  plan.timeouts.heartbeat_s = Field<double>(timeouts, "heartbeat");
  if (const Value* train = job.Field("train")) {
    plan.kind = plan::JobKind::kTrain;
    plan.train = LowerTrain(*train);
  } else {
    plan.kind = plan::JobKind::kCommand;
    plan.command = LowerCommand(Field<Record>(job, "run"));
  }
  LowerTextParams(job, out);
  out.dataset_sha256 = LowerDigests(job);
}

}  // namespace dml::lower
