// Machine-readable diagnostics for editors and scripts.
#include <nlohmann/json.hpp>

#include "compiler/diag/diagnostic.h"
#include "compiler/diag/utf8.h"

namespace dml::diag {
namespace {

nlohmann::json PlaceJson(const SourceRange& range, const SourceManager& sources) {
  nlohmann::json place = nlohmann::json::object();
  if (range.file == kNoFile) return place;
  // File names come from the command line and may hold any bytes.
  place["file"] = ToValidUtf8(sources.Name(range.file));
  if (range.line > 0) {
    place["line"] = range.line;
    place["column"] = range.column;
    place["length"] = range.length;
  }
  return place;
}

}  // namespace

std::string RenderJson(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources) {
  nlohmann::json all = nlohmann::json::array();
  for (const Diagnostic& d : diagnostics) {
    const KindInfo& info = Info(d.kind);
    nlohmann::json item = PlaceJson(d.range, sources);
    item["severity"] = SeverityName(info.severity);
    item["kind"] = info.name;
    item["message"] = ToValidUtf8(d.message);
    item["notes"] = nlohmann::json::array();
    for (const Note& note : d.notes) {
      nlohmann::json n = PlaceJson(note.range, sources);
      n["message"] = ToValidUtf8(note.message);
      item["notes"].push_back(std::move(n));
    }
    item["help"] = nlohmann::json::array();
    for (const std::string& help : d.help) item["help"].push_back(ToValidUtf8(help));
    all.push_back(std::move(item));
  }
  return all.dump(2) + "\n";
}

}  // namespace dml::diag
