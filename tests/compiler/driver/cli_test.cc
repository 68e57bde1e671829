// dmlc's command line, run in process: exit codes, what it writes, what it
// refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "compiler/driver/cli.h"
#include "compiler/driver/compile.h"
#include "run_dmlc.h"
#include "temp_dir.h"

namespace dml::driver {
namespace {

namespace fs = std::filesystem;
using testing::Dmlc;
using testing::DmlcRun;
using testing::TempDir;

const std::string kSamples = std::string(DML_SOURCE_DIR) + "/samples/";

TEST(DriverCli, HelpDocumentsExitCodes) {
  const DmlcRun run = Dmlc({"--help"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_NE(run.out.find("Exit codes:"), std::string::npos);
  EXPECT_NE(run.out.find("2  usage error"), std::string::npos);
  EXPECT_NE(run.out.find("check"), std::string::npos);
}

TEST(DriverCli, UsageErrorsExitTwo) {
  EXPECT_EQ(Dmlc({}).code, kExitUsage);
  EXPECT_EQ(Dmlc({"frobnicate"}).code, kExitUsage);
  EXPECT_EQ(Dmlc({"build", kSamples + "mnist.dml"}).code, kExitUsage);  // no -o
  EXPECT_EQ(Dmlc({"check"}).code, kExitUsage);
  EXPECT_EQ(Dmlc({"check", "--diagnostics=xml", kSamples + "mnist.dml"}).code, kExitUsage);
}

TEST(DriverCli, MissingInputIsAProgramError) {
  const DmlcRun run = Dmlc({"check", "/nonexistent/x.dml"});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_EQ(run.err,
            "/nonexistent/x.dml: error: cannot read input file: No such file or directory [file_not_found]\n"
            "1 error generated.\n");
  TempDir dir;
  EXPECT_NE(Dmlc({"check", dir.Path()}).err.find("is a directory"), std::string::npos);
}

TEST(DriverCli, BuildWritesHeatAndPlanPerJob) {
  TempDir dir;
  const std::string out = dir.Path("nested/out");
  const DmlcRun run = Dmlc({"build", kSamples + "mnist.dml", "-o", out});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, "dmlc: wrote 2 files to " + out + ": mnist.heat.yaml, mnist.plan.yaml\n");
  EXPECT_GT(fs::file_size(out + "/mnist.heat.yaml"), 0u);
  EXPECT_GT(fs::file_size(out + "/mnist.plan.yaml"), 0u);
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(out)) entries += entry.is_regular_file();
  EXPECT_EQ(entries, 2u);  // no temporary files left behind
}

TEST(DriverCli, ErrorsWriteNothing) {
  TempDir dir;
  const std::string bad = dir.Write("bad.dml", "job j on nowhere {\n  epochs 10\n}\n");
  const DmlcRun run = Dmlc({"build", bad, "-o", dir.Path("out")});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_NE(run.err.find("bad.dml:2:10: error: expected `=` or `{` after field name `epochs`"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("1 error generated.\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.Path("out")));
}

TEST(DriverCli, UnwritableOutputExitsTwo) {
  TempDir dir;
  // A directory where the template should go: the rename onto it fails
  // (works as root too, unlike permissions).
  dir.Write("out/mnist.heat.yaml/keep", "x");
  const DmlcRun run = Dmlc({"build", kSamples + "mnist.dml", "-o", dir.Path("out")});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_NE(run.err.find("dmlc: error: cannot write `" + dir.Path("out/mnist.heat.yaml") + "`"), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(dir.Path("out/mnist.plan.yaml")));
}

TEST(DriverCli, OutputPathThatIsAFileExitsTwo) {
  TempDir dir;
  const std::string file = dir.Write("taken", "x");
  const DmlcRun run = Dmlc({"build", kSamples + "mnist.dml", "-o", file});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_NE(run.err.find("cannot create output directory"), std::string::npos) << run.err;
}

TEST(DriverCli, IncludeDirBeforeTheFileTakesOneDirectory) {
  TempDir lib, src;
  lib.Write("mine.dml", "let broken =\n");
  const std::string file = src.Write("uses.dml", "import mine\n");
  const DmlcRun run = Dmlc({"check", "-I", lib.Path(), file});
  EXPECT_EQ(run.code, kExitProgramErrors);
  // The module was found in the -I directory (its syntax error is shown).
  EXPECT_NE(run.err.find(lib.Path("mine.dml") + ":1:13: error: expected a value for `broken`"), std::string::npos)
      << run.err;
}

TEST(DriverCli, JsonDiagnostics) {
  TempDir dir;
  const std::string bad = dir.Write("bad.dml", "let x = 10.8.1.256\n");
  const DmlcRun run = Dmlc({"check", "--diagnostics=json", bad});
  EXPECT_EQ(run.code, kExitProgramErrors);
  EXPECT_EQ(run.err.front(), '[');
  EXPECT_NE(run.err.find("\"kind\": \"invalid_literal\""), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("generated."), std::string::npos);
}

TEST(DriverCli, HostileInputsNeverCrash) {
  TempDir dir;
  std::string junk;
  std::mt19937 random(1);
  for (int i = 0; i < 65536; ++i) junk += static_cast<char>(random() & 0xff);
  std::string nesting = "let x = ";
  for (int i = 0; i < 200000; ++i) nesting += '{';
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"empty.dml", ""}, {"junk.dml", junk}, {"nesting.dml", nesting}, {"nul.dml", std::string(100, '\0')}}) {
    const DmlcRun run = Dmlc({"check", dir.Write(name, text)});
    EXPECT_EQ(run.code, kExitProgramErrors) << name << "\n" << run.err;
    EXPECT_NE(run.err.find("generated."), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace dml::driver
