// dmlrun's plan reader refuses a text field that breaks its rule
// (field_rules.h), naming the file and the field: the reproducers,
// a value Heat filled in at stack create, and every rule-bearing field.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "runtime/plan/plan.h"
#include "runtime/plan/plan_yaml.h"
#include "runtime/plan/text_fields.h"
#include "tests/runtime/plan/plan_test_util.h"

namespace dml::plan {
namespace {

// The plan read back from its YAML: refused, with this line among the errors.
void ExpectRefused(const Plan& plan, const std::string& line) {
  const LoadResult r = ParsePlan(SerializePlan(plan), "node.plan.yaml");
  EXPECT_FALSE(r.plan) << line;
  EXPECT_NE(Errors(r).find(line), std::string::npos) << Errors(r);
}

TEST(PlanTextFields, BothSampleShapesAreAccepted) {
  for (const Plan& plan : {SampleCommandPlan(), SamplePlan()}) {
    const LoadResult r = ParsePlan(SerializePlan(plan), "p.yaml");
    EXPECT_TRUE(r.plan) << Errors(r);
  }
}

// The reproducers: dmlrun used to find out after the clone.
TEST(PlanTextFields, ReaderRefusesPathsOutOfTheRepoAndOptionRefs) {
  Plan p = SampleCommandPlan();
  p.command->entrypoint = "../../../etc/passwd";
  p.command->requirements_dir = "../x";
  p.command->ref = "- a";
  ExpectRefused(p, "node.plan.yaml: command.entrypoint: '../../../etc/passwd' has a '..' component");
  ExpectRefused(p, "node.plan.yaml: command.requirements_dir: '../x' has a '..' component");
  ExpectRefused(p, "node.plan.yaml: command.ref: '- a' starts with '-': git would read it as an option");
}

// A ref given at stack create: the boot script's str_replace puts it into
// the embedded plan, and the node's reader refuses it, naming the field.
TEST(PlanTextFields, ValueFilledInAtStackCreateIsCheckedOnTheNode) {
  Plan p = SampleCommandPlan();
  p.command->ref = ParamHole("branch");
  p.command->entrypoint = ParamHole("script");
  SerializeOptions options;
  options.for_heat = true;
  const std::string embedded = SerializePlan(p, options);
  // What Heat's str_replace does at stack create.
  const auto fill = [&](const std::map<std::string, std::string>& values) {
    std::string text = embedded;
    for (const auto& [param, value] : values) {
      const std::string token = HeatParamToken(param);
      for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
        text.replace(at, token.size(), value);
      }
    }
    return text;
  };
  const LoadResult good = ParsePlan(fill({{"branch", "dev"}, {"script", "a.py"}, {"workers", "3"}}), "n.yaml");
  EXPECT_TRUE(good.plan) << Errors(good);
  // A value Heat's pattern would refuse ('@') still meets the reader's rules.
  const LoadResult bad = ParsePlan(fill({{"branch", "main@{1}"}, {"script", "/etc/passwd"}, {"workers", "3"}}),
                                   "/etc/dml/repo_job.plan.yaml");
  ASSERT_FALSE(bad.plan);
  const std::string all = Errors(bad);
  EXPECT_NE(all.find("/etc/dml/repo_job.plan.yaml: command.ref: 'main@{1}' holds '@{'"), std::string::npos) << all;
  EXPECT_NE(all.find("/etc/dml/repo_job.plan.yaml: command.entrypoint: '/etc/passwd' starts with '/'"),
            std::string::npos)
      << all;
}

TEST(PlanTextFields, EveryCommandFieldIsChecked) {
  struct Case {
    std::string CommandSpec::*field;
    std::string value;
    std::string line;
  };
  for (const Case& c : {
           Case{&CommandSpec::repo, "ext::sh", "command.repo: 'ext::sh' is neither an https:// URL nor an absolute path"},
           Case{&CommandSpec::python, "venv/bin/python", "command.python: 'venv/bin/python' must be a command name"},
           Case{&CommandSpec::python, "", "command.python: must be set"},
           Case{&CommandSpec::entrypoint, "a\nb", "command.entrypoint: 'a\\x0Ab' holds the control character 0x0A"},
       }) {
    Plan p = SampleCommandPlan();
    (*p.command).*c.field = c.value;
    ExpectRefused(p, c.line);
  }
  Plan p = SampleCommandPlan();
  // A NUL cannot go through YAML as dmlc writes it: Validate on its own.
  p.command->args.push_back(std::string("a\0b", 3));
  const std::vector<base::Error> errors = Validate(p, "p.yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].Render(),
            "p.yaml: command.args[2]: 'a\\x00b' holds a NUL byte, which no program argument can hold");
}

TEST(PlanTextFields, EveryTrainFieldIsChecked) {
  Plan p = SamplePlan();
  p.train->dataset.dir = "-data";
  p.train->dataset.train_images = "/etc/shadow";
  p.train->dataset.test_labels = "x/../../y";
  p.train->checkpoint.dir = "/var//ckpt";
  ExpectRefused(p, "train.dataset.dir: '-data' starts with '-'");
  ExpectRefused(p, "train.dataset.train_images: '/etc/shadow' starts with '/'");
  ExpectRefused(p, "train.dataset.test_labels: 'x/../../y' has a '..' component");
  ExpectRefused(p, "train.checkpoint.dir: '/var//ckpt' has an empty component");
}

// The job's name is a folder of dmlrun's workdir; names are identifiers.
TEST(PlanTextFields, NamesAreIdentifiers) {
  Plan p = SampleCommandPlan();
  p.job = "../../etc";
  p.cluster.groups[1].name = "a b";
  p.cluster.groups[1].count_param = "x-y";
  ExpectRefused(p, "job.name: '../../etc' must start with a letter or '_'");
  ExpectRefused(p, "cluster.groups[1].name: 'a b' may hold only letters, digits and '_'");
  ExpectRefused(p, "cluster.groups[1].count_param: 'x-y' may hold only letters, digits and '_'");
}

TEST(PlanTextFields, TheListNamesEveryTextFieldOnce) {
  Plan p = SampleCommandPlan();
  p.train = SamplePlan().train;
  p.train->downloads.push_back({"/d/model.pt", "https://example.org/model.pt", std::string(64, 'a')});
  std::vector<std::string> names;
  ForEachTextField(p, [&](const std::string& field, std::string& value, Rule) {
    names.push_back(field);
    value = "changed";
  });
  EXPECT_EQ(names.size(), 26u);
  EXPECT_EQ(p.command->entrypoint, "changed");  // references into the plan
  EXPECT_EQ(p.train->dataset.dir, "changed");
  EXPECT_EQ(p.cluster.groups[1].count_param, "changed");
}

}  // namespace
}  // namespace dml::plan
