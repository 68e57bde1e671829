// Params put into plan text with `${name}` (deploy-time substitution), the
// job's restarts and heartbeat, float and duration param ranges, and the
// dataset's digests: what sema accepts, what it refuses, and what it lowers.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "compiler/sema/text_patterns.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema::testing {
namespace {

using diag::Kind;
using plan::ParamHole;

// kValidRun with `params` declared and its run block replaced by `run`.
std::string RunJob(const std::string& params, const std::string& run) {
  std::string text = Replace(kValidRun, "param workers: int = 16", "param workers: int = 16\n" + params);
  const std::string old_run =
      "    repo = \"https://github.com/example-lab/mnist-lightning.git\"\n"
      "    ref = \"main\"\n"
      "    requirements = \".\"\n"
      "    entrypoint = \"train.py\"\n"
      "    args = [\"--epochs\", \"10\"]\n";
  return Replace(text, old_run, run);
}

constexpr const char* kRepo = "    repo = \"https://github.com/example-lab/x.git\"\n";
constexpr const char* kEntry = "    entrypoint = \"main.py\"\n";

TEST(SemaDeployText, ParamsGoIntoEveryPlanTextFieldAsTokens) {
  auto c = Compile(RunJob("param org: string = \"example-lab\"\nparam tag: string = \"v2\"\n"
                          "param steps: int = 100\nparam amp: bool = true\nparam lr: float = 0.01\n",
                          "    repo = \"https://github.com/${org}/x.git\"\n"
                          "    ref = \"${tag}\"\n"
                          "    requirements = \"reqs-${tag}\"\n"
                          "    entrypoint = \"${tag}/main.py\"\n"
                          "    args = [\"--steps=${steps}\", \"--amp=${amp}\", \"--lr=${lr}\", \"--n=${workers}\"]\n"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  const plan::CommandSpec& cmd = *d.plan.command;
  EXPECT_EQ(cmd.repo, "https://github.com/" + ParamHole("org") + "/x.git");
  EXPECT_EQ(cmd.ref, ParamHole("tag"));
  EXPECT_EQ(cmd.requirements_dir, "reqs-" + ParamHole("tag"));
  EXPECT_EQ(cmd.entrypoint, ParamHole("tag") + "/main.py");
  EXPECT_EQ(cmd.args, (std::vector<std::string>{"--steps=" + ParamHole("steps"), "--amp=" + ParamHole("amp"),
                                                "--lr=" + ParamHole("lr"), "--n=" + ParamHole("workers")}));
  // In order of first use, each with the text its default has in the standalone plan.
  ASSERT_EQ(d.text_params.size(), 6u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"org", "example-lab"}, {"tag", "v2"}, {"steps", "100"}, {"amp", "true"}, {"lr", "0.01"}, {"workers", "16"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(d.text_params[i].name, expected[i].first);
    EXPECT_EQ(d.text_params[i].default_text, expected[i].second);
  }
  // String params get the pattern that keeps the plan's YAML whole; numbers
  // and booleans are checked by their Heat type.
  for (const char* name : {"org", "tag"}) {
    const ir::HeatParam* p = d.Param(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->allowed_pattern, std::string(kPlanTextPattern)) << name;
    EXPECT_FALSE(p->allowed_pattern_description.empty());
  }
  for (const char* name : {"steps", "amp", "lr", "workers"}) {
    EXPECT_FALSE(d.Param(name)->allowed_pattern) << name;
  }
  // Every other string param refuses `@@`, which marks Heat's tokens.
  EXPECT_EQ(d.Param("key_name")->allowed_pattern, std::string(kHeatTextPattern));
  // An int param is a whole number at stack create.
  EXPECT_TRUE(d.Param("workers")->whole_number);
  EXPECT_TRUE(d.Param("steps")->whole_number);
}

TEST(SemaDeployText, CheckpointDirAndLetsCarryParams) {
  auto c = Compile(Replace(Replace(kValidTrain, "param workers: int = 1",
                                   "param workers: int = 1\nparam run_id: string = \"r1\"\nlet base = \"/var/lib/${run_id}\""),
                           "    seed = 42\n", "    seed = 42\n    checkpoint { dir = \"${base}/ckpt\" }\n"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  EXPECT_EQ(d.plan.train->checkpoint.dir, "/var/lib/" + ParamHole("run_id") + "/ckpt");
  ASSERT_EQ(d.text_params.size(), 1u);
  EXPECT_EQ(d.text_params[0].name, "run_id");
}

TEST(SemaDeployText, ElsewhereAParamInAStringIsAnErrorAtTheInterpolation) {
  // A field dmlc needs (python), a deploy-time field that takes the param
  // itself (image), an enum (activation), a record's field (a dataset's dir).
  auto python = Compile(RunJob("param tag: string = \"3\"\n", std::string(kRepo) + kEntry +
                                                                 "    python = \"python${tag}\"\n"));
  const diag::Diagnostic* d = python->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << python->Rendered();
  EXPECT_EQ(d->message, "`python` is fixed when dmlc compiles; param `tag` is only known at stack create");
  EXPECT_EQ(d->range.length, 6);  // `${tag}`
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].message, "`tag` is declared here");
  ASSERT_FALSE(d->help.empty());
  EXPECT_NE(d->help.back().find("`run.repo`"), std::string::npos) << d->help.back();
  EXPECT_NE(d->help.back().find("`checkpoint.dir`"), std::string::npos) << d->help.back();
  EXPECT_EQ(python->Errors(), 1);

  auto image = Compile(Replace(RunJob("param img: string = \"CC-Debian12\"\n", std::string(kRepo) + kEntry),
                               "image = chameleon.debian12\n  }\n  workers", "image = \"${img}\"\n  }\n  workers"));
  d = image->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << image->Rendered();
  EXPECT_EQ(d->help.front(), "`image` itself may be a param: write `image = img`");

  auto activation = Compile(Replace(Replace(kValidTrain, "param workers: int = 1",
                                            "param workers: int = 1\nparam act: string = \"relu\""),
                                    "activation = \"relu\"", "activation = \"${act}\""));
  EXPECT_EQ(activation->Count(Kind::param_not_allowed), 1) << activation->Rendered();
  EXPECT_EQ(activation->Count(Kind::unknown_choice), 0) << activation->Rendered();

  auto dataset = Compile(Replace(Replace(kValidTrain, "param workers: int = 1",
                                         "param workers: int = 1\nparam where: string = \"/data\""),
                                 "dataset = datasets.fashion_mnist",
                                 "dataset = dataset { name = \"d\", dir = \"${where}\", train_images = \"a\", "
                                 "train_labels = \"b\", test_images = \"c\", test_labels = \"d\", "
                                 "train_size = 60000, test_size = 10000 }"));
  EXPECT_EQ(dataset->Count(Kind::param_not_allowed), 1) << dataset->Rendered();

  // A let's string used in the wrong place: at the `${...}`, noting the use.
  auto let = Compile(RunJob("param tag: string = \"3\"\nlet py = \"python${tag}\"\n",
                            std::string(kRepo) + kEntry + "    python = py\n"));
  d = let->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << let->Rendered();
  ASSERT_EQ(d->notes.size(), 2u);
  EXPECT_EQ(d->notes[0].message, "the string is used here");
}

TEST(SemaDeployText, AParamInTextNeedsADefaultAndAPlainType) {
  auto no_default = Compile(RunJob("param tag: string\n", std::string(kRepo) + kEntry +
                                                             "    args = [\"--tag=${tag}\", \"${tag}\"]\n"));
  const diag::Diagnostic* d = no_default->First(Kind::param_not_allowed);
  ASSERT_NE(d, nullptr) << no_default->Rendered();
  EXPECT_EQ(d->message, "param `tag` goes into `args` but has no default");
  EXPECT_EQ(no_default->Errors(), 2) << no_default->Rendered();  // once per string

  auto units = Compile(RunJob("param t: duration = 90s\nparam s: size = 4GiB\n",
                              std::string(kRepo) + kEntry + "    args = [\"${t}\", \"${s}\"]\n"));
  EXPECT_EQ(units->Count(Kind::type_mismatch), 2) << units->Rendered();
  d = units->First(Kind::type_mismatch);
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->message.find("bare number of seconds"), std::string::npos) << d->message;

  // The default itself must pass the Heat parameter's allowed_pattern.
  auto quote = Compile(RunJob("param note: string = \"a\\\"b\"\n",
                              std::string(kRepo) + kEntry + "    args = [\"${note}\"]\n"));
  EXPECT_EQ(quote->Count(Kind::value_out_of_range), 1) << quote->Rendered();
  auto newline = Compile(RunJob("param note: string = \"a\\nb\"\n",
                                std::string(kRepo) + kEntry + "    args = [\"${note}\"]\n"));
  EXPECT_EQ(newline->Count(Kind::value_out_of_range), 1) << newline->Rendered();

  // Nor may a param's default hold another param.
  auto nested = Compile(RunJob("param a: string = \"x\"\nparam b: string = \"${a}\"\n", std::string(kRepo) + kEntry));
  EXPECT_EQ(nested->Count(Kind::param_not_allowed), 1) << nested->Rendered();

  // A string may spell a token: it stays text (the embedded plan escapes
  // its '@'), never a param.
  auto spelled = Compile(RunJob("", std::string(kRepo) + kEntry + "    args = [\"@@DML_PARAM_workers@@\"]\n"));
  ASSERT_EQ(spelled->result.deployments.size(), 1u) << spelled->Rendered();
  EXPECT_EQ(spelled->result.deployments[0].plan.command->args, std::vector<std::string>{"@@DML_PARAM_workers@@"});
  // ... but a default that goes into plan text holds no '@'.
  auto at = Compile(RunJob("param note: string = \"a@b\"\n", std::string(kRepo) + kEntry + "    args = [\"${note}\"]\n"));
  EXPECT_EQ(at->Count(Kind::value_out_of_range), 1) << at->Rendered();
}

TEST(SemaDeployText, TheRepoSchemeMustBeWrittenInTheFile) {
  auto whole = Compile(RunJob("param url: string = \"https://github.com/a/b.git\"\n",
                              "    repo = \"${url}\"\n" + std::string(kEntry)));
  const diag::Diagnostic* d = whole->First(Kind::insecure_repo_url);
  ASSERT_NE(d, nullptr) << whole->Rendered();
  EXPECT_EQ(d->message, "repo \"${url}\" is not an https URL");
  auto scheme = Compile(RunJob("param s: string = \"s\"\n",
                               "    repo = \"http${s}://github.com/a/b.git\"\n" + std::string(kEntry)));
  EXPECT_EQ(scheme->Count(Kind::insecure_repo_url), 1) << scheme->Rendered();
  auto http = Compile(RunJob("param org: string = \"a\"\n",
                             "    repo = \"http://github.com/${org}/b.git\"\n" + std::string(kEntry)));
  d = http->First(Kind::insecure_repo_url);
  ASSERT_NE(d, nullptr) << http->Rendered();
  EXPECT_EQ(d->help, std::vector<std::string>{"use the https form: \"https://github.com/${org}/b.git\""});
  auto host = Compile(RunJob("param host: string = \"github.com\"\n",
                             "    repo = \"https://${host}/a/b.git\"\n" + std::string(kEntry)));
  EXPECT_EQ(host->Errors(), 0) << host->Rendered();
}

TEST(SemaJob, MaxRestartsAndHeartbeatReachThePlan) {
  auto defaults = Compile(kValidTrain);
  ASSERT_EQ(defaults->Errors(), 0) << defaults->Rendered();
  EXPECT_EQ(defaults->result.deployments[0].plan.max_restarts, 0);
  EXPECT_EQ(defaults->result.deployments[0].plan.timeouts.heartbeat_s, 5);

  auto set = Compile(Replace(kValidTrain, "    job = 2h\n  }\n", "    job = 2h\n    heartbeat = 1500ms\n  }\n  max_restarts = 3\n"));
  ASSERT_EQ(set->Errors(), 0) << set->Rendered();
  EXPECT_EQ(set->result.deployments[0].plan.max_restarts, 3);
  EXPECT_EQ(set->result.deployments[0].plan.timeouts.heartbeat_s, 1.5);
}

TEST(SemaJob, HeartbeatMustBeShorterThanTheCollectiveTimeout) {
  auto slow = Compile(Replace(kValidTrain, "    job = 2h\n", "    job = 2h\n    heartbeat = 5m\n"));
  const diag::Diagnostic* d = slow->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << slow->Rendered();
  EXPECT_EQ(d->message, "`heartbeat` (5m) must be shorter than `collective` (5m)");
  EXPECT_EQ(slow->Errors(), 1);
  // With the default heartbeat, the collective timeout is the one written.
  auto quick = Compile(Replace(kValidTrain, "    job = 2h\n", "    job = 2h\n    collective = 5s\n"));
  d = quick->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << quick->Rendered();
  EXPECT_EQ(d->message, "`collective` (5s) must be longer than `heartbeat` (5s, the default)");
  auto limits = Compile(Replace(kValidTrain, "    job = 2h\n  }\n", "    job = 2h\n    heartbeat = 0s\n  }\n  max_restarts = 101\n"));
  EXPECT_EQ(limits->Count(Kind::value_out_of_range), 2) << limits->Rendered();
}

TEST(SemaParamRanges, FloatAndDurationParamsBecomeHeatNumberRanges) {
  auto c = Compile(Replace(kValidTrain, "param workers: int = 1",
                           "param workers: int = 1\nparam lr: float = 0.1 in 0<..<1\nparam warm: float = 2 in 1..4\n"
                           "param budget: duration = 90s in 1m..<2h\nparam scratch: size = 1GiB in 512MiB..\n"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  const ir::HeatParam* lr = d.Param("lr");
  ASSERT_NE(lr, nullptr);
  EXPECT_EQ(lr->type, ir::ParamType::kNumber);
  // Heat's range includes its ends: an excluded end becomes the next double
  // inside it, which excludes exactly the same doubles.
  EXPECT_EQ(lr->range_min, std::nextafter(0.0, 1.0));
  EXPECT_EQ(lr->range_max, std::nextafter(1.0, 0.0));
  EXPECT_NE(lr->description.find("more than 0 and less than 1"), std::string::npos) << lr->description;
  const ir::HeatParam* warm = d.Param("warm");
  EXPECT_EQ(warm->range_min, 1);
  EXPECT_EQ(warm->range_max, 4);
  EXPECT_EQ(warm->default_value, "2");
  const ir::HeatParam* budget = d.Param("budget");
  EXPECT_EQ(budget->type, ir::ParamType::kNumber);  // seconds, so that the range applies
  EXPECT_EQ(budget->default_value, "90");
  EXPECT_EQ(budget->range_min, 60);
  EXPECT_EQ(budget->range_max, std::nextafter(7200.0, 0.0));
  EXPECT_NE(budget->description.find("in seconds"), std::string::npos) << budget->description;
  const ir::HeatParam* scratch = d.Param("scratch");
  EXPECT_EQ(scratch->range_min, 512.0 * 1024 * 1024);
  EXPECT_FALSE(scratch->range_max);

  auto outside = Compile(Replace(kValidTrain, "param workers: int = 1",
                                 "param workers: int = 1\nparam lr: float = 0 in 0<..1\nparam t: duration = 3h in ..2h"));
  EXPECT_EQ(outside->Count(Kind::value_out_of_range), 2) << outside->Rendered();
  auto unitless = Compile(Replace(kValidTrain, "param workers: int = 1",
                                  "param workers: int = 1\nparam t: duration = 1m in 1..100"));
  EXPECT_EQ(unitless->Count(Kind::type_mismatch), 2) << unitless->Rendered();
}

TEST(SemaDataset, DigestsReachTheIrWhenTheDatasetHasThem) {
  auto fashion = Compile(kValidTrain);
  ASSERT_EQ(fashion->Errors(), 0) << fashion->Rendered();
  const auto& digests = fashion->result.deployments[0].dataset_sha256;
  ASSERT_TRUE(digests);  // Debian's files, from stdlib/datasets.dml
  EXPECT_EQ(digests->train_images, "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7");
  EXPECT_EQ(digests->train_labels, "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056");
  EXPECT_EQ(digests->test_images, "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa");
  EXPECT_EQ(digests->test_labels, "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05");

  auto mnist = Compile(Replace(kValidTrain, "datasets.fashion_mnist", "datasets.mnist"));
  ASSERT_EQ(mnist->Errors(), 0) << mnist->Rendered();
  EXPECT_FALSE(mnist->result.deployments[0].dataset_sha256);

  const std::string digest(64, 'A');
  auto upper = Compile(Replace(kValidTrain, "dataset = datasets.fashion_mnist",
                               "dataset = dataset { name = \"d\", dir = \"/d\", train_images = \"a\", "
                               "train_labels = \"b\", test_images = \"c\", test_labels = \"d\", "
                               "train_size = 60000, test_size = 10000, sha256 { train_images = \"" + digest +
                                   "\", train_labels = \"" + digest + "\", test_images = \"" + digest +
                                   "\", test_labels = \"" + digest + "\" } }"));
  ASSERT_EQ(upper->Errors(), 0) << upper->Rendered();
  EXPECT_EQ(upper->result.deployments[0].dataset_sha256->test_labels, std::string(64, 'a'));  // as sha256sum prints
  auto bad = Compile(Replace(kValidTrain, "dataset = datasets.fashion_mnist",
                             "dataset = dataset { name = \"d\", dir = \"/d\", train_images = \"a\", "
                             "train_labels = \"b\", test_images = \"c\", test_labels = \"d\", "
                             "train_size = 60000, test_size = 10000, sha256 { train_images = \"" + digest +
                                 "\", train_labels = \"xyz\", test_images = \"" + digest +
                                 "\", test_labels = \"" + digest + "\" } }"));
  const diag::Diagnostic* d = bad->First(Kind::value_out_of_range);
  ASSERT_NE(d, nullptr) << bad->Rendered();
  EXPECT_EQ(d->message, "the sha256 of `train_labels` must be 64 hexadecimal digits, but it has 3 characters");
}

}  // namespace
}  // namespace dml::sema::testing
