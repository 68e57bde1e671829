// dmlc fmt's layout rules, one behaviour per test, on small inputs.
#include "compiler/fmt/formatter.h"

#include <gtest/gtest.h>

#include "compiler/syntax/lex.h"

namespace dml::format {
namespace {

// Formats `text`, which must parse.
std::string Fmt(const std::string& text) {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  const diag::FileId file = sources.Add("test.dml", text);
  std::optional<std::string> out = FormatSource(file, sources, sink);
  EXPECT_FALSE(sink.HasErrors()) << text;
  return out.value_or("<syntax errors>");
}

TEST(Formatter, SpacesAssignmentsAndSeparators) {
  EXPECT_EQ(Fmt("let   a=1\nlet b =[1,2 ,3]\nlet c=m { x=1 , y=\"s\"}\n"),
            "let a = 1\nlet b = [1, 2, 3]\nlet c = m { x = 1, y = \"s\" }\n");
}

TEST(Formatter, ParamDeclarations) {
  EXPECT_EQ(Fmt("param   workers :int=1\nparam key:string\n"),
            "param workers: int = 1\nparam key: string\n");
}

TEST(Formatter, IndentsMultiLineBlocksOneFieldPerLine) {
  EXPECT_EQ(Fmt("cluster c {\nmaster {\n      flavor = f, image = i\n}\n    network { cidr = 10.0.0.0/24 }\n}\n"),
            "cluster c {\n"
            "  master {\n"
            "    flavor = f,\n"
            "    image = i\n"
            "  }\n"
            "  network { cidr = 10.0.0.0/24 }\n"
            "}\n");
}

TEST(Formatter, KeepsAtMostOneBlankLineAndNoneInsideBrackets) {
  EXPECT_EQ(Fmt("\n\nlet a = 1\n\n\n\nlet b = 2\ncluster c {\n\n  x = 1\n\n\n  y = 2\n\n}\n\n\n"),
            "let a = 1\n\nlet b = 2\ncluster c {\n  x = 1\n\n  y = 2\n}\n");
}

TEST(Formatter, JoinsLinesBrokenInsideOneElement) {
  EXPECT_EQ(Fmt("cluster c\n{\n  x =\n    1\n  y = chameleon\n  .m1\n}\n"),
            "cluster c {\n  x = 1\n  y = chameleon.m1\n}\n");
}

TEST(Formatter, MultiLineListsOneItemPerLine) {
  EXPECT_EQ(Fmt("let a = [\n1, 2,\n    3\n]\nlet b = [  ]\n"), "let a = [\n  1,\n  2,\n  3\n]\nlet b = []\n");
}

TEST(Formatter, NegativeNumbersKeepTheirSign) {
  EXPECT_EQ(Fmt("let a = [ - 1, -2e-3 ]\nlet b = - 5\n"), "let a = [-1, -2e-3]\nlet b = -5\n");
}

TEST(Formatter, KeepsCommentsInPlaceAndAlignsTrailingOnes) {
  EXPECT_EQ(Fmt("// head\n\n"
                "param a: int = 1 // first   \n"
                "param bb: int = 22     // second\n"
                "\n"
                "cluster c { // opens\n"
                "      /* block\n"
                "   kept */\n"
                "  x = 1   // alone\n"
                "  // last\n"
                "}  // closes\n"),
            "// head\n\n"
            "param a: int = 1    // first\n"
            "param bb: int = 22  // second\n"
            "\n"
            "cluster c {  // opens\n"
            "  /* block\n"
            "   kept */\n"
            "  x = 1  // alone\n"
            "  // last\n"
            "}  // closes\n");
}

TEST(Formatter, AlignsTrailingCommentsPerSection) {
  // A section: lines at one indentation without a blank line between; lines
  // without a comment neither break it nor widen it.
  EXPECT_EQ(Fmt("let a = 1 // one\nlet long_name = 22\nlet b = [1,\n2] // two\nlet c = 3 // three\n\nlet d = 4 // four\n"),
            "let a = 1  // one\n"
            "let long_name = 22\n"
            "let b = [\n"
            "  1,\n"
            "  2\n"
            "]          // two\n"
            "let c = 3  // three\n"
            "\n"
            "let d = 4  // four\n");
}

TEST(Formatter, InlineBlockCommentsStayInline) {
  EXPECT_EQ(Fmt("let a = /* why */ 1\n"), "let a = /* why */ 1\n");
}

TEST(Formatter, ImportsAndJobHeaders) {
  EXPECT_EQ(Fmt("import   chameleon\nimport a.b   as   c\njob   j   on   c{\nx=1\n}\n"),
            "import chameleon\nimport a.b as c\njob j on c {\n  x = 1\n}\n");
}

TEST(Formatter, EmptyFileStaysEmpty) {
  EXPECT_EQ(Fmt(""), "");
  EXPECT_EQ(Fmt("\n\n  \n"), "");
  EXPECT_EQ(Fmt("// only a comment"), "// only a comment\n");
}

TEST(Formatter, RefusesFilesWithSyntaxErrors) {
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  const diag::FileId file = sources.Add("bad.dml", "cluster c {\n  x = \n");
  EXPECT_FALSE(FormatSource(file, sources, sink).has_value());
  EXPECT_TRUE(sink.HasErrors());
}

TEST(Formatter, UnknownPunctuationKeepsTheAuthorsSpacing) {
  // Tokens the formatter has no rule for (here: lexer error characters,
  // which a parsed file never has) keep whether a space preceded them.
  const std::optional<std::vector<syntax::Token>> tokens = syntax::Lex("a @b $ c");
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(FormatTokens(*tokens), "a @b $ c\n");
}

TEST(Lex, ClassifiesTokensAndRecordsLayout) {
  const std::optional<std::vector<syntax::Token>> tokens =
      syntax::Lex("import x // c\n\n  let y = 4GiB /* b */ \"s\"");
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 9u);
  using K = syntax::TokenKind;
  const std::vector<K> kinds = {K::kKeyword, K::kIdent, K::kLineComment, K::kKeyword, K::kIdent,
                                K::kPunct,   K::kNumber, K::kBlockComment, K::kString};
  for (size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ((*tokens)[i].kind, kinds[i]) << i;
  EXPECT_EQ((*tokens)[3].newlines_before, 2);
  EXPECT_EQ((*tokens)[3].line, 3);
  EXPECT_EQ((*tokens)[3].column, 3);
  EXPECT_EQ((*tokens)[6].text, "4GiB");
  EXPECT_FALSE((*tokens)[0].space_before);
  EXPECT_TRUE((*tokens)[1].space_before);
}

TEST(Lex, RefusesTextThatIsNotUtf8) {
  EXPECT_FALSE(syntax::Lex("let a = \"\xff\"").has_value());
  EXPECT_FALSE(syntax::Lex(std::string("a\0b", 3)).has_value());
  EXPECT_TRUE(syntax::Lex("let é = 1").has_value());
}

}  // namespace
}  // namespace dml::format
