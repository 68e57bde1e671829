#include "compiler/emit/plan_files.h"

#include <map>

#include "runtime/plan/plan_yaml.h"

namespace dml::emit {
namespace {

// Every string of the plan: sema lets tokens only into the DeployText
// fields (schema.h), but walking them all costs nothing and leaves no
// token behind if another field ever becomes one.
template <typename Fn>
void ForEachText(plan::Plan& p, Fn&& fn) {
  fn(p.job);
  for (plan::NodeGroup& g : p.cluster.groups) fn(g.name);
  if (p.train) {
    plan::Dataset& d = p.train->dataset;
    for (std::string* text : {&d.name, &d.dir, &d.train_images, &d.train_labels, &d.test_images, &d.test_labels}) {
      fn(*text);
    }
    fn(p.train->checkpoint.dir);
  }
  if (p.command) {
    plan::CommandSpec& c = *p.command;
    for (std::string* text : {&c.repo, &c.ref, &c.requirements_dir, &c.entrypoint, &c.python}) fn(*text);
    for (std::string& arg : c.args) fn(arg);
  }
}

}  // namespace

plan::Plan StandalonePlan(const ir::Deployment& deployment) {
  plan::Plan p = deployment.plan;
  if (deployment.text_params.empty()) return p;
  std::map<std::string, std::string> defaults;
  for (const ir::TextParam& param : deployment.text_params) defaults[param.name] = param.default_text;
  ForEachText(p, [&](std::string& text) { text = plan::ReplaceParamHoles(text, defaults); });
  return p;
}

std::string StandalonePlanYaml(const ir::Deployment& deployment) {
  return plan::SerializePlan(StandalonePlan(deployment));
}

std::string EmbeddedPlanYaml(const ir::Deployment& deployment) {
  plan::SerializeOptions options;
  options.for_heat = true;
  return plan::SerializePlan(deployment.plan, options);
}

}  // namespace dml::emit
