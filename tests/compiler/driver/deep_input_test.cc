// Inputs deep enough to overflow a recursive compiler's stack: long chains of
// lets and of interpolations, values nested through lets, import chains, and
// nesting inside one expression. Every command (check, build, plan, graph,
// fmt) ends with a diagnostic and exit 1, never a crash; fmt accepts what is
// only deep once evaluated, since it does not evaluate.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "compiler/driver/compile.h"
#include "compiler/sema/evaluate.h"
#include "compiler/sema/scope.h"
#include "run_dmlc.h"
#include "temp_dir.h"

namespace dml::driver {
namespace {

using testing::Dmlc;
using testing::DmlcRun;
using testing::TempDir;

// Far beyond the limits, as in issue 8's reproducers (about 4,000 lets
// crashed dmlc).
constexpr int kChain = 5000;
constexpr int kNesting = 100000;

// A complete file whose train batch is `batch`, after `lets`.
std::string JobUsing(const std::string& lets, const std::string& batch) {
  return lets +
         "import chameleon\nimport datasets\nparam key_name: string\n"
         "cluster c {\n  site = chameleon.kvm_tacc\n  key_pair = key_name\n  network { cidr = 10.8.1.0/24 }\n"
         "  master { flavor = chameleon.m1_medium, image = chameleon.debian12 }\n"
         "  workers { count = 1, flavor = chameleon.m1_medium, image = chameleon.debian12 }\n}\n"
         "job j on c {\n  train {\n    dataset = datasets.fashion_mnist\n    model = mlp { layers = [784, 10] }\n"
         "    optimizer = adam { lr = 1e-3 }\n    batch = " +
         batch + "\n    epochs = 1\n  }\n}\n";
}

// `let p0 = wrap(p1)` ... `let pN = last`.
std::string Chain(const std::string& prefix, int n, const std::function<std::string(const std::string&)>& wrap,
                  const std::string& last) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "let " + prefix + std::to_string(i) + " = " + wrap(prefix + std::to_string(i + 1)) + "\n";
  }
  return text + "let " + prefix + std::to_string(n) + " = " + last + "\n";
}

std::string Bare(const std::string& name) { return name; }
std::string Interpolated(const std::string& name) { return "\"${" + name + "}\""; }
std::string InList(const std::string& name) { return "[" + name + "]"; }
std::string InRecord(const std::string& name) { return "{ x = " + name + " }"; }
std::string Summed(const std::string& name) { return name + " + 0"; }

struct Case {
  std::string name;
  std::string text;
  std::string kind;     // the diagnostic every evaluating command gives
  bool fmt_ok = false;  // well-formed text: fmt prints it
};

std::vector<Case> DeepCases() {
  const std::string open(kNesting, '('), close(kNesting, ')');
  return {
      {"lets", JobUsing(Chain("l", kChain, Bare, "64"), "l0"), "nesting_too_deep", true},
      {"interpolations", JobUsing(Chain("s", kChain, Interpolated, "\"x\""), "64"), "nesting_too_deep", true},
      {"lists", JobUsing(Chain("a", kChain, InList, "64"), "64"), "nesting_too_deep", true},
      {"records", JobUsing(Chain("r", kChain, InRecord, "64"), "64"), "nesting_too_deep", true},
      {"sums", JobUsing(Chain("n", kChain, Summed, "64"), "n0"), "nesting_too_deep", true},
      {"parentheses", JobUsing("", open + "64" + close), "syntax_error"},
      {"brackets", JobUsing("let x = " + std::string(kNesting, '[') + std::string(kNesting, ']') + "\n", "64"),
       "syntax_error"},
      {"braces", JobUsing("let x = " + std::string(kNesting, '{') + std::string(kNesting, '}') + "\n", "64"),
       "syntax_error"},
  };
}

TEST(DeepInput, EveryCommandEndsWithADiagnostic) {
  TempDir dir;
  for (const Case& c : DeepCases()) {
    const std::string file = dir.Write(c.name + ".dml", c.text);
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"check", file},
                                               {"build", file, "-o", dir.Path("out")},
                                               {"plan", file},
                                               {"graph", file}}) {
      const DmlcRun run = Dmlc(args);
      EXPECT_EQ(run.code, kExitProgramErrors) << c.name << " " << args[0] << "\n" << run.err.substr(0, 2000);
      EXPECT_NE(run.err.find("[" + c.kind + "]"), std::string::npos) << c.name << " " << args[0];
      EXPECT_NE(run.err.find("generated."), std::string::npos) << c.name << " " << args[0];
    }
    const DmlcRun fmt = Dmlc({"fmt", file});
    EXPECT_EQ(fmt.code, c.fmt_ok ? kExitOk : kExitProgramErrors) << c.name << " fmt\n" << fmt.err.substr(0, 2000);
  }
}

TEST(DeepInput, OneDiagnosticAtTheLetWhereTheLimitFalls) {
  TempDir dir;
  const DmlcRun run = Dmlc({"check", dir.Write("lets.dml", JobUsing(Chain("l", kChain, Bare, "64"), "l0"))});
  // Two levels per let (its value, then the let it names): the chain from
  // l0 reaches the limit at the reference in `let l<limit/2 - 1> = ...`.
  const int line = sema::kMaxEvalDepth / 2;
  EXPECT_NE(run.err.find("lets.dml:" + std::to_string(line) + ":"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1 error generated."), std::string::npos) << run.err;
}

TEST(DeepInput, ChainsBelowTheLimitCompile) {
  TempDir dir;
  const std::string file = dir.Write("ok.dml", JobUsing(Chain("l", sema::kMaxEvalDepth / 2 - 10, Bare, "64"), "l0"));
  const DmlcRun run = Dmlc({"build", file, "-o", dir.Path("out")});
  EXPECT_EQ(run.code, kExitOk) << run.err.substr(0, 2000);
}

TEST(DeepInput, ImportChainsEndWithADiagnostic) {
  TempDir dir;
  const int modules = 30000;  // each import builds its module's scope on the native stack
  for (int i = 0; i < modules; ++i) {
    dir.Write("mods/m" + std::to_string(i) + ".dml", "import m" + std::to_string(i + 1) + "\n");
  }
  dir.Write("mods/m" + std::to_string(modules) + ".dml", "let x = 1\n");
  const std::string file = dir.Write("root.dml", JobUsing("import m0\n", "64"));
  const DmlcRun run = Dmlc({"check", "-I", dir.Path("mods"), file});
  EXPECT_EQ(run.code, kExitProgramErrors) << run.err.substr(0, 2000);
  const std::string deepest = "m" + std::to_string(sema::kMaxImportDepth - 1) + ".dml:1:8: error: modules import";
  EXPECT_NE(run.err.find(deepest), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[nesting_too_deep]"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace dml::driver
