// Plans the plan tests start from, and their errors as one text.
#pragma once

#include <string>

#include "runtime/plan/plan.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::plan {

// A train job of two groups (the second's count from a param), every field set.
Plan SamplePlan();
// SamplePlan as a command job, each command field set.
Plan SampleCommandPlan();
// Every error, one "file: field: message" a line.
std::string Errors(const LoadResult& r);

}  // namespace dml::plan
