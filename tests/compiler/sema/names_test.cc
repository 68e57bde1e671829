// Name resolution: module scope, imports, did-you-mean, `job X on C`.
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

TEST(SemaNames, ValidFilesHaveNoDiagnostics) {
  auto train = Compile(kValidTrain);
  EXPECT_EQ(train->diagnostics.size(), 0u) << train->Rendered();
  EXPECT_EQ(train->result.deployments.size(), 1u);
  auto run = Compile(kValidRun);
  EXPECT_EQ(run->diagnostics.size(), 0u) << run->Rendered();
  EXPECT_EQ(run->result.deployments.size(), 1u);
}

TEST(SemaNames, DuplicateNameNotesTheEarlierDeclaration) {
  auto c = Compile(Replace(kValidTrain, "param workers: int = 1",
                           "param workers: int = 1\nlet workers = 3"));
  ASSERT_EQ(c->Count(Kind::duplicate_name), 1) << c->Rendered();
  const diag::Diagnostic* d = c->First(Kind::duplicate_name);
  EXPECT_EQ(d->range.line, 6);
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].range.line, 5);
  EXPECT_TRUE(c->result.deployments.empty());
}

TEST(SemaNames, UndefinedNameSuggestsTheClosest) {
  auto c = Compile(Replace(kValidTrain, "key_pair = key_name", "key_pair = key_nme"));
  ASSERT_EQ(c->Count(Kind::undefined_name), 1) << c->Rendered();
  const diag::Diagnostic* d = c->First(Kind::undefined_name);
  EXPECT_EQ(d->message, "`key_nme` is not declared");
  ASSERT_EQ(d->help.size(), 1u);
  EXPECT_EQ(d->help[0], "did you mean `key_name`?");
  // The missing value is not also reported as a missing field.
  EXPECT_EQ(c->Count(Kind::missing_field), 0) << c->Rendered();
}

TEST(SemaNames, UndefinedMemberOfAModule) {
  auto c = Compile(Replace(kValidTrain, "flavor = chameleon.m1_medium", "flavor = chameleon.m1_mediun"));
  const diag::Diagnostic* d = c->First(Kind::undefined_name);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "module `chameleon` has no `m1_mediun`");
  ASSERT_FALSE(d->help.empty());
  EXPECT_EQ(d->help[0], "did you mean `m1_medium`?");
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
}

TEST(SemaNames, ModuleNotFoundAtTheImport) {
  // Bound under its usual name, so that the use below finds the import.
  auto c = Compile(Replace(kValidTrain, "import datasets", "import datasetz as datasets"));
  const diag::Diagnostic* d = c->First(Kind::module_not_found);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->range.line, 2);
  EXPECT_EQ(d->message, "module `datasetz` not found");
  // The use of the missing module is no second error.
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
}

TEST(SemaNames, ImportAlias) {
  std::string text = Replace(kValidTrain, "import chameleon", "import chameleon as cc");
  for (int i = 0; i < 5; ++i) text = Replace(text, "= chameleon.", "= cc.");
  auto c = Compile(text);
  EXPECT_EQ(c->Errors(), 0) << c->Rendered();
}

TEST(SemaNames, JobMustRunOnACluster) {
  auto missing = Compile(Replace(kValidTrain, "job mnist on paper", "job mnist on papr"));
  const diag::Diagnostic* d = missing->First(Kind::undefined_name);
  ASSERT_NE(d, nullptr) << missing->Rendered();
  EXPECT_EQ(d->message, "there is no cluster `papr`");
  EXPECT_EQ(d->help, std::vector<std::string>{"did you mean `paper`?"});

  auto param = Compile(Replace(kValidTrain, "job mnist on paper", "job mnist on workers"));
  d = param->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << param->Rendered();
  EXPECT_EQ(d->message, "a job runs on a cluster, but `workers` is a param");
  EXPECT_EQ(param->Errors(), 1) << param->Rendered();
}

