// The rules of the plan's text fields (runtime/plan/field_rules.h), each with
// values it accepts and hostile values it refuses; the git ref rule also
// against `git check-ref-format` itself.
#include "runtime/plan/field_rules.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace dml::plan {
namespace {

using namespace std::string_literals;

// The reason, or "" when the value passes.
std::string Why(RuleResult result) { return result.value_or(""); }

void ExpectAccepts(RuleResult (*rule)(std::string_view), const std::vector<std::string>& values) {
  for (const std::string& v : values) EXPECT_EQ(Why(rule(v)), "") << QuoteForMessage(v);
}

// Each value refused, with a reason holding `reason`.
void ExpectRefuses(RuleResult (*rule)(std::string_view),
                   const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [value, reason] : cases) {
    const std::string why = Why(rule(value));
    EXPECT_NE(why, "") << QuoteForMessage(value) << " was accepted";
    EXPECT_NE(why.find(reason), std::string::npos) << QuoteForMessage(value) << ": " << why;
  }
}

const std::vector<std::pair<std::string, std::string>> kHostileInAnyPath = {
    {"", "is empty"},
    {"..", "'..' component"},
    {"../x", "'..' component"},
    {"../../../etc/passwd", "'..' component"},
    {"a/../b", "'..' component"},
    {"a/..", "'..' component"},
    {"-x", "starts with '-'"},
    {"--upgrade", "starts with '-'"},
    {"a//b", "empty component"},
    {"a/", "empty component"},
    {"a\nb", "control character 0x0A at byte 2"},
    {"a\0b"s, "control character 0x00"},
    {"a\rb", "control character 0x0D"},
    {"a\x7f", "control character 0x7F"},
    {"a\x1b[2Jb", "control character 0x1B"},
    {"a\xc2\x9b" "b", "control character U+009B"},
};

TEST(FieldRules, RelativePathStaysInsideItsDirectory) {
  ExpectAccepts(CheckRelativePath, {"train.py", "src/train.py", "./train.py", ".", "sub dir/x.py", "a..b/c",
                                    "..x", "x-y/-z.py", "train-images-idx3-ubyte.gz", "café/main.py"});
  ExpectRefuses(CheckRelativePath, kHostileInAnyPath);
  ExpectRefuses(CheckRelativePath, {{"/abs", "starts with '/'"}, {"/etc/passwd", "starts with '/'"}});
}

TEST(FieldRules, NodePathMayBeAbsolute) {
  ExpectAccepts(CheckNodePath, {"/usr/share/datasets/fashion-mnist", "/var/lib/dml/ckpt", "ckpt", "./ckpt",
                                "runs/2024-01-01"});
  ExpectRefuses(CheckNodePath, kHostileInAnyPath);
  ExpectRefuses(CheckNodePath, {{"/", "root directory"}, {"//x", "empty component"}, {"/a/../b", "'..'"},
                                {"/a/", "empty component"}});
}

const std::vector<std::string> kGoodRefs = {
    "main", "v1.2.3", "feature/x", "release-2024.01", "a.b", "_x", "x@y", "x{y}",
    "0123456789abcdef0123456789abcdef01234567", "deadbeef", "héllo", "a/b/c", "x.loc", "lock", "a.lockx"};

const std::vector<std::pair<std::string, std::string>> kBadRefs = {
    {"", "is empty"},
    {"- a", "starts with '-'"},
    {"-b", "starts with '-'"},
    {"--upload-pack=touch", "starts with '-'"},
    {"a..b", "'..'"},
    {"..", "'..'"},
    {"main@{1}", "'@{'"},
    {"@{-1}", "'@{'"},
    {"@", "is '@'"},
    {"main~1", "'~'"},
    {"v1^{}", "'^'"},
    {"HEAD:file", "':'"},
    {"a b", "a space"},
    {"a?", "'?'"},
    {"a*", "'*'"},
    {"a[b", "'['"},
    {"a\\b", "'\\'"},
    {"/main", "starts or ends with '/'"},
    {"main/", "starts or ends with '/'"},
    {"a//b", "'//'"},
    {"main.", "ends with '.'"},
    {".hidden", "starts with '.'"},
    {"a/.b", "starts with '.'"},
    {"main.lock", "ends with '.lock'"},
    {"a.lock/b", "ends with '.lock'"},
    {"a\nb", "control character 0x0A"},
    {"a\0b"s, "control character 0x00"},
    {"a\x7f", "control character 0x7F"},
    {"a\tb", "control character 0x09"},
};

TEST(FieldRules, GitRefFollowsCheckRefFormatAndRefusesOptions) {
  ExpectAccepts(CheckGitRef, kGoodRefs);
  ExpectRefuses(CheckGitRef, kBadRefs);
}

