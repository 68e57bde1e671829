// Blocks against their schema: unknown, duplicate and missing fields, types,
// limits and choices; several mistakes give several diagnostics.
#include <gtest/gtest.h>

#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

TEST(SemaFields, UnknownFieldSuggests) {
  auto c = Compile(Replace(kValidTrain, "epochs = 10", "epoch = 10"));
  const diag::Diagnostic* d = c->First(Kind::unknown_field);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "block `train` has no field `epoch`");
  EXPECT_EQ(d->help, std::vector<std::string>{"did you mean `epochs`?"});
  // ... and the real field is now missing.
  EXPECT_EQ(c->Count(Kind::missing_field), 1) << c->Rendered();
}

TEST(SemaFields, DuplicateField) {
  auto c = Compile(Replace(kValidTrain, "epochs = 10", "epochs = 10\n    epochs = 3"));
  const diag::Diagnostic* d = c->First(Kind::duplicate_field);
  ASSERT_NE(d, nullptr) << c->Rendered();
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].range.line + 1, d->range.line);
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
}

TEST(SemaFields, MissingField) {
  auto c = Compile(Replace(kValidTrain, "epochs = 10", ""));
  const diag::Diagnostic* d = c->First(Kind::missing_field);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "block `train` needs the field `epochs` (int)");
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
}

// A step's batch: `batch` or `global_batch`, exactly one.
TEST(SemaFields, BatchOrGlobalBatchButNotBoth) {
  auto none = Compile(Replace(kValidTrain, "    batch = 64\n", ""));
  const diag::Diagnostic* d = none->First(Kind::missing_field);
  ASSERT_NE(d, nullptr) << none->Rendered();
  EXPECT_EQ(d->message, "`train` sets no batch: it needs `batch` or `global_batch`");
  EXPECT_EQ(none->Errors(), 1) << none->Rendered();
  auto both = Compile(Replace(kValidTrain, "    batch = 64\n", "    batch = 64\n    global_batch = 64\n"));
  EXPECT_EQ(both->Count(Kind::conflicting_fields), 1) << both->Rendered();
  EXPECT_EQ(both->Errors(), 1) << both->Rendered();
  auto global = Compile(Replace(kValidTrain, "    batch = 64\n", "    global_batch = 64\n"));
  EXPECT_EQ(global->Errors(), 0) << global->Rendered();
}

TEST(SemaFields, JobNeedsTrainOrRunButNotBoth) {
  auto none = Compile(Replace(kValidRun, "run {", "timeouts {}\n  xrun {"));
  EXPECT_EQ(none->Count(Kind::missing_field), 1) << none->Rendered();
  auto both = Compile(Replace(kValidTrain, "  timeouts {",
                              "  run {\n repo = \"https://x.org/a.git\"\n entrypoint = \"a.py\" }\n  timeouts {"));
  EXPECT_EQ(both->Count(Kind::conflicting_fields), 1) << both->Rendered();
}

TEST(SemaFields, TypeMismatch) {
  auto c = Compile(Replace(kValidTrain, "rendezvous = 10m", "rendezvous = \"10m\""));
  const diag::Diagnostic* d = c->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(d->message, "expected duration for `rendezvous`, found string");
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();

  auto seconds = Compile(Replace(kValidTrain, "rendezvous = 10m", "rendezvous = 600"));
  d = seconds->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << seconds->Rendered();
  EXPECT_EQ(d->help, std::vector<std::string>{"a duration has a unit: write `600s`"});

  auto record = Compile(Replace(kValidTrain, "optimizer = adam { lr = 1e-3 }",
                                "optimizer = chameleon.m1_small"));
  d = record->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << record->Rendered();
  EXPECT_EQ(d->message, "expected record `adam`, `adamw` or `sgd` for `optimizer`, found record `flavor`");
}

