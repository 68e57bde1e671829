#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/diag/diagnostic.h"
#include "compiler/diag/utf8.h"

namespace dml::diag {
namespace {

class DiagRender : public ::testing::Test {
 protected:
  SourceManager sources_;  // before file_: members are built in this order
  FileId file_ = sources_.Add("samples/bad.dml",
                              "// header\n"
                              "job j on c {\n"
                              "  train {\n"
                              "    epoch = 10\n"
                              "\tx = 1\r\n"
                              "  }\n");
};

TEST_F(DiagRender, ClangLayoutWithNoteAndHelp) {
  Diagnostic d{Kind::unknown_field, {file_, 4, 5, 5}, "unknown field `epoch` in `train`",
               {{{file_, 3, 3, 5}, "`train` is here"}, {{}, "a note without a place"}},
               {"did you mean `epochs`?"}};
  EXPECT_EQ(Render(d, sources_),
            "samples/bad.dml:4:5: error: unknown field `epoch` in `train` [unknown_field]\n"
            "    4 |     epoch = 10\n"
            "      |     ^~~~~\n"
            "samples/bad.dml:3:3: note: `train` is here\n"
            "    3 |   train {\n"
            "      |   ^~~~~\n"
            "note: a note without a place\n"
            "help: did you mean `epochs`?\n");
}

TEST_F(DiagRender, TabsKeepTheCaretAlignedAndCrIsDropped) {
  Diagnostic d{Kind::syntax_error, {file_, 5, 2, 1}, "m"};
  EXPECT_EQ(Render(d, sources_),
            "samples/bad.dml:5:2: error: m [syntax_error]\n"
            "    5 | \tx = 1\n"
            "      | \t^\n");
}

TEST_F(DiagRender, RangeIsClippedToTheLineAndMayPointPastItsEnd) {
  Diagnostic long_range{Kind::syntax_error, {file_, 6, 3, 40}, "m"};
  EXPECT_NE(Render(long_range, sources_).find("    6 |   }\n      |   ^\n"), std::string::npos);
  Diagnostic past_end{Kind::syntax_error, {file_, 6, 5, 1}, "m"};
  EXPECT_NE(Render(past_end, sources_).find("      |     ^\n"), std::string::npos);
}

TEST_F(DiagRender, FileWithoutLineAndNoFileAtAll) {
  EXPECT_EQ(Render({Kind::file_not_found, {file_, 0, 0, 1}, "cannot read"}, sources_),
            "samples/bad.dml: error: cannot read [file_not_found]\n");
  EXPECT_EQ(Render({Kind::no_job, {}, "nothing"}, sources_), "error: nothing [no_job]\n");
}

TEST_F(DiagRender, InvalidUtf8AndControlCharactersAreShownAsQuestionMarks) {
  const FileId junk = sources_.Add("junk.dml", std::string("a\xff\x01\xc3\xa9z\n", 6));
  const std::string out = Render({Kind::syntax_error, {junk, 1, 5, 1}, "m"}, sources_);
  EXPECT_NE(out.find("    1 | a??\xc3\xa9z\n      |     ^\n"), std::string::npos) << out;
}

TEST(DiagSink, SortsByPlaceAndDropsDuplicates) {
  DiagnosticSink sink;
  sink.Report({Kind::undefined_name, {0, 9, 1, 1}, "b"});
  sink.Report({Kind::unknown_field, {0, 2, 5, 1}, "a"});
  sink.Report({Kind::undefined_name, {0, 9, 1, 1}, "b"});
  sink.Report({Kind::undefined_name, {0, 9, 1, 1}, "c"});
  const std::vector<Diagnostic> sorted = sink.Sorted();
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].message, "a");
  EXPECT_EQ(sorted[1].message, "b");
  EXPECT_EQ(sorted[2].message, "c");
  EXPECT_EQ(sink.ErrorCount(), 3);
  EXPECT_TRUE(sink.HasErrors());
  EXPECT_FALSE(DiagnosticSink().HasErrors());
}

