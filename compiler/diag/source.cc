#include "compiler/diag/source.h"

#include <tuple>

namespace dml::diag {

bool operator<(const SourceRange& a, const SourceRange& b) {
  return std::tie(a.file, a.line, a.column, a.length) <
         std::tie(b.file, b.line, b.column, b.length);
}

bool operator==(const SourceRange& a, const SourceRange& b) {
  return std::tie(a.file, a.line, a.column, a.length) ==
         std::tie(b.file, b.line, b.column, b.length);
}

FileId SourceManager::Add(std::string name, std::string text) {
  File file{std::move(name), std::move(text), {0}};
  for (size_t i = 0; i < file.text.size(); ++i) {
    if (file.text[i] == '\n') file.line_starts.push_back(i + 1);
  }
  files_.push_back(std::move(file));
  return static_cast<FileId>(files_.size() - 1);
}

namespace {
const std::string& Empty() {
  static const std::string empty;
  return empty;
}
}  // namespace

const std::string& SourceManager::Name(FileId id) const {
  if (id < 0 || static_cast<size_t>(id) >= files_.size()) return Empty();
  return files_[id].name;
}

const std::string& SourceManager::Text(FileId id) const {
  if (id < 0 || static_cast<size_t>(id) >= files_.size()) return Empty();
  return files_[id].text;
}

std::string SourceManager::Line(FileId id, int line) const {
  if (id < 0 || static_cast<size_t>(id) >= files_.size() || line < 1) return "";
  const File& file = files_[id];
  const size_t index = static_cast<size_t>(line - 1);
  if (index >= file.line_starts.size()) return "";
  const size_t start = file.line_starts[index];
  size_t end = index + 1 < file.line_starts.size() ? file.line_starts[index + 1] - 1
                                                   : file.text.size();
  if (end > start && file.text[end - 1] == '\r') --end;  // CRLF files
  return file.text.substr(start, end - start);
}

}  // namespace dml::diag
