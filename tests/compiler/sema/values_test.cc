// Types and values: sizes and units, enum members, params with ranges,
// arithmetic, field access and string interpolation, through the real parser,
// prelude and stdlib.
#include <gtest/gtest.h>

#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;

// kValidRun with `lets` added and the run's args replaced by `args`.
std::string RunWith(const std::string& lets, const std::string& args) {
  std::string text = Replace(kValidRun, "param key_name: string", "param key_name: string\n" + lets);
  return Replace(text, "args = [\"--epochs\", \"10\"]", "args = " + args);
}

std::vector<std::string> Args(const Compiled& c) {
  EXPECT_EQ(c.result.deployments.size(), 1u) << c.Rendered();
  if (c.result.deployments.empty() || !c.result.deployments[0].plan.command) return {};
  return c.result.deployments[0].plan.command->args;
}

TEST(SemaValues, SizesFlavorRamAndUnits) {
  auto ok = Compile(RunWith("let a = 4GiB\nlet b = 1.5GB\nlet c = a + 512MiB", "[\"${a}\", \"${b}\", \"${c}\"]"));
  EXPECT_EQ(Args(*ok), (std::vector<std::string>{"4GiB", "1500MB", "4608MiB"})) << ok->Rendered();
  // The stdlib's flavors state their RAM as a size.
  auto ram = Compile(RunWith("let r = chameleon.m1_medium.ram", "[\"${r}\"]"));
  EXPECT_EQ(Args(*ram), std::vector<std::string>{"4GiB"}) << ram->Rendered();

  auto duration = Compile(RunWith("let f = flavor { name = \"x\", vcpus = 1, ram = 90s }", "[]"));
  const diag::Diagnostic* d = duration->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << duration->Rendered();
  EXPECT_EQ(d->message, "expected size for `ram`, found duration");
  auto bare = Compile(RunWith("let f = flavor { name = \"x\", vcpus = 1, ram = 4096 }", "[]"));
  d = bare->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << bare->Rendered();
  ASSERT_EQ(d->help.size(), 1u);
  EXPECT_EQ(d->help[0], "a size has a unit: write `4096MiB` or `4096GiB`");
}

TEST(SemaValues, EnumMembersAreBareNames) {
  // Bare names, quoted names (older files) and `enum.member` all work.
  for (const char* activation : {"tanh", "\"tanh\"", "activation.tanh"}) {
    auto c = Compile(Replace(kValidTrain, "activation = \"relu\"", std::string("activation = ") + activation));
    ASSERT_EQ(c->Errors(), 0) << activation << "\n" << c->Rendered();
    EXPECT_EQ(c->result.deployments[0].plan.train->model.activation, "tanh");
  }
  auto typo = Compile(Replace(kValidTrain, "activation = \"relu\"", "activation = rleu"));
  const diag::Diagnostic* d = typo->First(Kind::unknown_choice);
  ASSERT_NE(d, nullptr) << typo->Rendered();
  EXPECT_EQ(d->message, "`rleu` is not a known choice for `activation`");
  EXPECT_EQ(d->help, (std::vector<std::string>{"did you mean `relu`?", "`activation` is one of relu, tanh, sigmoid"}));
  EXPECT_EQ(typo->Errors(), 1);
  // A member of another enum is the wrong type; a name of no enum is undeclared.
  auto other = Compile(Replace(kValidTrain, "loss = \"cross_entropy\"", "loss = relu"));
  EXPECT_EQ(other->Count(Kind::unknown_choice), 1) << other->Rendered();
  auto stray = Compile(Replace(kValidTrain, "batch = 64", "batch = sixty_four"));
  d = stray->First(Kind::undefined_name);
  ASSERT_NE(d, nullptr) << stray->Rendered();
  EXPECT_EQ(d->message, "`sixty_four` is not declared");
  auto member_in_int = Compile(Replace(kValidTrain, "batch = 64", "batch = relu"));
  d = member_in_int->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << member_in_int->Rendered();
  EXPECT_EQ(d->message, "expected int for `batch`, found `relu` (activation)");
  // A typo of a let or param is still a did-you-mean for that name.
  auto param_typo = Compile(Replace(kValidTrain, "key_pair = key_name", "key_pair = key_nam"));
  d = param_typo->First(Kind::undefined_name);
  ASSERT_NE(d, nullptr) << param_typo->Rendered();
  EXPECT_EQ(d->help, std::vector<std::string>{"did you mean `key_name`?"});
}

TEST(SemaValues, ParamRangeBecomesHeatRangeIntersectedWithTheComputedOne) {
  auto c = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = 1 in 0..100"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::HeatParam* workers = c->result.deployments[0].Param("workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->range_min, 0);
  EXPECT_EQ(workers->range_max, 100);  // below the subnet's 251
  auto wide = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = 1 in 1..<1000"));
  ASSERT_EQ(wide->Errors(), 0) << wide->Rendered();
  workers = wide->result.deployments[0].Param("workers");
  EXPECT_EQ(workers->range_min, 1);
  EXPECT_EQ(workers->range_max, 251);  // the subnet's, below 999
  // A param that sets no count keeps its own range.
  auto other = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = 1\nparam spare: int = 3 in 2<..<9"));
  ASSERT_EQ(other->Errors(), 0) << other->Rendered();
  const ir::HeatParam* spare = other->result.deployments[0].Param("spare");
  ASSERT_NE(spare, nullptr);
  EXPECT_EQ(spare->range_min, 3);
  EXPECT_EQ(spare->range_max, 8);

  auto bad = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = 300 in 0..254"));
  const diag::Diagnostic* d = bad->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << bad->Rendered();
  EXPECT_EQ(d->message, "the default of param `workers` must be at most 254, found 300");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(bad->Errors(), 1) << bad->Rendered();  // no follow-on subnet error
  auto unit = Compile(Replace(kValidTrain, "param workers: int = 1", "param workers: int = 1 in 0..2GiB"));
  EXPECT_EQ(unit->Count(Kind::type_mismatch), 1) << unit->Rendered();
  auto text = Compile(Replace(kValidTrain, "param key_name: string", "param key_name: string in 1..2"));
  EXPECT_EQ(text->Count(Kind::type_mismatch), 1) << text->Rendered();
}