TEST(DiagSummary, CountsLikeClang) {
  EXPECT_EQ(RenderSummary(0, 0), "");
  EXPECT_EQ(RenderSummary(1, 0), "1 error generated.");
  EXPECT_EQ(RenderSummary(3, 0), "3 errors generated.");
  EXPECT_EQ(RenderSummary(2, 1), "1 warning and 2 errors generated.");
}

TEST_F(DiagRender, JsonCarriesEveryPart) {
  Diagnostic d{Kind::unknown_field, {file_, 4, 5, 5}, "unknown field", {{{file_, 3, 3, 5}, "here"}}, {"fix"}};
  const nlohmann::json json = nlohmann::json::parse(RenderJson({d}, sources_));
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["file"], "samples/bad.dml");
  EXPECT_EQ(json[0]["line"], 4);
  EXPECT_EQ(json[0]["column"], 5);
  EXPECT_EQ(json[0]["length"], 5);
  EXPECT_EQ(json[0]["severity"], "error");
  EXPECT_EQ(json[0]["kind"], "unknown_field");
  EXPECT_EQ(json[0]["notes"][0]["line"], 3);
  EXPECT_EQ(json[0]["help"][0], "fix");
}

TEST(DiagSource, LinesPastTheEndAreEmpty) {
  SourceManager sources;
  const FileId id = sources.Add("f", "one\ntwo");
  EXPECT_EQ(sources.Line(id, 1), "one");
  EXPECT_EQ(sources.Line(id, 2), "two");
  EXPECT_EQ(sources.Line(id, 3), "");
  EXPECT_EQ(sources.Line(id, 0), "");
  EXPECT_EQ(sources.Line(id + 5, 1), "");
  EXPECT_EQ(sources.Name(id + 5), "");
}

TEST(DiagUtf8, ValidatesSequences) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xc3\xa9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82\xac", 0), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xc0\x80", 0), 0u);      // overlong
  EXPECT_EQ(Utf8SequenceLength("\xed\xa0\x80", 0), 0u);  // surrogate
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82", 0), 0u);      // truncated
  EXPECT_EQ(ToValidUtf8("a\xff"), "a\xef\xbf\xbd");
}

TEST(DiagUtf8, ForDisplayLetsNoTerminalControlThrough) {
  // ESC (an escape sequence), CR and LF (a forged line), DEL, U+009B (CSI),
  // U+0085 (NEL); one `?` per code point keeps the columns. Tab, é and U+00A0
  // stay as they are.
  EXPECT_EQ(ForDisplay("a\x1b[2Jb\r\nc\x7f"), "a?[2Jb??c?");
  EXPECT_EQ(ForDisplay("x\xc2\x9b" "31my\xc2\x85z"), "x?31my?z");
  EXPECT_EQ(ForDisplay("\t\xc3\xa9\xc2\xa0"), "\t\xc3\xa9\xc2\xa0");
}

}  // namespace
}  // namespace dml::diag

namespace dml::diag {
namespace {

// A value quoted in a message (an entrypoint with a newline or a terminal
// escape) cannot forge a line or move the cursor: its controls are escapes.
TEST(DiagRenderMessages, ControlCharactersInMessagesAreEscaped) {
  SourceManager sources;
  const FileId file = sources.Add("a.dml", "x\n");
  Diagnostic d{Kind::value_out_of_range, {file, 1, 1, 1}, "`e` \"a\nb.dml:1:1: error: forged\x1b[2J\xe2\x80\xae\"",
               {{{file, 1, 1, 1}, "note\twith tab"}}, {"help\r"}};
  const std::string out = Render(d, sources);
  EXPECT_NE(out.find("`e` \"a\\nb.dml:1:1: error: forged\\x1b[2J\\u202e\" [value_out_of_range]\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("note: note\\twith tab\n"), std::string::npos) << out;
  EXPECT_NE(out.find("help: help\\x0d\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace dml::diag
