#include "compiler/driver/module_loader.h"

#include <cctype>
#include <filesystem>

#include "compiler/driver/embedded_stdlib.h"
#include "compiler/driver/source_file.h"
#include "compiler/syntax/parser.h"

namespace dml::driver {

const EmbeddedFile* FindEmbedded(std::string_view path) {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

FileModuleLoader::FileModuleLoader(diag::SourceManager& sources, diag::DiagnosticSink& sink,
                                   std::vector<std::string> include_dirs)
    : sources_(sources), sink_(sink), include_dirs_(std::move(include_dirs)) {}

std::string FileModuleLoader::RelativePath(const std::string& dotted_name) {
  // The parser only produces identifier paths; this keeps a bad caller from
  // reaching outside the search path ("..", "/").
  if (dotted_name.empty() || dotted_name.front() == '.' || dotted_name.back() == '.') return "";
  std::string path;
  for (char c : dotted_name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
    if (!ok) return "";
    path += c == '.' ? '/' : c;
  }
  if (path.find("//") != std::string::npos) return "";
  return path + ".dml";
}

const ast::Module* FileModuleLoader::Load(const std::string& dotted_name) {
  auto cached = modules_.find(dotted_name);
  if (cached != modules_.end()) return cached->second.get();
  modules_[dotted_name] = nullptr;  // also what a failed lookup leaves

  const std::string relative = RelativePath(dotted_name);
  if (relative.empty()) return nullptr;
  for (const std::string& dir : include_dirs_) {
    const std::string path = (std::filesystem::path(dir) / relative).string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    ReadResult read = ReadSourceFile(path);
    if (!read.text) {
      const diag::FileId file = sources_.Add(path, "");
      sink_.Report({diag::Kind::file_not_found, {file, 0, 0, 1}, "cannot read module file: " + read.error});
      return nullptr;
    }
    return Parse(dotted_name, path, std::move(*read.text));
  }
  if (const EmbeddedFile* embedded = FindEmbedded(relative)) {
    return Parse(dotted_name, kStdlibPrefix + relative, std::string(embedded->text));
  }
  return nullptr;
}

const ast::Module* FileModuleLoader::Parse(const std::string& dotted_name, std::string shown_name,
                                           std::string text) {
  const diag::FileId file = sources_.Add(std::move(shown_name), std::move(text));
  auto module = std::make_unique<ast::Module>(syntax::ParseModule(file, sources_, sink_, dotted_name));
  const ast::Module* result = module.get();
  modules_[dotted_name] = std::move(module);
  return result;
}

}  // namespace dml::driver
