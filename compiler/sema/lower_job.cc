// The job half of lowering: the plan's kind, timeouts and train or command spec.
#include "compiler/sema/lower.h"

namespace dml::sema {
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

}  // namespace

void LowerJob(const Value& job, plan::Plan& plan) {
  const Value& timeouts = Get(job, "timeouts");
  plan.timeouts.rendezvous_s = Get(timeouts, "rendezvous").number;
  plan.timeouts.collective_s = Get(timeouts, "collective").number;
  plan.timeouts.job_s = Get(timeouts, "job").number;
  if (const Value* train = job.Field("train")) {
    plan.kind = plan::JobKind::kTrain;
    plan.train = LowerTrain(*train);
  } else {
    plan.kind = plan::JobKind::kCommand;
    plan.command = LowerCommand(Get(job, "run"));
  }
}

}  // namespace dml::sema
