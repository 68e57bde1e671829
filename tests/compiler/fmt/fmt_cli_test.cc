// `dmlc fmt` on files: stdout, -i (in place), --check, and files it refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver/cli.h"
#include "compiler/driver/compile.h"
#include "../driver/run_dmlc.h"
#include "../driver/temp_dir.h"

namespace dml::driver {
namespace {

using testing::Dmlc;
using testing::DmlcRun;
using testing::TempDir;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kUgly = "let a=1\nlet b = [1,2]\n";
constexpr const char* kPretty = "let a = 1\nlet b = [1, 2]\n";

TEST(DmlcFmt, PrintsTheFormattedFile) {
  TempDir dir;
  const std::string file = dir.Write("a.dml", kUgly);
  const DmlcRun run = Dmlc({"fmt", file});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out, kPretty);
  EXPECT_EQ(Read(file), kUgly);  // untouched
}

TEST(DmlcFmt, CheckNamesTheFilesThatWouldChange) {
  TempDir dir;
  const std::string ugly = dir.Write("ugly.dml", kUgly);
  const std::string pretty = dir.Write("pretty.dml", kPretty);
  DmlcRun run = Dmlc({"fmt", "--check", ugly, pretty});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_EQ(run.out, ugly + "\n");
  EXPECT_NE(run.err.find("1 file is not formatted"), std::string::npos) << run.err;
  EXPECT_EQ(Read(ugly), kUgly);

  run = Dmlc({"fmt", "--check", pretty});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(run.out, "");
}

TEST(DmlcFmt, InPlaceRewritesOnlyWhatChanges) {
  TempDir dir;
  const std::string ugly = dir.Write("ugly.dml", kUgly);
  const std::string pretty = dir.Write("pretty.dml", kPretty);
  const auto before = std::filesystem::last_write_time(pretty);
  const DmlcRun run = Dmlc({"fmt", "-i", ugly, pretty});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(Read(ugly), kPretty);
  EXPECT_EQ(std::filesystem::last_write_time(pretty), before);
  EXPECT_EQ(Dmlc({"fmt", "--check", ugly}).code, kExitOk);
}

TEST(DmlcFmt, RefusesFilesWithSyntaxErrors) {
  TempDir dir;
  const std::string bad = dir.Write("bad.dml", "cluster c {\n  x = = 1\n}\n");
  const std::string good = dir.Write("good.dml", kUgly);
  const DmlcRun run = Dmlc({"fmt", "-i", bad, good});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_NE(run.err.find(bad + ":2:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("left as it is"), std::string::npos);
  EXPECT_EQ(Read(bad), "cluster c {\n  x = = 1\n}\n");
  EXPECT_EQ(Read(good), kPretty);  // the other files are still formatted
}

TEST(DmlcFmt, UsageAndMissingFiles) {
  EXPECT_EQ(Dmlc({"fmt"}).code, kExitUsage);
  TempDir dir;
  const std::string file = dir.Write("a.dml", kUgly);
  EXPECT_EQ(Dmlc({"fmt", "-i", "--check", file}).code, kExitUsage);
  const DmlcRun run = Dmlc({"fmt", dir.Path("missing.dml")});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_NE(run.err.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace dml::driver
