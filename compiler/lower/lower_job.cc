// The job half of lowering: the plan's kind, restarts, timeouts and train or
// command spec (with the files nodes download); the params its text holds;
// the dataset's digests; the upload.
#include <algorithm>
#include <cctype>

#include "compiler/lower/field.h"
#include "compiler/lower/heat_params.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/downloads.h"

namespace dml::lower {

using sema::FieldValue;
using sema::Splice;
using sema::Value;
using sema::ValueKind;

namespace {

std::string LowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::vector<int64_t> Ints(const Value& record, const char* field) {
  std::vector<int64_t> out;
  for (const Value& item : Field<List>(record, field)) out.push_back(item.int_value);
  return out;
}

std::string TextOr(const Value& record, const char* field) {
  const Value* value = record.Field(field);
  return value ? value->text : std::string();
}

// The dataset's files by their names in its directory; those written as
// URLs become downloads into that directory (paths relative to it).
plan::Dataset LowerDataset(const Value& d, std::vector<plan::Download>& downloads) {
  plan::Dataset out;
  out.name = Field<std::string>(d, "name");
  out.format = Field<std::string>(d, "format");
  out.dir = sema::DatasetDir(d);
  for (const sema::DatasetFile& file : sema::DatasetFiles(d)) {
    const std::string local = sema::LocalName(file.value->text);
    if (file.index >= 0) {
      (file.field == "train_batches" ? out.train_batches : out.test_batches).push_back(local);
    } else if (file.field == "train_images") {
      out.train_images = local;
    } else if (file.field == "train_labels") {
      out.train_labels = local;
    } else if (file.field == "test_images") {
      out.test_images = local;
    } else {
      out.test_labels = local;
    }
    if (sema::IsUrl(file.value->text) && file.sha256 != nullptr) {
      downloads.push_back({local, file.value->text, LowerCase(file.sha256->text)});
    }
  }
  out.train_size = Field<int64_t>(d, "train_size");
  out.test_size = Field<int64_t>(d, "test_size");
  out.shape = Ints(d, "shape");
  out.classes = Field<int64_t>(d, "classes");
  return out;
}

plan::Model LowerModel(const Value& m, const std::string& job, std::vector<plan::Download>& downloads) {
  plan::Model out;
  out.kind = m.record_type;
  if (out.kind == "mlp") {
    out.layers = Ints(m, "layers");
    out.activation = Field<std::string>(m, "activation");
  } else if (out.kind == "cnn") {
    out.input = Ints(m, "input");
    out.channels = Ints(m, "channels");
    out.kernel = Field<int64_t>(m, "kernel");
    out.classes = Field<int64_t>(m, "classes");
    out.activation = Field<std::string>(m, "activation");
  } else {  // torchscript: a file on the node, or downloaded from its url
    out.input = Ints(m, "input");
    out.classes = Field<int64_t>(m, "classes");
    const std::string url = TextOr(m, "url");
    out.file = url.empty() ? Field<std::string>(m, "path") : sema::ModelDownloadPath(job);
    if (!url.empty()) downloads.push_back({out.file, url, LowerCase(Field<std::string>(m, "sha256"))});
  }
  return out;
}

plan::Optimizer LowerOptimizer(const Value& o) {
  plan::Optimizer out;
  out.kind = o.record_type;
  out.lr = Field<double>(o, "lr");
  out.weight_decay = Field<double>(o, "weight_decay");
  if (o.record_type == "sgd") {
    out.momentum = Field<double>(o, "momentum");
  } else {  // adam, adamw
    out.beta1 = Field<double>(o, "beta1");
    out.beta2 = Field<double>(o, "beta2");
    out.eps = Field<double>(o, "eps");
  }
  return out;
}

plan::TrainSpec LowerTrain(const Value& t, const std::string& job) {
  plan::TrainSpec out;
  out.dataset = LowerDataset(Field<Record>(t, "dataset"), out.downloads);
  out.model = LowerModel(Field<Record>(t, "model"), job, out.downloads);
  out.loss = Field<std::string>(t, "loss");
  out.optimizer = LowerOptimizer(Field<Record>(t, "optimizer"));
  // Sema let exactly one of the two through.
  if (t.Field("global_batch") != nullptr) {
    out.global_batch = static_cast<int>(Field<int64_t>(t, "global_batch"));
    out.batch_per_rank = 0;
  } else {
    out.batch_per_rank = static_cast<int>(Field<int64_t>(t, "batch"));
  }
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

std::optional<ir::DatasetDigests> LowerDigests(const Value& job) {
  const Value* train = job.Field("train");
  const Value* dataset = train ? train->Field("dataset") : nullptr;
  const Value* sha = dataset ? dataset->Field("sha256") : nullptr;
  if (sha == nullptr || sha->kind != ValueKind::kRecord) return std::nullopt;
  // Downloaded files are checked as they arrive (train.downloads), which
  // happens after the boot script's check of the files on the image.
  if (sema::Downloads(*dataset)) return std::nullopt;
  // The four files of an idx dataset (a cifar dataset's batch digests reach
  // the nodes as downloads only).
  for (const char* file : {"train_images", "train_labels", "test_images", "test_labels"}) {
    if (sha->Field(file) == nullptr) return std::nullopt;
  }
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
    plan.train = LowerTrain(*train, out.name);
  } else {
    plan.kind = plan::JobKind::kCommand;
    plan.command = LowerCommand(Field<Record>(job, "run"));
  }
  if (const Value* output = job.Field("output")) {
    if (const Value* upload = output->Field("upload")) out.upload = ir::Upload{upload->text};
  }
  LowerTextParams(job, out);
  out.dataset_sha256 = LowerDigests(job);
}

}  // namespace dml::lower