TEST(SemaValues, ArithmeticPrecedenceAndErrors) {
  auto ok = Compile(RunWith("let a = 2 + 3 * 4\nlet b = (2 + 3) * 4\nlet c = 7 / 2\nlet d = 1.5 * 2\n"
                            "let e = 2h - 30m\nlet f = 10 - 2 - 3",
                            "[\"${a}\", \"${b}\", \"${c}\", \"${d}\", \"${e}\", \"${f}\"]"));
  EXPECT_EQ(Args(*ok), (std::vector<std::string>{"14", "20", "3", "3", "90m", "5"})) << ok->Rendered();

  auto overflow = Compile(RunWith("let a = 9223372036854775807 * 2", "[]"));
  const diag::Diagnostic* d = overflow->First(Kind::arithmetic_overflow);
  ASSERT_NE(d, nullptr) << overflow->Rendered();
  EXPECT_EQ(d->message, "`9223372036854775807 * 2` overflows 64-bit ints");
  auto zero = Compile(RunWith("let n = 0\nlet a = 10 / n", "[]"));
  d = zero->First(Kind::division_by_zero);
  ASSERT_NE(d, nullptr) << zero->Rendered();
  EXPECT_EQ(d->message, "division by zero in `10 / 0`");
  EXPECT_EQ(zero->Errors(), 1);
  auto units = Compile(RunWith("let a = 4GiB + 1", "[]"));
  d = units->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr) << units->Rendered();
  EXPECT_EQ(d->message, "cannot apply `+` to size and int");
  auto negative = Compile(RunWith("let a = 1GiB - 2GiB", "[]"));
  EXPECT_EQ(negative->Count(Kind::value_out_of_range), 1) << negative->Rendered();
  auto param = Compile(Replace(kValidRun, "count = workers", "count = workers + 1"));
  EXPECT_EQ(param->Count(Kind::param_not_allowed), 1) << param->Rendered();
  // A cycle through arithmetic is still a cycle, reported once.
  auto cycle = Compile(RunWith("let a = b + 1\nlet b = a * 2", "[]"));
  EXPECT_EQ(cycle->Count(Kind::reference_cycle), 1) << cycle->Rendered();
}

TEST(SemaValues, FieldAccessSetsProcs) {
  auto c = Compile(Replace(kValidTrain, "    procs = 1\n  }\n  workers", "    procs = chameleon.m1_medium.vcpus\n  }\n  workers"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  EXPECT_EQ(c->result.deployments[0].groups[0].procs_per_node, 2);
  auto missing = Compile(RunWith("let d = chameleon.m1_medium.disk", "[]"));
  const diag::Diagnostic* d = missing->First(Kind::missing_field);
  ASSERT_NE(d, nullptr) << missing->Rendered();
  EXPECT_EQ(d->message, "`chameleon.m1_medium` (record `flavor`) does not set `disk`");
}

TEST(SemaValues, InterpolationFillsDeclaredValues) {
  auto c = Compile(RunWith("let n = 4\nlet tag = \"run-${n}\"",
                           "[\"--n=${n}\", \"${tag}/${chameleon.m1_medium.name}\", \"\\${n}\", \"$HOME\"]"));
  EXPECT_EQ(Args(*c), (std::vector<std::string>{"--n=4", "run-4/m1.medium", "${n}", "$HOME"})) << c->Rendered();

  // A param goes in as a token for Heat (deploy_text_test.cc has the rest);
  // elsewhere it is an error at the `${...}`.
  auto param = Compile(RunWith("", "[\"--workers=${workers}\"]"));
  EXPECT_EQ(Args(*param), (std::vector<std::string>{"--workers=" + plan::ParamHole("workers")})) << param->Rendered();
  auto fixed = Compile(Replace(RunWith("", "[]"), "entrypoint = \"train.py\"",
                               "entrypoint = \"train.py\"\n    python = \"python${workers}\""));
  const diag::Diagnostic* d = fixed->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << fixed->Rendered();
  EXPECT_EQ(d->range.column, 21);  // at `${workers}`
  EXPECT_EQ(d->range.length, 10);
  auto record = Compile(RunWith("", "[\"${chameleon.m1_medium}\"]"));
  EXPECT_EQ(record->Count(Kind::type_mismatch), 1) << record->Rendered();
  auto undefined = Compile(RunWith("", "[\"${nope}\"]"));
  EXPECT_EQ(undefined->Count(Kind::undefined_name), 1) << undefined->Rendered();
}

}  // namespace
}  // namespace dml::sema::testing
