// The launch plan in its two forms. The template embeds it with tokens that
// Heat fills in at stack create (param-driven counts, params put into text
// with `${name}`); `dmlc build` writes it beside the template with every
// param at its default, for `dmlrun local`: that file never holds a token.
#pragma once

#include <string>

#include "compiler/ir/deployment.h"
#include "runtime/plan/plan.h"

namespace dml::emit {

// `deployment.plan` with each text param's default in place of its token.
plan::Plan StandalonePlan(const ir::Deployment& deployment);
std::string StandalonePlanYaml(const ir::Deployment& deployment);

// The plan as the boot scripts write it before Heat's str_replace: count
// tokens, and every string that holds a token double-quoted.
std::string EmbeddedPlanYaml(const ir::Deployment& deployment);

}  // namespace dml::emit
