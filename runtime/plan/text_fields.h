// Every text field of a plan, named as messages name it ("command.args[1]"),
// with the rule of field_rules.h its value follows: the one list that
// Validate checks and that dmlc walks to put a param's default in place of its
// token. A field without a rule (null) takes any text or is checked elsewhere
// (the subnet is a CIDR, the format one of a list).
#pragma once

#include <map>
#include <string>

#include "runtime/plan/field_rules.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::plan {

using Rule = RuleResult (*)(std::string_view);

// Calls fn(field, value, rule) for each; `PlanT` is Plan or const Plan, and
// `value` a reference into it. An empty value means "not set": the rule
// holds for set values only (Validate says which fields must be set).
template <typename PlanT, typename Fn>
void ForEachTextField(PlanT& plan, Fn&& fn) {
  fn(std::string("job.name"), plan.job, &CheckName);
  fn(std::string("cluster.subnet"), plan.cluster.subnet, Rule{nullptr});
  fn(std::string("cluster.master_addr"), plan.cluster.master_addr, Rule{nullptr});
  for (size_t i = 0; i < plan.cluster.groups.size(); ++i) {
    const std::string at = "cluster.groups[" + std::to_string(i) + "]";
    fn(at + ".name", plan.cluster.groups[i].name, &CheckName);
    fn(at + ".count_param", plan.cluster.groups[i].count_param, &CheckName);
  }
  if (plan.train) {
    auto& d = plan.train->dataset;
    fn(std::string("train.dataset.name"), d.name, Rule{nullptr});
    fn(std::string("train.dataset.format"), d.format, Rule{nullptr});
    fn(std::string("train.dataset.dir"), d.dir, &CheckNodePath);
    fn(std::string("train.dataset.train_images"), d.train_images, &CheckRelativePath);
    fn(std::string("train.dataset.train_labels"), d.train_labels, &CheckRelativePath);
    fn(std::string("train.dataset.test_images"), d.test_images, &CheckRelativePath);
    fn(std::string("train.dataset.test_labels"), d.test_labels, &CheckRelativePath);
    for (size_t i = 0; i < d.train_batches.size(); ++i) {
      fn("train.dataset.train_batches[" + std::to_string(i) + "]", d.train_batches[i], &CheckRelativePath);
    }
    for (size_t i = 0; i < d.test_batches.size(); ++i) {
      fn("train.dataset.test_batches[" + std::to_string(i) + "]", d.test_batches[i], &CheckRelativePath);
    }
    fn(std::string("train.model.file"), plan.train->model.file, &CheckNodePath);
    fn(std::string("train.checkpoint.dir"), plan.train->checkpoint.dir, &CheckNodePath);
    for (size_t i = 0; i < plan.train->downloads.size(); ++i) {
      auto& download = plan.train->downloads[i];
      const std::string at = "train.downloads[" + std::to_string(i) + "]";
      fn(at + ".path", download.path, &CheckNodePath);
      fn(at + ".url", download.url, &CheckDownloadUrl);
      fn(at + ".sha256", download.sha256, &CheckSha256);
    }
  }
  if (plan.command) {
    auto& c = *plan.command;
    fn(std::string("command.repo"), c.repo, &CheckRepoUrl);
    fn(std::string("command.ref"), c.ref, &CheckGitRef);
    fn(std::string("command.requirements_dir"), c.requirements_dir, &CheckRelativePath);
    fn(std::string("command.entrypoint"), c.entrypoint, &CheckRelativePath);
    for (size_t i = 0; i < c.args.size(); ++i) {
      fn("command.args[" + std::to_string(i) + "]", c.args[i], &CheckArgument);
    }
    fn(std::string("command.python"), c.python, &CheckProgram);
  }
}

// `plan` with ReplaceParamHoles(…, values) done on every text field: the
// standalone plan (each param at its default), or what a node reads once
// Heat has put the stack's values in.
inline Plan FillParamHoles(Plan plan, const std::map<std::string, std::string>& values) {
  if (values.empty()) return plan;
  ForEachTextField(plan, [&](const std::string&, std::string& value, Rule) {
    value = ReplaceParamHoles(value, values);
  });
  return plan;
}

}  // namespace dml::plan
