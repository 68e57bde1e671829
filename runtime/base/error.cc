#include "runtime/base/error.h"

#include <fmt/format.h>

namespace dml::base {
namespace {

void Append(std::string& out, const std::string& part) {
  if (part.empty()) return;
  if (!out.empty()) out += ": ";
  out += part;
}

struct LocationText {
  std::string operator()(std::monostate) const { return ""; }
  std::string operator()(const PlanField& at) const {
    std::string out = at.file;
    Append(out, at.field);
    return out;
  }
  std::string operator()(const FileAt& at) const {
    std::string out = at.path;
    Append(out, at.field);
    if (at.offset) Append(out, fmt::format("byte {}", *at.offset));
    return out;
  }
  std::string operator()(const RankAt& at) const { return fmt::format("rank {}", at.rank); }
  std::string operator()(const NodeAt& at) const { return fmt::format("node {}", at.node); }
};

}  // namespace

std::string Error::Where() const { return std::visit(LocationText{}, location_); }

std::string Error::Render() const {
  std::string out = Where();
  Append(out, message_);
  if (cause_) Append(out, cause_->Render());
  return out;
}

std::string RenderAll(const std::vector<Error>& errors) {
  std::string out;
  for (const Error& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.Render();
  }
  return out;
}

std::string Render(const std::optional<Error>& error) { return error ? error->Render() : std::string(); }

}  // namespace dml::base
