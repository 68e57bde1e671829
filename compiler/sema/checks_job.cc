// The job rules: https repos, consistent timeouts, the dataset's digests, a
// step's batch (one of two fields) against the dataset and the world, what the runtime can run (the model
// against the dataset and the downloads in checks_model.cc and
// checks_downloads.cc); and the limits on param-driven
// counts that lowering turns into Heat range constraints.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "compiler/sema/checks.h"
#include "runtime/plan/capabilities.h"

namespace dml::sema {
namespace {

// What the runtime runs (runtime/plan/capabilities.h) against what the
// language has: a name the prelude declares that dmlrun lacks is refused here,
// at its line:col, rather than by the nodes.
// "`adam`, `adamw` and `sgd`"
template <size_t N>
std::string Listed(const std::array<std::string_view, N>& known) {
  std::string text;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) text += i + 1 == N ? " and " : ", ";
    text += "`" + std::string(known[i]) + "`";
  }
  return text;
}

template <size_t N>
void CheckSupported(const std::array<std::string_view, N>& known, const Value* value, const std::string& name,
                    const char* what, diag::DiagnosticSink& sink) {
  if (value == nullptr || plan::Supports(known, name)) return;
  sink.Report({diag::Kind::unsupported_by_runtime, value->range,
               std::string("dmlrun has no ") + what + " `" + name + "` yet", {},
               {"so far dmlrun has " + Listed(known)}});
}

void CheckRuntimeSupport(const Value& train, diag::DiagnosticSink& sink) {
  const Value* model = BlockField(train, "model");
  if (model) CheckSupported(plan::kModelKinds, model, model->record_type, "model", sink);
  const Value* optimizer = BlockField(train, "optimizer");
  if (optimizer) CheckSupported(plan::kOptimizerKinds, optimizer, optimizer->record_type, "optimizer", sink);
  const Value* loss = train.Field("loss");
  if (loss) CheckSupported(plan::kLosses, loss, loss->text, "loss", sink);
  const Value* dataset = BlockField(train, "dataset");
  const Value* format = dataset ? dataset->Field("format") : nullptr;
  if (format) CheckSupported(plan::kDatasetFormats, format, format->text, "dataset format", sink);
  const Value* activation = model ? model->Field("activation") : nullptr;
  if (activation) CheckSupported(plan::kActivations, activation, activation->text, "activation", sink);
}

// The text of `url` as written decides: a param (`${p}`) may fill in the
// host or path, but the https:// must be in the file, so that no value
// given at stack create can make nodes clone over ssh or plain http.
void CheckRepoUrl(const Value* url, diag::DiagnosticSink& sink) {
  if (url == nullptr || url->kind != ValueKind::kString || IsHttpsUrl(url->text)) return;
  const std::string shown = url->UserText();
  std::vector<std::string> help;
  std::string https = HttpsForm(shown);
  if (!https.empty()) {
    help.push_back("use the https form: \"" + https + "\"");
  } else if (!url->splices.empty()) {
    help.push_back("a param may fill in the rest of the URL, but `https://` must be written in the file: "
                   "\"https://github.com/${org}/train.git\"");
  } else {
    help.push_back("nodes clone without credentials or host keys: use an https:// URL");
  }
  sink.Report({diag::Kind::insecure_repo_url, url->range, "repo \"" + shown + "\" is not an https URL", {}, help});
}

// A default fills in its field at the block's name: the value and the name
// share one place then.
bool IsDefault(const Value& block, const char* field) {
  const FieldValue* entry = block.FieldEntry(field);
  return entry != nullptr && entry->value != nullptr && entry->name_range == entry->value->range;
}

void CheckTimeouts(const Value& job, diag::DiagnosticSink& sink) {
  const Value* timeouts = BlockField(job, "timeouts");
  if (timeouts == nullptr) return;
  const Value* whole = timeouts->Field("job");
  for (const char* part : {"rendezvous", "collective"}) {
    const Value* v = timeouts->Field(part);
    if (v && whole && v->number >= whole->number) {
      sink.Report({diag::Kind::value_out_of_range, v->range,
                   std::string("`") + part + "` (" + DurationText(v->number) + ") must be shorter than `job` (" +
                       DurationText(whole->number) + ")",
                   {}, {}});
    }
  }
  // The failure detector must name a dead peer before a collective blocked
  // on it times out with no name.
  const Value* heartbeat = timeouts->Field("heartbeat");
  const Value* collective = timeouts->Field("collective");
  if (!heartbeat || !collective || heartbeat->number < collective->number) return;
  const std::string why =
      "a rank silent for `heartbeat` is declared dead and named; a collective blocked on it fails after "
      "`collective` with no name, so `heartbeat` must run out first";
  if (IsDefault(*timeouts, "heartbeat")) {
    sink.Report({diag::Kind::value_out_of_range, collective->range,
                 "`collective` (" + DurationText(collective->number) + ") must be longer than `heartbeat` (" +
                     DurationText(heartbeat->number) + ", the default)",
                 {}, {why}});
  } else {
    sink.Report({diag::Kind::value_out_of_range, heartbeat->range,
                 "`heartbeat` (" + DurationText(heartbeat->number) + ") must be shorter than `collective` (" +
                     DurationText(collective->number) + ")",
                 {}, {why}});
  }
}

