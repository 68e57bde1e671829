// Nova refuses a server whose user_data is too large, at stack create, after
// the network and the other servers are up. dmlc measures each group's boot
// script (the template's user_data) when it compiles and reports
// user_data_too_large at the job's longest string instead.
#pragma once

#include <cstddef>

#include "compiler/diag/diagnostic.h"
#include "compiler/ir/deployment.h"
#include "compiler/sema/analyze.h"

namespace dml::driver {

// Nova's limit on a server's user_data: MAX_USERDATA_SIZE = 65535 in
// nova/compute/api.py, compared with len(user_data) before it is base64
// decoded, i.e. on the base64 text (Heat's RAW format base64-encodes the
// script's bytes as they are). That is at most 49,149 bytes of script.
inline constexpr size_t kNovaUserDataLimit = 65535;

// What Heat's str_replace adds to a script beyond what dmlc writes: the wait
// handle's curl command line (a URL and a Keystone token, a few hundred
// bytes) in place of its placeholder, and the values of count params. Text
// params given at stack create are counted by their placeholder: a long
// value can still exceed the limit then, and Nova says so at stack create.
inline constexpr size_t kHeatFillMarginBytes = 1024;

// The size Nova measures for a script of `bytes` bytes: its base64 length,
// with Heat's substitutions.
size_t UserDataBase64Size(size_t script_bytes);

// user_data_too_large for each deployment whose largest boot script is over
// the limit; false when it reported one.
bool CheckUserDataSize(const ir::Deployment& deployment, const sema::JobSites& sites,
                       diag::DiagnosticSink& sink);

}  // namespace dml::driver
