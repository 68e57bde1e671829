// The rules dmlrun applies to the plan's text fields (runtime/plan/
// field_rules.h), applied by dmlc at the value's line:col, so that no node
// finds out after its boot, apt step and build. A string holding a param
// (`ref = "${branch}"`) is checked with the param's default in place: its
// literal parts and the default. The value given at stack create is checked
// by the same rule on every node before the job starts.
#include <map>

#include "compiler/sema/checks.h"
#include "runtime/plan/field_rules.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::sema {
namespace {

// How a field's value may be: set or left empty ("": the default branch, no
// requirements), and what to write instead of a refused value.
struct TextRule {
  const char* field;
  plan::RuleResult (*rule)(std::string_view);
  bool may_be_empty;
  const char* example;
};

constexpr TextRule kRunRules[] = {
    {"ref", plan::CheckGitRef, true, "a branch, tag or commit id, such as \"main\", \"v1.2\" or \"3f2a9c1\""},
    {"requirements", plan::CheckRelativePath, true, "a directory inside the repository, such as \"deps\""},
    {"entrypoint", plan::CheckRelativePath, false, "a path inside the repository, such as \"src/train.py\""},
    {"python", plan::CheckProgram, false, "a command name such as \"python3\" or an absolute path"},
};
constexpr TextRule kArgRule = {"args", plan::CheckArgument, true, "an argument without a NUL byte"};
constexpr TextRule kRepoRule = {"repo", plan::CheckRepoUrl, false, "an https URL such as "
                                                                   "\"https://github.com/lab/train.git\""};
// The dataset's files: checks_downloads.cc (a name in `dir`, or a URL).
constexpr TextRule kDatasetRules[] = {
    {"dir", plan::CheckNodePath, false, "a directory on the nodes, such as \"/usr/share/datasets/mnist\""},
};
constexpr TextRule kCheckpointRule = {"dir", plan::CheckNodePath, false,
                                      "a directory on the nodes, such as \"/var/lib/dml/checkpoints\""};
constexpr TextRule kRuntimeRefRule = {"ref", plan::CheckGitRef, false, "a tag, branch or commit id"};
constexpr TextRule kRuntimeUrlRule = {"url", plan::CheckRepoUrl, false, "an https URL"};

// The text as the standalone plan holds it: each param at its default.
std::string WithDefaults(const Value& value) {
  std::map<std::string, std::string> defaults;
  for (const Splice& splice : value.splices) {
    const Value& param = *splice.param;
    defaults[param.text] = param.param_default ? param.param_default->ScalarText() : "";
  }
  return plan::ReplaceParamHoles(value.text, defaults);
}

void Check(const Value* value, const TextRule& rule, diag::DiagnosticSink& sink) {
  if (value == nullptr || value->kind != ValueKind::kString) return;
  if (rule.may_be_empty && value->text.empty()) return;
  const std::string filled = value->splices.empty() ? value->text : WithDefaults(*value);
  const plan::RuleResult problem = rule.rule(filled);
  if (!problem) return;
  std::string shown = "\"" + value->UserText() + "\"";
  std::vector<diag::Note> notes;
  std::vector<std::string> help = {std::string("write ") + rule.example};
  if (!value->splices.empty()) {
    shown += " (\"" + filled + "\" with " + (value->splices.size() == 1 ? "its param's default" : "the params' defaults") +
             ")";
    for (const Splice& splice : value->splices) {
      const Value& param = *splice.param;
      if (param.param_default) {
        notes.push_back({param.param_default->range, "param `" + param.text + "` defaults to \"" +
                                                         param.param_default->ScalarText() + "\""});
      }
    }
    help.push_back("a value given at stack create is checked the same way on every node, before the job starts");
  }
  sink.Report({diag::Kind::value_out_of_range, value->range,
               std::string("`") + rule.field + "` " + shown + " " + *problem, notes, help});
}

}  // namespace

void CheckPlanText(const Value& job, diag::DiagnosticSink& sink) {
  if (const Value* run = BlockField(job, "run")) {
    for (const TextRule& rule : kRunRules) Check(run->Field(rule.field), rule, sink);
    if (const Value* args = run->Field("args")) {
      for (const Value& arg : args->items) Check(&arg, kArgRule, sink);
    }
    // Only an https URL goes on: anything else is an insecure_repo_url.
    const Value* repo = run->Field("repo");
    if (repo != nullptr && plan::IsHttpsUrl(repo->text)) Check(repo, kRepoRule, sink);
  }
  const Value* train = BlockField(job, "train");
  if (train == nullptr) return;
  if (const Value* dataset = BlockField(*train, "dataset")) {
    for (const TextRule& rule : kDatasetRules) Check(dataset->Field(rule.field), rule, sink);
  }
  if (const Value* checkpoint = BlockField(*train, "checkpoint")) {
    Check(checkpoint->Field(kCheckpointRule.field), kCheckpointRule, sink);
  }
}

void CheckRuntimeText(const Value& runtime, diag::DiagnosticSink& sink) {
  const Value* url = runtime.Field("url");
  if (url != nullptr && plan::IsHttpsUrl(url->text)) Check(url, kRuntimeUrlRule, sink);
  const Value* source = runtime.Field("source");
  if (source == nullptr || source->text == "git") Check(runtime.Field("ref"), kRuntimeRefRule, sink);
}

}  // namespace dml::sema
