// Nova's user_data limit, checked when dmlc compiles (issue 8): a long
// argument is reported at its place; the samples stay well inside it.
#include "compiler/driver/user_data_size.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "compiler/driver/compile.h"
#include "run_dmlc.h"
#include "temp_dir.h"

namespace dml::driver {
namespace {

using testing::Dmlc;
using testing::DmlcRun;
using testing::TempDir;

const std::string kSamples = std::string(DML_SOURCE_DIR) + "/samples/";

std::string RepoJobWithArgument(size_t characters) {
  std::ifstream in(kSamples + "repo_job.dml");
  std::stringstream text;
  text << in.rdbuf();
  std::string dml = text.str();
  const std::string args = "args = [\"--epochs\", \"10\", \"--accelerator\", \"cpu\"]";
  const size_t at = dml.find(args);
  EXPECT_NE(at, std::string::npos);
  return dml.replace(at, args.size(), "args = [\"--note\", \"" + std::string(characters, 'x') + "\"]");
}

TEST(DriverUserData, SizeIsTheBase64OfTheScriptWithHeatsMargin) {
  EXPECT_EQ(UserDataBase64Size(0), kHeatFillMarginBytes / 3 * 4 + 4);  // 1024 bytes: 342 groups
  EXPECT_EQ(UserDataBase64Size(3 - kHeatFillMarginBytes % 3), (kHeatFillMarginBytes / 3 + 1) * 4);
  // The largest script Nova takes: 16383 base64 groups of 3 bytes.
  const size_t largest = kNovaUserDataLimit / 4 * 3 - kHeatFillMarginBytes;
  EXPECT_LE(UserDataBase64Size(largest), kNovaUserDataLimit);
  EXPECT_GT(UserDataBase64Size(largest + 1), kNovaUserDataLimit);
}

TEST(DriverUserData, ALongArgumentIsReportedAtItsPlace) {
  TempDir dir;
  const std::string text = RepoJobWithArgument(50000);
  const std::string file = dir.Write("long.dml", text);
  // The argument's place: its line in the sample, column 23 of `    args = ["--note", "x...`.
  const size_t line = 1 + std::count(text.begin(), text.begin() + text.find("args = [\"--note\""), '\n');
  for (const char* command : {"check", "plan", "graph"}) {
    const DmlcRun run = Dmlc({command, file});
    EXPECT_EQ(run.code, kExitProgramErrors) << command;
    EXPECT_NE(run.err.find("long.dml:" + std::to_string(line) + ":23: error: the boot script of group"), std::string::npos)
        << command << "\n" << run.err.substr(0, 600);
    EXPECT_NE(run.err.find("over Nova's limit of 65535 bytes"), std::string::npos) << run.err.substr(0, 600);
    EXPECT_NE(run.err.find("of which `run.args[1]` takes 50000 bytes [user_data_too_large]"), std::string::npos)
        << run.err.substr(0, 600);
  }
  const DmlcRun build = Dmlc({"build", file, "-o", dir.Path("out")});
  EXPECT_EQ(build.code, kExitProgramErrors);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("out")));
}

TEST(DriverUserData, ArgumentsThatFitCompile) {
  TempDir dir;
  const DmlcRun run = Dmlc({"check", dir.Write("fits.dml", RepoJobWithArgument(30000))});
  EXPECT_EQ(run.code, kExitOk) << run.err.substr(0, 600);
  for (const char* sample : {"mnist.dml", "repo_job.dml"}) {
    EXPECT_EQ(Dmlc({"check", kSamples + sample}).code, kExitOk) << sample;
  }
}

}  // namespace
}  // namespace dml::driver