TEST(SemaNames, LetsAndRecordFields) {
  std::string text = Replace(kValidTrain, "param workers: int = 1",
                             "param workers: int = 1\nlet big = chameleon.m1_large\n"
                             "let per_node = big.vcpus");
  text = Replace(text, "procs = 1\n  }\n  workers", "procs = per_node\n  }\n  workers");
  text = Replace(text, "flavor = chameleon.m1_medium", "flavor = big");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  ASSERT_EQ(c->result.deployments.size(), 1u);
  EXPECT_EQ(c->result.deployments[0].groups[0].procs_per_node, 4);

  auto bad = Compile(Replace(kValidTrain, "procs = 1\n  }\n  workers",
                             "procs = chameleon.m1_large.vcpu\n  }\n  workers"));
  const diag::Diagnostic* d = bad->First(Kind::unknown_field);
  ASSERT_NE(d, nullptr) << bad->Rendered();
  EXPECT_EQ(d->help, std::vector<std::string>{"did you mean `vcpus`?"});
}

TEST(SemaNames, ReferenceCycle) {
  auto c = Compile(Replace(kValidTrain, "param workers: int = 1",
                           "param workers: int = 1\nlet a = b\nlet b = a"));
  EXPECT_GE(c->Count(Kind::reference_cycle), 1) << c->Rendered();
  EXPECT_EQ(c->Errors(), c->Count(Kind::reference_cycle)) << c->Rendered();
}

TEST(SemaNames, NoJob) {
  auto c = Compile("import chameleon\nlet x = 1\n");
  EXPECT_EQ(c->Count(Kind::no_job), 1) << c->Rendered();
}

TEST(SemaNames, UnknownParamTypeAndBadDefault) {
  auto c = Compile(Replace(kValidTrain, "param workers: int = 1",
                           "param workers: int = 1\nparam a: strng\nparam b: int = \"x\""));
  const diag::Diagnostic* type = c->First(Kind::undefined_name);
  ASSERT_NE(type, nullptr) << c->Rendered();
  EXPECT_EQ(type->help, std::vector<std::string>{"did you mean `string`?"});
  EXPECT_EQ(c->Count(Kind::type_mismatch), 1) << c->Rendered();
}

// Names become host, Heat and file names (issue 8): 63 characters each, and
// `<job>-<group>` 56 for the servers' `-<index>`.
TEST(SemaNames, NamesFitHostHeatAndFileNames) {
  const std::string longest(63, 'j');
  auto fits = Compile(Replace(Replace(kValidTrain, "param workers: int = 1", "param " + longest + ": int = 1"),
                              "count = workers", "count = " + longest));
  EXPECT_EQ(fits->Errors(), 0) << fits->Rendered();

  for (const std::string& name : {std::string(64, 'j'), std::string(300, 'j')}) {
    auto job = Compile(Replace(kValidTrain, "job mnist on", "job " + name + " on"));
    const diag::Diagnostic* d = job->First(Kind::name_too_long);
    ASSERT_NE(d, nullptr) << job->Rendered();
    EXPECT_EQ(d->message, "the job's name is " + std::to_string(name.size()) +
                              " characters; names are at most 63 characters: they become host names, Heat names "
                              "and file names");
    EXPECT_EQ(job->Errors(), 1) << job->Rendered();  // not again as a server name
  }
  auto cluster = Compile(Replace(Replace(kValidTrain, "cluster paper", "cluster " + std::string(64, 'c')), "on paper",
                                 "on " + std::string(64, 'c')));
  EXPECT_EQ(cluster->Count(Kind::name_too_long), 1) << cluster->Rendered();
  auto param = Compile(Replace(Replace(kValidTrain, "param workers: int = 1", "param " + std::string(64, 'w') + ": int = 1"),
                               "count = workers", "count = " + std::string(64, 'w')));
  EXPECT_EQ(param->Count(Kind::name_too_long), 1) << param->Rendered();

  // `<job>-workers`: 48 + 1 + 7 = 56 fits, 57 does not.
  auto edge = Compile(Replace(kValidTrain, "job mnist on", "job " + std::string(48, 'j') + " on"));
  EXPECT_EQ(edge->Count(Kind::name_too_long), 0) << edge->Rendered();
  auto over = Compile(Replace(kValidTrain, "job mnist on", "job " + std::string(49, 'j') + " on"));
  const diag::Diagnostic* d = over->First(Kind::name_too_long);
  ASSERT_NE(d, nullptr) << over->Rendered();
  EXPECT_NE(d->message.find("`" + std::string(49, 'j') + "-workers` is 57 characters"), std::string::npos)
      << d->message;
  ASSERT_EQ(d->notes.size(), 1u);  // at the group
}

}  // namespace
}  // namespace dml::sema::testing
