// Text rendering in clang's layout:
//
//   samples/bad.dml:12:5: error: unknown field `epoch` in `train` [unknown_field]
//      12 |     epoch = 10
//         |     ^~~~~
//   samples/bad.dml:3:1: note: `train` block opened here
//   help: did you mean `epochs`?
#include <fmt/format.h>

#include <algorithm>

#include "compiler/diag/diagnostic.h"
#include "compiler/diag/utf8.h"

namespace dml::diag {
namespace {

constexpr int kGutterWidth = 5;  // "   12 | "

std::string Place(const SourceRange& range, const SourceManager& sources) {
  if (range.file == kNoFile) return "";
  const std::string& name = sources.Name(range.file);
  if (range.line <= 0) return name + ": ";
  return fmt::format("{}:{}:{}: ", name, range.line, range.column);
}

// The source line, then a caret under the range's first column and `~`
// under the rest of it (clipped to the line, at least the caret).
std::string Snippet(const SourceRange& range, const SourceManager& sources) {
  if (!range.valid()) return "";
  const std::string line = ForDisplay(sources.Line(range.file, range.line));
  std::string marker;
  int column = 1;
  int line_columns = 0;
  for (size_t i = 0; i < line.size(); ++column) {
    const size_t n = std::max<size_t>(1, Utf8SequenceLength(line, i));
    if (column < range.column) marker += line[i] == '\t' ? '\t' : ' ';
    i += n;
    ++line_columns;
  }
  // Past the end of the line (a missing `}` at the end of the file).
  for (int c = line_columns + 1; c < range.column; ++c) marker += ' ';
  marker += '^';
  const int room = std::max(0, line_columns - range.column + 1);
  const int tildes = std::min(range.length, std::max(room, 1)) - 1;
  marker.append(static_cast<size_t>(std::max(0, tildes)), '~');
  return fmt::format("{:>{}} | {}\n{:>{}} | {}\n", range.line, kGutterWidth, line, "",
                     kGutterWidth, marker);
}

}  // namespace

std::string Render(const Diagnostic& diagnostic, const SourceManager& sources) {
  const KindInfo& info = Info(diagnostic.kind);
  std::string out = fmt::format("{}{}: {} [{}]\n", Place(diagnostic.range, sources),
                                SeverityName(info.severity), EscapeForMessage(diagnostic.message), info.name);
  out += Snippet(diagnostic.range, sources);
  for (const Note& note : diagnostic.notes) {
    out += fmt::format("{}note: {}\n", Place(note.range, sources), EscapeForMessage(note.message));
    out += Snippet(note.range, sources);
  }
  for (const std::string& help : diagnostic.help) out += fmt::format("help: {}\n", EscapeForMessage(help));
  return out;
}

}  // namespace dml::diag