// The digests of the dataset's files, when it gives them (64 hex digits each).
void CheckDatasetDigests(const Value& train, diag::DiagnosticSink& sink) {
  const Value* dataset = BlockField(train, "dataset");
  const Value* sha = dataset ? BlockField(*dataset, "sha256") : nullptr;
  if (sha == nullptr) return;
  auto check = [&](const Value& digest, const std::string& what) {
    const std::string problem = Sha256Problem(digest.text);
    if (problem.empty()) return;
    sink.Report({diag::Kind::value_out_of_range, digest.range,
                 "the sha256 of " + what + " must be 64 hexadecimal digits, but " + problem, {},
                 {"print it with `sha256sum FILE`"}});
  };
  for (const FieldValue& file : sha->fields) {
    if (!file.value) continue;
    if (file.value->kind == ValueKind::kString) check(*file.value, "`" + file.name + "`");
    if (file.value->kind != ValueKind::kList) continue;
    for (size_t i = 0; i < file.value->items.size(); ++i) {
      check(file.value->items[i], "`" + file.name + "` entry " + std::to_string(i + 1));
    }
  }
}

// Notes saying which counts of the world size are params' defaults (a
// deploy-time count may differ).
std::vector<diag::Note> ParamCountNotes(const ClusterShape& shape) {
  std::vector<diag::Note> notes;
  for (const GroupShape& g : shape.groups) {
    if (g.CountParam() != nullptr && g.count->param != nullptr) {
      notes.push_back({g.count->param->range, (shape.groups_syntax ? "the count of `" + g.name + "`" : std::string("the worker count")) +
                                                  " is the default of param `" + *g.CountParam() + "`"});
    }
  }
  return notes;
}

std::string DatasetName(const Value& dataset) {
  const Value* name = dataset.Field("name");
  return name ? "`" + name->text + "`" : std::string("the dataset");
}

// A step is sized one way: rows per rank, or rows over all ranks.
bool CheckBatchFields(const Value& train, diag::DiagnosticSink& sink) {
  const FieldValue* per_rank = train.FieldEntry("batch");
  const FieldValue* global = train.FieldEntry("global_batch");
  if (per_rank != nullptr && global != nullptr) {
    sink.Report({diag::Kind::conflicting_fields, global->name_range,
                 "`global_batch` and `batch` both size a step: only one of them may be set",
                 {{per_rank->name_range, "`batch` is set here"}},
                 {"`batch = N`: every rank takes N rows a step (the step grows with the ranks, as in DDP); "
                  "`global_batch = N`: a step takes N rows split among the ranks (the same training at any size)"}});
    return false;
  }
  if (per_rank == nullptr && global == nullptr) {
    sink.Report({diag::Kind::missing_field, train.range, "`train` sets no batch: it needs `batch` or `global_batch`",
                 {},
                 {"`batch = 64`: every rank takes 64 rows a step; `global_batch = 64`: a step takes 64 rows split "
                  "among the ranks"}});
    return false;
  }
  return true;
}

void CheckGlobalBatch(const Value& batch, const Value& dataset, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  const int64_t train_size = IntFieldOr(&dataset, "train_size", 0);
  if (train_size > 0 && batch.int_value > train_size) {
    sink.Report({diag::Kind::batch_exceeds_dataset, batch.range,
                 "global batch " + std::to_string(batch.int_value) + " exceeds the " + std::to_string(train_size) +
                     " training samples of " + DatasetName(dataset),
                 {}, {"a global batch of at most the training set: one step is at most one epoch"}});
  }
  std::optional<int64_t> world = shape.Ranks();
  if (!world || batch.int_value >= *world) return;
  sink.Report({diag::Kind::batch_below_world, batch.range,
               "global batch " + std::to_string(batch.int_value) + " cannot give each of the " +
                   std::to_string(*world) + " ranks a row: some would never train",
               ParamCountNotes(shape),
               {"a global batch of at least " + std::to_string(*world) + ", or fewer ranks"}});
}

