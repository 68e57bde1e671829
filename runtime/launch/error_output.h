// How dmlrun shows an error to its user: "dmlrun: error: " and the error's
// Render(), one format for every layer's errors (plan, data, model, train,
// dist, launch) on the console and in what a node reports to its stack.
#pragma once

#include <string>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/launch/launch_options.h"

namespace dml::launch {

// "dmlrun: error: <error.Render()><after>\n"
std::string ErrorLine(const base::Error& error, std::string_view after = "");

// For std::set_terminate, in every dmlrun process (main): a library's own
// thread (c10d's store client, Gloo) that throws has no caller to catch it,
// and std::terminate would abort with the C++ runtime's raw message and a
// core dump. Says what failed, as every other error does, and exits as a
// failed job; a rank's supervisor then stops its siblings.
[[noreturn]] void EndOnUncaughtException();

// `error` as this node's (node mode: "node 1: ..."); in local mode every node
// is this machine, and the error stays as it is.
base::Error AtThisNode(const LaunchOptions& options, base::Error error);

}  // namespace dml::launch
