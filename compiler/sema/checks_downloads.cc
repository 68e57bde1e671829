// Where the training's files come from: a dataset's files in its `dir` or at
// https URLs (each with its sha256), the format's files all present, and a
// torchscript model from a `path` on the node or an https `url` with its
// sha256. A node never downloads a file it cannot check, nor over plain http.
#include <map>

#include "compiler/sema/checks.h"
#include "compiler/sema/downloads.h"
#include "runtime/plan/field_rules.h"

namespace dml::sema {
namespace {

constexpr const char* kSha256Help = "print it with `sha256sum FILE`";

// An https URL a node may fetch; false (reported) otherwise.
bool CheckUrl(const Value& url, const std::string& what, diag::DiagnosticSink& sink) {
  if (!IsHttpsUrl(url.text)) {
    sink.Report({diag::Kind::insecure_download_url, url.range,
                 what + " \"" + url.UserText() + "\" is not an https URL", {},
                 {"nodes download only over https, and check the file's sha256"}});
    return false;
  }
  if (plan::RuleResult problem = plan::CheckDownloadUrl(url.text)) {
    sink.Report({diag::Kind::value_out_of_range, url.range, what + " " + plan::QuoteForMessage(url.text) + " " + *problem,
                 {}, {}});
    return false;
  }
  return true;
}

// A downloaded file's digest: present, and (`check_format`: unless the
// dataset's digests are checked elsewhere) 64 hexadecimal digits.
void CheckDigest(const Value* sha, const Value& url, const std::string& what, diag::SourceRange missing_at,
                 bool check_format, diag::DiagnosticSink& sink) {
  if (sha == nullptr) {
    std::vector<diag::Note> notes;
    if (!(missing_at == url.range)) notes.push_back({url.range, "it is downloaded from here"});
    sink.Report({diag::Kind::missing_sha256, missing_at, what + " is downloaded but has no sha256 to check it against",
                 notes,
                 {"add its digest, as `sha256sum FILE` prints it, from a source you trust"}});
    return;
  }
  const std::string problem = check_format ? Sha256Problem(sha->text) : "";
  if (problem.empty()) return;
  sink.Report({diag::Kind::value_out_of_range, sha->range,
               "the sha256 of " + what + " must be 64 hexadecimal digits, but " + problem, {}, {kSha256Help}});
}

void RequireFiles(const Value& dataset, diag::DiagnosticSink& sink) {
  const Value* format = dataset.Field("format");
  const bool cifar = format != nullptr && format->text == "cifar";
  const std::string name = dataset.Field("name") ? "`" + dataset.Field("name")->text + "`" : std::string("the dataset");
  std::vector<std::string> missing;
  if (cifar) {
    for (const char* field : {"train_batches", "test_batches"}) {
      const Value* list = dataset.Field(field);
      if (list == nullptr || list->items.empty()) missing.push_back(field);
    }
  } else {
    for (const char* field : {"train_images", "train_labels", "test_images", "test_labels"}) {
      if (dataset.Field(field) == nullptr) missing.push_back(field);
    }
  }
  // The other format's files would be silently ignored.
  const std::vector<std::string> other = cifar ? std::vector<std::string>{"train_images", "train_labels", "test_images",
                                                                          "test_labels"}
                                               : std::vector<std::string>{"train_batches", "test_batches"};
  for (const std::string& field : other) {
    const FieldValue* entry = dataset.FieldEntry(field);
    if (entry == nullptr || entry->value == nullptr || entry->name_range == entry->value->range) continue;
    if (entry->value->kind == ValueKind::kList && entry->value->items.empty()) continue;
    std::vector<diag::Note> notes;
    if (const FieldValue* f = dataset.FieldEntry("format")) {
      const bool defaulted = f->value && f->name_range == f->value->range;
      notes.push_back({f->name_range, defaulted ? "the format is `idx`, the default" : "the format is set here"});
    }
    sink.Report({diag::Kind::conflicting_fields, entry->name_range,
                 "`" + field + "` is a file of " + (cifar ? "an idx" : "a cifar") + " dataset, but " + name + " is " +
                     (cifar ? "cifar" : "idx"),
                 notes,
                 {cifar ? "a cifar dataset reads `train_batches` and `test_batches`"
                        : "an idx dataset reads its four files; set `format = cifar` for batches"}});
  }
  for (const std::string& field : missing) {
    sink.Report({diag::Kind::missing_field, dataset.range,
                 "the " + std::string(cifar ? "cifar" : "idx") + " dataset " + name + " has no `" + field + "`", {},
                 {cifar ? "a cifar dataset lists its batch files: `" + field + " = [\"data_batch_1.bin\", ...]`"
                        : "an idx dataset names its four files"}});
  }
  if (!dataset.Field("dir") && !Downloads(dataset)) {
    sink.Report({diag::Kind::missing_field, dataset.range, "the dataset " + name + " has no `dir`", {},
                 {"set `dir` to the files' directory on the nodes, or give the files as https URLs to download"}});
  }
}

// A dataset on the image with digests has one for every file (nodes would
// not check the others); its files are all on the image or all downloaded
// (the image's are checked before the downloads arrive). The boot script
// checks an idx dataset's four files; a cifar dataset's batches on the image
// have no check yet, so their digests are refused rather than ignored.
void CheckDigestCoverage(const Value& dataset, const std::vector<DatasetFile>& files, diag::DiagnosticSink& sink) {
  const DatasetFile* local = nullptr;
  const DatasetFile* remote = nullptr;
  for (const DatasetFile& file : files) {
    const DatasetFile*& first = IsUrl(file.value->text) ? remote : local;
    if (first == nullptr) first = &file;
  }
  if (local && remote) {
    sink.Report({diag::Kind::conflicting_fields, local->value->range,
                 "the dataset's " + local->Describe() + " is a file on the nodes, but its " + remote->Describe() +
                     " is downloaded",
                 {{remote->value->range, "downloaded from here"}},
                 {"give every file as an https URL, or put them all in `dir` on the nodes"}});
    return;
  }
  const Value* sha = BlockField(dataset, "sha256");
  if (remote || sha == nullptr) return;
  const Value* format = dataset.Field("format");
  if (format != nullptr && format->text == "cifar") {
    for (const char* field : {"train_batches", "test_batches"}) {
      const Value* digests = sha->Field(field);
      if (digests == nullptr || digests->items.empty()) continue;
      sink.Report({diag::Kind::unsupported_by_runtime, digests->range,
                   "nodes do not check the digests of a cifar dataset's batches on the image yet", {},
                   {"give the batches as https URLs (each downloaded and checked), or leave out `sha256`"}});
      return;
    }
    return;
  }
  for (const DatasetFile& file : files) {
    if (file.sha256 != nullptr) continue;
    sink.Report({diag::Kind::missing_field, sha->range,
                 "the dataset's `sha256` has no digest for " + file.Describe() + ", which nodes would not check",
                 {{file.value->range, "the file"}}, {"give a digest for every file, or none"}});
  }
}

void CheckDatasetFiles(const Value& dataset, diag::DiagnosticSink& sink) {
  RequireFiles(dataset, sink);
  CheckDigestCoverage(dataset, DatasetFiles(dataset), sink);
  const Value* sha = BlockField(dataset, "sha256");
  std::map<std::string, const Value*> names;
  for (const DatasetFile& file : DatasetFiles(dataset)) {
    const Value& value = *file.value;
    const std::string what = "the dataset's " + file.Describe();
    if (IsUrl(value.text)) {
      if (!CheckUrl(value, what, sink)) continue;
      CheckDigest(file.sha256, value, what, sha ? sha->range : value.range, false, sink);
    }
    const std::string local = LocalName(value.text);
    if (plan::RuleResult problem = plan::CheckRelativePath(local)) {
      sink.Report({diag::Kind::value_out_of_range, value.range,
                   IsUrl(value.text) ? what + "'s file name \"" + local + "\" " + *problem
                                     : file.Describe() + " \"" + value.UserText() + "\" " + *problem,
                   {}, {IsUrl(value.text) ? "the URL's last path component names the file in the dataset's `dir`"
                                          : "write a file in the dataset's `dir`"}});
      continue;
    }
    auto [it, fresh] = names.emplace(local, &value);
    if (!fresh) {
      sink.Report({diag::Kind::value_out_of_range, value.range,
                   what + " is " + plan::QuoteForMessage(local) + " in the dataset's directory, as another file is",
                   {{it->second->range, "the other file"}}, {"each file needs a name of its own"}});
    }
  }
  // A cifar dataset's digests go batch by batch.
  for (const char* field : {"train_batches", "test_batches"}) {
    const Value* digests = sha ? sha->Field(field) : nullptr;
    const Value* batches = dataset.Field(field);
    if (digests == nullptr || digests->items.empty()) continue;
    const size_t count = batches ? batches->items.size() : 0;
    if (digests->items.size() == count) continue;
    sink.Report({diag::Kind::value_out_of_range, digests->range,
                 "`sha256." + std::string(field) + "` has " + std::to_string(digests->items.size()) +
                     (digests->items.size() == 1 ? " digest" : " digests") + " for " + std::to_string(count) +
                     (count == 1 ? " batch" : " batches"),
                 {}, {"give one digest per batch, in the order of `" + std::string(field) + "`"}});
  }
}

void CheckTorchscript(const Value& model, diag::DiagnosticSink& sink) {
  const FieldValue* url = model.FieldEntry("url");
  const FieldValue* path = model.FieldEntry("path");
  const FieldValue* sha = model.FieldEntry("sha256");
  if (url && path) {
    sink.Report({diag::Kind::conflicting_fields, path->name_range,
                 "a torchscript model comes from a `path` on the node or from a `url`, not both",
                 {{url->name_range, "`url` is set here"}}, {"remove one of them"}});
    return;
  }
  if (!url && !path) {
    sink.Report({diag::Kind::missing_field, model.range, "the torchscript model has neither `path` nor `url`", {},
                 {"`path = \"/opt/models/net.pt\"` (a file on the nodes) or `url = \"https://...\"` with `sha256`"}});
    return;
  }
  if (path) {
    if (sha) {
      sink.Report({diag::Kind::conflicting_fields, sha->name_range,
                   "`sha256` checks a downloaded model; this one is a `path` on the node",
                   {{path->name_range, "`path` is set here"}}, {"remove `sha256`, or download the model from a `url`"}});
    }
    if (plan::RuleResult problem = plan::CheckNodePath(path->value->text)) {
      sink.Report({diag::Kind::value_out_of_range, path->value->range,
                   "`path` " + plan::QuoteForMessage(path->value->text) + " " + *problem, {},
                   {"a file on the nodes: absolute, or relative to where dmlrun runs"}});
    }
    return;
  }
  if (!CheckUrl(*url->value, "the torchscript model's `url`", sink)) return;
  CheckDigest(sha ? sha->value.get() : nullptr, *url->value, "the torchscript model", model.range, true, sink);
}

}  // namespace

void CheckDownloads(const Value& train, diag::DiagnosticSink& sink) {
  if (const Value* dataset = BlockField(train, "dataset")) CheckDatasetFiles(*dataset, sink);
  const Value* model = BlockField(train, "model");
  if (model != nullptr && model->record_type == "torchscript") CheckTorchscript(*model, sink);
}

}  // namespace dml::sema
