// Syntax errors come in the user's words, at the right place, several per
// run, without cascades, and never as ANTLR's raw text.
#include <gtest/gtest.h>

#include <random>

#include "compiler/syntax/reporter.h"
#include "compiler/syntax/token_scan.h"
#include "parse_helper.h"

namespace dml::syntax {
namespace {

using testing::Parse;

// The only diagnostic of `text`: its message and place.
void ExpectOneError(const std::string& text, const std::string& message, int line, int column) {
  auto p = Parse(text);
  ASSERT_EQ(p->diagnostics.size(), 1u) << text << "\n" << p->Rendered();
  EXPECT_EQ(p->diagnostics[0].message, message) << p->Rendered();
  EXPECT_EQ(p->diagnostics[0].range.line, line) << p->Rendered();
  EXPECT_EQ(p->diagnostics[0].range.column, column) << p->Rendered();
}

TEST(SyntaxErrors, MissingEqualsAfterFieldName) {
  ExpectOneError("cluster c {\n  epochs 10\n}\n", "expected `=` or `{` after field name `epochs`, found `10`", 2, 10);
  // At the end of the line when the next token is on a later one.
  ExpectOneError("cluster c {\n  epochs\n  seed = 1\n}\n", "expected `=` or `{` after field name `epochs`", 2, 9);
  auto colon = Parse("cluster c {\n  epochs: 10\n}\n");
  ASSERT_EQ(colon->diagnostics.size(), 1u) << colon->Rendered();
  EXPECT_EQ(colon->diagnostics[0].help, std::vector<std::string>{"fields are set with `=`: `epochs = ...`"});
}

TEST(SyntaxErrors, MissingCloseBraceBeforeNextDeclaration) {
  auto p = Parse("cluster paper {\n  a = 1\n\njob mnist on paper {\n  b = 2\n}\n");
  ASSERT_EQ(p->diagnostics.size(), 1u) << p->Rendered();
  const diag::Diagnostic& d = p->diagnostics[0];
  EXPECT_EQ(d.message, "expected `}` to close the `cluster` block");
  EXPECT_EQ(d.range.line, 2);
  EXPECT_EQ(d.range.column, 8);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "the `cluster` block opened here");
  EXPECT_EQ(d.notes[0].range.line, 1);
  EXPECT_EQ(d.notes[0].range.column, 15);
  // Recovery keeps the job that follows.
  ASSERT_EQ(p->module.decls.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ast::Job>(p->module.decls[1]));
}

TEST(SyntaxErrors, MissingCloseBraceAtEndOfFile) {
  ExpectOneError("job j on c {\n  train {\n    batch = 64\n", "expected `}` to close the `train` block", 3, 15);
  ExpectOneError("let o = adam { lr = 1", "expected `}` to close the `adam` record", 1, 22);
  ExpectOneError("let xs = [1, 2\n", "expected `]` to close the list", 1, 15);
}

TEST(SyntaxErrors, StrayClosers) {
  ExpectOneError("cluster c {\n  a = 1 ]\n}\n", "unexpected `]`", 2, 9);
  ExpectOneError("cluster c {\n}\n}\n", "unexpected `}`", 3, 1);
}

TEST(SyntaxErrors, DeclarationMistakes) {
  ExpectOneError("foo = 1\n",
                 "expected a declaration (`import`, `param`, `let`, `type`, `enum`, `cluster` or `job`), found `foo`", 1, 1);
  ExpectOneError("job x paper {\n}\n", "expected `on` and a cluster name after job `x`, found `paper`", 1, 7);
  ExpectOneError("param x int\n", "expected `:` and a type after parameter `x`, found `int`", 1, 9);
  ExpectOneError("param x:\n", "expected a type after `:` in parameter `x`", 1, 9);
  ExpectOneError("let = 5\n", "expected a name after `let`, found `=`", 1, 5);
  ExpectOneError("let a 5\n", "expected `=` after `let a`, found `5`", 1, 7);
  ExpectOneError("cluster {\n}\n", "expected a cluster name after `cluster`, found `{`", 1, 9);
  ExpectOneError("cluster c\n", "expected `{` to open cluster `c`", 1, 10);
  ExpectOneError("import\n", "expected a module name after `import`", 1, 7);
  ExpectOneError("import a.\n", "expected a name after `.`", 1, 10);
  ExpectOneError("job j on c {\n}\nparam p: int job k on c {\n}\n",
                 "expected a new line before declaration `job`", 3, 14);
}

TEST(SyntaxErrors, ValueMistakes) {
  ExpectOneError("cluster c {\n  epochs = }\n", "expected a value for field `epochs`, found `}`", 2, 12);
  ExpectOneError("param n: int =\n", "expected a value for the default of parameter `n`", 1, 15);
  ExpectOneError("let xs = [1 2]\n", "expected `,` or `]` after the list item, found `2`", 1, 13);
  ExpectOneError("let x = a.\n", "expected a name after `.`", 1, 11);
  ExpectOneError("let x = -true\n", "expected a number after `-`, found `true`", 1, 10);
  ExpectOneError("cluster c { a = 1 b = 2 }\n", "expected a new line or `,` before field `b`", 1, 19);
}

TEST(SyntaxErrors, LexicalMistakes) {
  ExpectOneError("let s = \"abc\nlet t = 1\n", "string is not closed on its line", 1, 9);
  ExpectOneError("let t = 1 /* open\ncomment", "comment `/*` is never closed", 1, 11);
  ExpectOneError("let t = 1 @@\n", "unexpected characters `@@`", 1, 11);
  ExpectOneError("# a shell comment\nlet t = 1\n", "unexpected character `#`", 1, 1);
  ExpectOneError("let t = 1\x01\n", "unexpected character U+0001", 1, 10);
  auto p = Parse("let ip = 10.8.1.300\n");
  ASSERT_EQ(p->diagnostics.size(), 1u);
  EXPECT_EQ(p->diagnostics[0].kind, diag::Kind::invalid_literal);
  EXPECT_EQ(p->diagnostics[0].range.column, 17);
  EXPECT_EQ(p->diagnostics[0].range.length, 3);
}

TEST(SyntaxErrors, SeveralMistakesInOneRun) {
  auto p = Parse(
      "cluster c {\n"
      "  epochs 10\n"
      "  ip = 10.8.1.999\n"
      "  xs = [1, 2\n"
      "}\n"
      "job j c {\n"
      "  s = \"open\n"
      "}\n");
  std::vector<int> lines;
  for (const diag::Diagnostic& d : p->diagnostics) lines.push_back(d.range.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 6, 7})) << p->Rendered();
}