TEST(SemaFields, ValueOutOfRange) {
  struct Case { const char* from; const char* to; const char* message; };
  const Case cases[] = {
      {"epochs = 10", "epochs = 0", "`epochs` must be at least 1, found 0"},
      {"lr = 1e-3", "lr = 0.0", "`lr` must be greater than 0, found 0"},
      {"batch = 64", "batch = 0", "`batch` must be at least 1, found 0"},
      {"procs = 1\n  }\n  workers", "procs = 0\n  }\n  workers", "`procs` must be at least 1, found 0"},
  };
  for (const Case& k : cases) {
    auto c = Compile(Replace(kValidTrain, k.from, k.to));
    const diag::Diagnostic* d = c->First(Kind::value_out_of_range);
    ASSERT_NE(d, nullptr) << k.to << "\n" << c->Rendered();
    EXPECT_EQ(d->message, k.message);
    EXPECT_EQ(c->Errors(), 1) << c->Rendered();
  }
  auto port = Compile(Replace(kValidTrain, "key_pair = key_name", "key_pair = key_name\n  port = 70000"));
  const diag::Diagnostic* d = port->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << port->Rendered();
  EXPECT_EQ(d->message, "`port` must be at most 65535, found 70000");

  auto param = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = -2"));
  d = param->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << param->Rendered();
  EXPECT_EQ(d->message, "the default of param `workers` (for `count`) must be at least 0, found -2");
}

TEST(SemaFields, UnknownChoice) {
  auto c = Compile(Replace(kValidTrain, "activation = \"relu\"", "activation = \"rleu\""));
  const diag::Diagnostic* d = c->First(Kind::unknown_choice);
  ASSERT_NE(d, nullptr) << c->Rendered();
  ASSERT_EQ(d->help.size(), 2u);
  EXPECT_EQ(d->help[0], "did you mean `relu`?");
  auto loss = Compile(Replace(kValidTrain, "\"cross_entropy\"", "\"mse\""));
  EXPECT_EQ(loss->Count(Kind::unknown_choice), 1) << loss->Rendered();
  auto source = Compile(Replace(kValidRun, "key_pair = key_name",
                                "key_pair = key_name\n  runtime { source = \"rpm\" }"));
  EXPECT_EQ(source->Count(Kind::unknown_choice), 1) << source->Rendered();
}

TEST(SemaFields, ParamNotAllowedInCompileTimeFields) {
  auto c = Compile(Replace(kValidTrain, "epochs = 10", "epochs = workers"));
  const diag::Diagnostic* d = c->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << c->Rendered();
  EXPECT_EQ(c->Errors(), 1) << c->Rendered();
  auto no_default = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int"));
  EXPECT_EQ(no_default->Count(Kind::param_not_allowed), 1) << no_default->Rendered();
}

TEST(SemaFields, SeveralMistakesSeveralDiagnosticsNoCascade) {
  std::string text = kValidTrain;
  text = Replace(text, "epochs = 10", "epochs = 0");                        // out of range
  text = Replace(text, "seed = 42", "sed = 42");                            // unknown field
  text = Replace(text, "rendezvous = 10m", "rendezvous = \"10m\"");         // type
  text = Replace(text, "image = chameleon.debian12", "image = chameleon.debain12");  // undefined
  text = Replace(text, "activation = \"relu\"", "activation = \"gelu\"");   // choice
  auto c = Compile(text);
  EXPECT_EQ(c->Errors(), 5) << c->Rendered();
  EXPECT_EQ(c->Count(Kind::value_out_of_range), 1);
  EXPECT_EQ(c->Count(Kind::unknown_field), 1);
  EXPECT_EQ(c->Count(Kind::type_mismatch), 1);
  EXPECT_EQ(c->Count(Kind::undefined_name), 1);
  EXPECT_EQ(c->Count(Kind::unknown_choice), 1);
  EXPECT_TRUE(c->result.deployments.empty());
}

}  // namespace
}  // namespace dml::sema::testing
