// dmlc fmt over every .dml file in the repository that parses (samples, the
// stdlib, the golden cases): formatting is idempotent, never changes a
// token (so never the meaning), and its output parses.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/fmt/formatter.h"
#include "compiler/syntax/lex.h"
#include "compiler/syntax/parser.h"

namespace dml::format {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> RepositoryDmlFiles() {
  std::vector<std::string> files;
  for (const char* dir : {"samples", "stdlib", "tests/compiler/golden"}) {
    const fs::path root = fs::path(DML_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().extension() == ".dml") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Parses(const std::string& text) {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  syntax::ParseText("file.dml", text, sources, sink);
  return !sink.HasErrors();
}

// What the formatter must keep: every token's class and text. Line comments
// lose trailing blanks, which are whitespace too.
std::vector<std::string> Meaning(const std::string& text) {
  std::vector<std::string> out;
  const std::vector<syntax::Token> tokens = syntax::Lex(text).value();
  for (const syntax::Token& t : tokens) {
    std::string token_text = t.text;
    if (t.kind == syntax::TokenKind::kLineComment) token_text.erase(token_text.find_last_not_of(" \t\r") + 1);
    out.push_back(std::string(syntax::TokenKindName(t.kind)) + " " + token_text);
  }
  return out;
}

std::string Format(const std::string& text) { return FormatTokens(syntax::Lex(text).value()); }

TEST(FormatRoundTrip, EveryRepositoryFileThatParses) {
  int formatted = 0;
  for (const std::string& path : RepositoryDmlFiles()) {
    const std::string text = ReadFile(path);
    if (!Parses(text)) continue;  // fail_* cases with syntax errors
    SCOPED_TRACE(path);
    const std::string once = Format(text);
    EXPECT_EQ(Format(once), once) << "not idempotent";
    EXPECT_EQ(Meaning(once), Meaning(text)) << "a token changed";
    EXPECT_TRUE(Parses(once)) << "the output does not parse:\n" << once;
    ++formatted;
  }
  // The samples and the stdlib alone are more than this.
  constexpr int kAtLeast = 4;
  EXPECT_GE(formatted, kAtLeast);
}

// Trickier layouts than the repository's files, to the same three rules.
TEST(FormatRoundTrip, HandWrittenLayouts) {
  const std::vector<std::string> cases = {
      "cluster c { a { b { c = [1,\n2] } }, d = 1 }\n",
      "let x = [ // why\n  1, /* two */ 2,\n\n\n  3 ]\n",
      "job j on c\n{\n train { epochs\n = 1 } // t\n}\n// end",
      "let a = m {}\nlet b = m {\n}\nlet c = [\n]\n",
      "param p: int = -3 /* a */ /* b */\n/* c */ let q = p\n",
      "let s = \"a  // not a comment {\"\n",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(Parses(text));
    const std::string once = Format(text);
    EXPECT_EQ(Format(once), once);
    EXPECT_EQ(Meaning(once), Meaning(text));
    EXPECT_TRUE(Parses(once)) << once;
  }
}

}  // namespace
}  // namespace dml::format
