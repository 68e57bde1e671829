#include "compiler/sema/downloads.h"

namespace dml::sema {
namespace {

constexpr const char* kIdxFiles[] = {"train_images", "train_labels", "test_images", "test_labels"};
constexpr const char* kCifarBatches[] = {"train_batches", "test_batches"};

const Value* Digest(const Value* sha, const std::string& field, int index) {
  const Value* entry = sha ? sha->Field(field) : nullptr;
  if (entry == nullptr) return nullptr;
  if (index < 0) return entry->kind == ValueKind::kString ? entry : nullptr;
  if (entry->kind != ValueKind::kList || index >= static_cast<int>(entry->items.size())) return nullptr;
  return &entry->items[index];
}

}  // namespace

std::string DatasetFile::Describe() const {
  return "`" + field + "`" + (index >= 0 ? " entry " + std::to_string(index + 1) : std::string());
}

std::vector<DatasetFile> DatasetFiles(const Value& dataset) {
  std::vector<DatasetFile> files;
  const Value* format = dataset.Field("format");
  const Value* sha = BlockField(dataset, "sha256");
  if (format != nullptr && format->text == "cifar") {
    for (const char* field : kCifarBatches) {
      const Value* list = dataset.Field(field);
      if (list == nullptr || list->kind != ValueKind::kList) continue;
      for (size_t i = 0; i < list->items.size(); ++i) {
        const int index = static_cast<int>(i);
        files.push_back({field, index, &list->items[i], Digest(sha, field, index)});
      }
    }
    return files;
  }
  for (const char* field : kIdxFiles) {
    const Value* value = dataset.Field(field);
    if (value != nullptr && value->kind == ValueKind::kString) files.push_back({field, -1, value, Digest(sha, field, -1)});
  }
  return files;
}

bool IsUrl(std::string_view text) { return text.find("://") != std::string_view::npos; }

std::string UrlFileName(std::string_view url) {
  const size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "";  // a host alone
  rest = rest.substr(slash);
  return std::string(rest.substr(rest.rfind('/') + 1));
}

std::string LocalName(const std::string& text) { return IsUrl(text) ? UrlFileName(text) : text; }

bool Downloads(const Value& dataset) {
  for (const DatasetFile& file : DatasetFiles(dataset)) {
    if (IsUrl(file.value->text)) return true;
  }
  return false;
}

std::string DatasetDir(const Value& dataset) {
  if (const Value* dir = dataset.Field("dir")) return dir->text;
  const Value* name = dataset.Field("name");
  return kDatasetDownloadRoot + (name ? name->text : std::string());
}

std::string ModelDownloadPath(const std::string& job) { return kModelDownloadRoot + job + ".pt"; }

}  // namespace dml::sema