void CheckBatch(const Value& train, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  if (!CheckBatchFields(train, sink)) return;
  const Value* dataset = train.Field("dataset");
  if (!dataset || dataset->kind != ValueKind::kRecord) return;
  if (const Value* global = train.Field("global_batch")) {
    CheckGlobalBatch(*global, *dataset, shape, sink);
    return;
  }
  const Value* batch = train.Field("batch");
  std::optional<int64_t> world = shape.Ranks();
  if (!batch || !world) return;
  int64_t train_size = IntFieldOr(dataset, "train_size", 0);
  // batch x world > train_size, without overflowing for absurd inputs.
  if (train_size <= 0 || *world <= 0 || batch->int_value <= train_size / *world) return;
  int64_t global = 0;
  std::string product = __builtin_mul_overflow(batch->int_value, *world, &global)
                            ? "more than " + std::to_string(INT64_MAX)
                            : std::to_string(global);
  sink.Report({diag::Kind::batch_exceeds_dataset, batch->range,
               "batch " + std::to_string(batch->int_value) + " per rank x world size " + std::to_string(*world) +
                   " = " + product + " exceeds the " + std::to_string(train_size) + " training samples of " +
                   DatasetName(*dataset),
               ParamCountNotes(shape), {"a smaller batch or fewer ranks: every rank needs at least one full batch"}});
}

}  // namespace

void CheckJob(const Value& job, const ClusterShape& cluster, diag::DiagnosticSink& sink) {
  if (const Value* run = BlockField(job, "run")) CheckRepoUrl(run->Field("repo"), sink);
  CheckPlanText(job, sink);
  CheckTimeouts(job, sink);
  const Value* train = BlockField(job, "train");
  if (train == nullptr) return;
  CheckRuntimeSupport(*train, sink);
  CheckDatasetDigests(*train, sink);
  CheckDownloads(*train, sink);
  CheckModel(*train, sink);
  CheckBatch(*train, cluster, sink);
}

std::map<std::string, int64_t> CountLimits(const Value& cluster, const ClusterShape& shape, const Value& job) {
  std::map<std::string, int64_t> limits;
  const int64_t capacity = shape.cidr ? net::WorkerCapacity(*shape.cidr) : 0;
  const Value* train = BlockField(job, "train");
  const Value* batch = train ? train->Field("batch") : nullptr;
  const Value* global = train ? train->Field("global_batch") : nullptr;
  const Value* dataset = train ? train->Field("dataset") : nullptr;
  // Every rank needs a full batch per rank, or a row of the global batch.
  int64_t most_ranks = -1;  // no limit
  if (global && global->int_value > 0) {
    most_ranks = global->int_value;
  } else if (batch && batch->int_value > 0 && dataset && dataset->kind == ValueKind::kRecord) {
    most_ranks = IntFieldOr(dataset, "train_size", 0) / batch->int_value;
  }
  for (const GroupShape& g : shape.groups) {
    const std::string* param = g.CountParam();
    if (param == nullptr || limits.count(*param) != 0) continue;
    // The other groups at their defaults; this param's groups at x each.
    int64_t other_nodes = 0;
    int64_t other_ranks = 0;
    int64_t groups = 0;
    int64_t procs = 0;
    for (const GroupShape& o : shape.groups) {
      if (o.CountParam() != nullptr && *o.CountParam() == *param) {
        ++groups;
        procs += o.procs;
      } else {
        // Saturating: absurd counts must not overflow (they fail other checks).
        int64_t ranks = 0;
        if (__builtin_mul_overflow(o.nodes.value_or(0), o.procs, &ranks) ||
            __builtin_add_overflow(other_ranks, ranks, &other_ranks)) {
          other_ranks = INT64_MAX / 2;
        }
        other_nodes += o.nodes.value_or(0);
      }
    }
    int64_t most = (capacity + 1 - other_nodes) / std::max<int64_t>(groups, 1);
    if (most_ranks >= 0 && procs > 0) most = std::min(most, (most_ranks - other_ranks) / procs);
    if (std::optional<int64_t> quota = QuotaCountLimit(cluster, shape, *param)) most = std::min(most, *quota);
    limits[*param] = std::max<int64_t>(most, 0);
  }
  return limits;
}

}  // namespace dml::sema
