// Built-in training jobs: one `dmlrun rank` process per rank here, under the
// supervisor; a header before and the result after.
#pragma once

#include "runtime/launch/job_context.h"

namespace dml::launch {

// Returns an ExitCode.
int RunTrainJob(const JobContext& context);

}  // namespace dml::launch
