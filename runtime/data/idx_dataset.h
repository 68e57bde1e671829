// An idx dataset's four files (plan.h's Dataset, format idx) read into raw
// splits: counts checked against each other and the plan, labels in range,
// train and test images of one size.
#pragma once

#include "runtime/data/raw_split.h"
#include "runtime/plan/plan.h"

namespace dml::data {

RawResult ReadIdxDataset(const plan::Dataset& spec, const ClassLimit& limit);

}  // namespace dml::data