TEST(SyntaxErrors, TopLevelJunkDoesNotHideTheRestOfTheFile) {
  auto p = Parse("workers = 4\nlet = 5\ncluster {\n}\nlet fine = 1\n");
  std::vector<int> lines;
  for (const diag::Diagnostic& d : p->diagnostics) lines.push_back(d.range.line);
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 3})) << p->Rendered();
  ASSERT_FALSE(p->module.decls.empty());
  EXPECT_EQ(std::get<ast::Let>(p->module.decls.back()).name.name, "fine");
}

TEST(SyntaxErrors, BinaryJunkGetsOneMessage) {
  std::string junk;
  std::mt19937 random(7);
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>(random() & 0xff);
  auto p = Parse(junk);
  ASSERT_EQ(p->diagnostics.size(), 1u) << p->Rendered();
  EXPECT_EQ(p->diagnostics[0].message, "the file is not UTF-8 text");
  auto nul = Parse(std::string("let a = 1\nlet\0 b = 2\n", 20));
  ASSERT_EQ(nul->diagnostics.size(), 1u);
  EXPECT_EQ(nul->diagnostics[0].range.line, 2);
  EXPECT_EQ(nul->diagnostics[0].range.column, 4);
}

TEST(SyntaxErrors, HugeNestingIsRefusedNotCrashed) {
  for (const char* open : {"[", "{"}) {
    std::string text = "let x = ";
    for (int i = 0; i < 100000; ++i) text += open;
    auto p = Parse(text);
    ASSERT_EQ(p->diagnostics.size(), 1u) << open;
    EXPECT_NE(p->diagnostics[0].message.find("nest more than"), std::string::npos);
    EXPECT_EQ(p->diagnostics[0].range.column, 9 + kMaxNestingDepth);
  }
  std::string ok = "let x = ";
  for (int i = 0; i < kMaxNestingDepth; ++i) ok += "[";
  for (int i = 0; i < kMaxNestingDepth; ++i) ok += "]";
  EXPECT_TRUE(Parse(ok)->diagnostics.empty());
}

TEST(SyntaxErrors, ManyErrorsAreCapped) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "let = 1\n";
  auto p = Parse(text);
  ASSERT_EQ(p->diagnostics.size(), static_cast<size_t>(SyntaxReporter::kMaxErrors) + 1);
  EXPECT_EQ(p->diagnostics.back().message, "too many syntax errors; stopping here");
}

// Random damage to a valid file: whatever happens, no ANTLR text reaches the
// user, and every diagnostic has a place inside the file.
TEST(SyntaxErrors, NoRawAntlrMessagesUnderRandomDamage) {
  const std::string base =
      "import chameleon\nparam workers: int = 1\ncluster paper {\n  network { cidr = 10.8.1.0/24 }\n"
      "  workers { count = workers, flavor = chameleon.m1_medium }\n}\n"
      "job mnist on paper {\n  train { optimizer = adam { lr = 1e-3 }, layers = [784, 100, 10] }\n"
      "  timeouts { job = 2h }\n}\n";
  const std::string pieces[] = {"{", "}", "[", "]", "=", ",", ".", "job", "on", "\"", "-", ":", "1.2", "x", "\n"};
  std::mt19937 random(42);
  for (int round = 0; round < 400; ++round) {
    std::string text = base;
    for (int edit = 0; edit < 1 + round % 4; ++edit) {
      const size_t at = random() % text.size();
      if (random() % 2 == 0) {
        text.erase(at, 1 + random() % 3);
      } else {
        text.insert(at, pieces[random() % std::size(pieces)]);
      }
    }
    auto p = Parse(text);
    for (const diag::Diagnostic& d : p->diagnostics) {
      for (const char* raw : {"mismatched input", "extraneous input", "viable alternative", "token recognition",
                              "<missing", "<EOF>", "expecting"}) {
        EXPECT_EQ(d.message.find(raw), std::string::npos) << d.message << "\n--- input:\n" << text;
      }
      EXPECT_TRUE(d.range.valid()) << d.message;
    }
  }
}

}  // namespace
}  // namespace dml::syntax