// git's own verdict on every value above (besides the leading '-' and the C1
// controls, which dml refuses on top of git's rules). Skipped without git.
TEST(FieldRules, GitRefAgreesWithGitCheckRefFormat) {
  if (std::system("git --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no git";
  std::vector<std::string> values = kGoodRefs;
  for (const auto& [value, reason] : kBadRefs) {
    if (!value.empty() && value[0] != '-' && value.find('\0') == std::string::npos) values.push_back(value);
  }
  for (const std::string& value : values) {
    // The value goes through a file, so no shell quoting is involved.
    std::FILE* file = std::fopen("ref.txt", "wb");
    ASSERT_NE(file, nullptr);
    std::fwrite(value.data(), 1, value.size(), file);
    std::fclose(file);
    const int status = std::system("git check-ref-format --allow-onelevel \"$(cat ref.txt)\" 2>/dev/null");
    // $(...) drops trailing newlines: such a value is judged by the rule alone.
    if (!value.empty() && value.back() == '\n') continue;
    EXPECT_EQ(status == 0, !CheckGitRef(value).has_value()) << QuoteForMessage(value) << ": " << Why(CheckGitRef(value));
  }
  std::remove("ref.txt");
}

TEST(FieldRules, RepoUrlIsHttpsWithAHostOrAnAbsolutePath) {
  ExpectAccepts(CheckRepoUrl, {"https://github.com/example-lab/train.git", "https://gitlab.com/a/b",
                               "https://git.example.org:8443/a/b.git", "https://user@host.example/x.git",
                               "https://[::1]:8080/x.git", "https://github.com/__DML_x__/y.git", "/srv/git/repo",
                               "https://h/a%20b.git"});
  ExpectRefuses(CheckRepoUrl, {{"", "is empty"},
                               {"-x", "starts with '-'"},
                               {"--upload-pack=touch /tmp/x", "starts with '-'"},
                               {"http://github.com/a/b.git", "neither an https:// URL"},
                               {"ssh://git@github.com/a/b.git", "neither an https:// URL"},
                               {"git@github.com:a/b.git", "neither an https:// URL"},
                               {"ext::sh -c touch% /tmp/pwned", "a space"},
                               {"ext::sh", "neither an https:// URL"},
                               {"file:///etc", "neither an https:// URL"},
                               {"relative/repo", "neither an https:// URL"},
                               {"https://", "neither an https:// URL"},
                               {"https:///path", "no host"},
                               {"https://user@/x", "no host"},
                               {"https://github.com/a b.git", "a space"},
                               {"https://gith$ub.com/x", "'$' in its host"},
                               {"https://host:/x", "empty port"},
                               {"https://host:ab/x", "not a number"},
                               {"https://[::1/x", "without its ']'"},
                               {"https://github.com/a\nb", "control character 0x0A"},
                               {"https://github.com/a\0b"s, "control character 0x00"},
                               {"/srv/../etc", "'..' component"}});
}

TEST(FieldRules, ArgumentTakesAnythingButNul) {
  ExpectAccepts(CheckArgument, {"", "--epochs", "10", "x'; rm -rf / #", "$(id)", "a\nb", "-"});
  ExpectRefuses(CheckArgument, {{"a\0b"s, "NUL"}});
}

TEST(FieldRules, ProgramIsACommandNameOrAnAbsolutePath) {
  ExpectAccepts(CheckProgram, {"python3", "python3.11", "/usr/bin/python3", "/opt/conda/bin/python"});
  ExpectRefuses(CheckProgram, {{"", "is empty"},
                               {"-c", "starts with '-'"},
                               {"venv/bin/python", "a command name"},
                               {"../python", "a command name"},
                               {"/usr/../bin/python", "'..' component"},
                               {"python\n3", "control character"}});
}

TEST(FieldRules, NameIsAnIdentifier) {
  ExpectAccepts(CheckName, {"mnist", "workers", "_x", "job2", "A_b"});
  ExpectRefuses(CheckName, {{"", "is empty"},
                            {"2x", "must start with"},
                            {"-x", "must start with"},
                            {"../x", "must start with"},
                            {"a/b", "only letters"},
                            {"a b", "only letters"},
                            {"a.b", "only letters"},
                            {"a\nb", "only letters"}});
}

TEST(FieldRules, QuoteForMessageEscapesWhatCouldForgeALine) {
  EXPECT_EQ(QuoteForMessage("a b"), "'a b'");
  EXPECT_EQ(QuoteForMessage("a\nb\x1b[2J"), "'a\\x0Ab\\x1B[2J'");
  EXPECT_EQ(QuoteForMessage("it's \\"), "'it\\'s \\\\'");
  EXPECT_EQ(QuoteForMessage("\xc2\x9b" "x"), "'\\u009Bx'");
  EXPECT_EQ(QuoteForMessage("café"), "'café'");
}

}  // namespace
}  // namespace dml::plan
