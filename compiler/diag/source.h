// Source files and places in them. Every AST node and diagnostic carries a
// SourceRange; the SourceManager owns the text so diagnostics can show lines.
#pragma once

#include <string>
#include <vector>

namespace dml::diag {

using FileId = int;
inline constexpr FileId kNoFile = -1;

// A single-line span: 1-based line and column, length in characters (>= 1).
// A construct spanning lines is marked from its start to the end of that line.
struct SourceRange {
  FileId file = kNoFile;
  int line = 0;
  int column = 0;
  int length = 1;
  bool valid() const { return file != kNoFile && line > 0; }
};

bool operator<(const SourceRange& a, const SourceRange& b);
bool operator==(const SourceRange& a, const SourceRange& b);

class SourceManager {
 public:
  // `name` is how the file is shown in messages: the path the user gave, or
  // "<stdlib>/chameleon.dml" for embedded modules.
  FileId Add(std::string name, std::string text);
  const std::string& Name(FileId id) const;
  const std::string& Text(FileId id) const;
  std::string Line(FileId id, int line) const;  // without the newline; "" past the end

 private:
  struct File {
    std::string name;
    std::string text;
    std::vector<size_t> line_starts;
  };
  std::vector<File> files_;
};

}  // namespace dml::diag
