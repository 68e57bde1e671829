// ShellQuote: every value that lands in a boot script must come back from
// bash byte for byte, and run nothing.
#include "compiler/emit/shell_quote.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::RunCommand;
using test_util::WriteFile;

TEST(EmitShellQuote, PlainValuesUseSingleQuotes) {
  EXPECT_EQ(ShellQuote("main"), "'main'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(id)"), "'$(id)'");
  EXPECT_EQ(ShellQuote("a\nb"), "'a\nb'");  // newlines are fine inside quotes
}

TEST(EmitShellQuote, ControlCharactersUseAnsiCQuotes) {
  EXPECT_EQ(ShellQuote(std::string("a\rb")), "$'a\\x0db'");
  EXPECT_EQ(ShellQuote(std::string("x\x01'\\")), "$'x\\x01\\'\\\\'");
  // Bytes that are not UTF-8 cannot live in the YAML template as they are.
  EXPECT_EQ(ShellQuote(std::string("\xff")), "$'\\xff'");
  EXPECT_EQ(ShellQuote("caf\xc3\xa9"), "'caf\xc3\xa9'");  // UTF-8 é stays
}

TEST(EmitShellQuote, BlockScalarSafety) {
  EXPECT_TRUE(IsBlockScalarSafe("tab\there\nnewline \xe2\x82\xac"));  // €
  EXPECT_FALSE(IsBlockScalarSafe("cr\r"));
  EXPECT_FALSE(IsBlockScalarSafe("\xc2\x85"));        // NEL, a YAML line break
  EXPECT_FALSE(IsBlockScalarSafe("\xe2\x80\xa8"));    // U+2028
  EXPECT_FALSE(IsBlockScalarSafe("\xc0\xaf"));        // overlong '/'
  EXPECT_FALSE(IsBlockScalarSafe("\xed\xa0\x80"));    // a surrogate
  EXPECT_FALSE(IsBlockScalarSafe("\xe2\x82"));        // truncated
  EXPECT_FALSE(IsBlockScalarSafe(std::string("nul\0", 4)));
}

// Each hostile value is assigned in bash from its quoted form and printed
// back; none may run a command (each would create the marker file).
TEST(EmitShellQuote, HostileStringsRoundTripThroughBash) {
  const std::string dir = MakeTempDir("quote");
  const std::string marker = dir + "/pwned";
  const std::vector<std::string> values = {
      "main'; touch " + marker + "; '",
      "$(touch " + marker + ")",
      "`touch " + marker + "`",
      "${PATH}$HOME\\\"quoted\" 'single'",
      "line1\nline2\n; touch " + marker + "\n",
      "'",
      "''''",
      "\\",
      "--upload-pack=touch " + marker,
      "a\tb !history *glob? [x] ~user #comment |pipe &bg;semi <in >out",
      std::string("control\x01\x1b[31m\r\x7f chars"),
      std::string("nul-free but \xff\xfe not utf-8"),
      "\xe2\x80\xa8 and \xc2\x85 line breaks",
      "$'ansi' $\"locale\"",
      "",
  };
  std::string script = "set -eu\n";
  for (size_t i = 0; i < values.size(); ++i) {
    script += "v" + std::to_string(i) + "=" + ShellQuote(values[i]) + "\n";
    script += "printf '%s' \"$v" + std::to_string(i) + "\" > " + dir + "/out" +
              std::to_string(i) + "\n";
  }
  WriteFile(dir + "/script.sh", script);
  const auto result = RunCommand("bash " + dir + "/script.sh");
  ASSERT_EQ(result.status, 0) << result.output << "\n" << script;
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(ReadFile(dir + "/out" + std::to_string(i)), values[i]) << "value " << i;
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a quoted value ran a command";
}

}  // namespace
}  // namespace dml::emit
