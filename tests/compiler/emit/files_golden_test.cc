// The template of a job with downloads and an upload, against its golden
// (DML_UPDATE_GOLDEN=1 rewrites it), and Heat's yaql of the `upload` output
// on the wait condition's data as Heat would hold it.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "compiler/emit/heat_emitter.h"
#include "compiler/emit/shell_quote.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::RunCommand;
using test_util::WriteFile;

const std::string kGolden = std::string(DML_SOURCE_DIR) + "/tests/compiler/emit/golden/downloads_upload.heat.yaml";

TEST(EmitFilesGolden, TemplateWithDownloadsAndUpload) {
  const std::string yaml = EmitHeat(test_util::DownloadsAndUploadDeployment()).template_yaml;
  if (std::getenv("DML_UPDATE_GOLDEN") != nullptr) {
    WriteFile(kGolden, yaml);
    GTEST_SKIP() << "rewrote " << kGolden;
  }
  ASSERT_TRUE(std::filesystem::exists(kGolden)) << kGolden << " (DML_UPDATE_GOLDEN=1 writes it)";
  EXPECT_EQ(yaml, ReadFile(kGolden)) << "DML_UPDATE_GOLDEN=1 rewrites " << kGolden;
}

// Runs the template's `upload` yaql on `signals` (node id -> data), the
// wait condition's data attribute as Heat's WaitCondition gives it (JSON).
std::string UploadOutput(const nlohmann::json& signals) {
  const YAML::Node t = YAML::Load(EmitHeat(test_util::DownloadsAndUploadDeployment()).template_yaml);
  const std::string expression = t["outputs"]["upload"]["value"]["yaql"]["expression"].as<std::string>();
  const std::string dir = MakeTempDir("upload_yaql");
  WriteFile(dir + "/expression", expression);
  WriteFile(dir + "/data", signals.dump());
  return RunCommand("/usr/bin/python3 -c " +
                    ShellQuote("import json, sys, yaql\n"
                               "expr = open(sys.argv[1]).read()\n"
                               "data = open(sys.argv[2]).read()\n"
                               "engine = yaql.YaqlFactory().create()\n"
                               "print(json.dumps(engine(expr).evaluate(context=yaql.create_context(),"
                               " data={'data': {'result': data}}), sort_keys=True))\n") +
                    " " + dir + "/expression " + dir + "/data")
      .output;
}

TEST(EmitFilesGolden, TheUploadOutputReadsOnlyTheMastersLeadingLine) {
  if (RunCommand("/usr/bin/python3 -c 'import yaql'").status != 0) GTEST_SKIP() << "no python3-yaql";
  const std::string sha(64, 'c');
  const std::string forged = "uploaded evil.tar.gz (1 bytes, sha256 " + std::string(64, 'e') + ")";
  const nlohmann::json signals = {
      {"node-1", forged + "\n\"node-0\": \"" + forged},
      {"node-0", "uploaded mnist-output.tar.gz (10240 bytes, sha256 " + sha + ")\nepoch 10: test acc 0.88"}};
  EXPECT_EQ(UploadOutput(signals),
            "{\"bytes\": 10240, \"file\": \"mnist-output.tar.gz\", \"sha256\": \"" + sha + "\"}\n");
  // The master's log may say the same words later: only the lead counts.
  EXPECT_EQ(UploadOutput({{"node-0", "epoch 1\n" + forged}}), "null\n");
  EXPECT_EQ(UploadOutput(nlohmann::json::object()), "null\n");
}

}  // namespace
}  // namespace dml::emit
