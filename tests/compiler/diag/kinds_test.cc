// The registry of diagnostic kinds, and the rule that every kind has a golden
// case: tests/compiler/golden/fail_<kind>*.dml whose golden shows `[<kind>]`
// (a warning may have warn_<kind>*.dml instead: a case without errors).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "compiler/diag/diagnostic.h"

namespace dml::diag {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DiagKinds, RegistryIsIndexedByKind) {
  const std::vector<KindInfo>& kinds = AllKinds();
  ASSERT_FALSE(kinds.empty());
  std::set<std::string> names;
  for (size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(kinds[i].kind), i);
    EXPECT_EQ(&Info(kinds[i].kind), &kinds[i]);
    EXPECT_TRUE(names.insert(kinds[i].name).second) << "duplicate kind " << kinds[i].name;
    EXPECT_STRNE(kinds[i].summary, "");
  }
  EXPECT_STREQ(Info(Kind::unknown_field).name, "unknown_field");
  EXPECT_EQ(Info(Kind::syntax_error).severity, Severity::kError);
}

TEST(DiagKinds, EveryKindHasAGoldenCase) {
  const fs::path dir = DML_GOLDEN_DIR;
  std::string missing;
  for (const KindInfo& info : AllKinds()) {
    // Reports a defect in dmlc, which no input can (or should) trigger.
    if (info.kind == Kind::internal_error) continue;
    const std::string prefix = std::string("fail_") + info.name;
    const std::string warn_prefix = std::string("warn_") + info.name;
    const bool warning = info.severity == Severity::kWarning;
    bool covered = false;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      const std::string file = entry.path().filename().string();
      const bool named = file.rfind(prefix, 0) == 0 || (warning && file.rfind(warn_prefix, 0) == 0);
      if (!named || entry.path().extension() != ".dml") continue;
      fs::path golden = entry.path();
      golden.replace_extension(".golden");
      if (ReadAll(golden).find("[" + std::string(info.name) + "]") != std::string::npos) covered = true;
    }
    if (!covered) missing += std::string(" ") + info.name;
  }
  EXPECT_EQ(missing, "") << "kinds without a fail_<kind>*.dml (or warn_) golden case showing [<kind>]:" << missing;
}

}  // namespace
}  // namespace dml::diag
