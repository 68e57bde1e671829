// What differs between the LibTorch versions dmlrun builds against: Debian
// 12's 1.13 and Debian 13's 2.6 (scripts/debian13_check.sh). The one place
// for such differences, so the runtime has no version checks elsewhere.
#pragma once

#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/version.h>
#ifdef C10_USE_GLOG
#include <glog/logging.h>
#endif

namespace dml::dist::torch_compat {

// What runs the collectives. In 1.13 ProcessGroupGloo is a ProcessGroup; in
// 2.x it is a Backend (a ProcessGroup holds backends per device type), with
// the same collective calls.
#if TORCH_VERSION_MAJOR >= 2
using Group = c10d::Backend;
#else
using Group = c10d::ProcessGroup;
#endif
using GroupPtr = c10::intrusive_ptr<Group>;

// Keeps c10d's own log lines (fatal ones aside) off the output. 1.13 logs
// through glog; 2.6 (Debian's, built without glog) through c10's logger.
inline void QuietLogging() {
#ifdef C10_USE_GLOG
  FLAGS_minloglevel = google::GLOG_FATAL;
#else
  FLAGS_caffe2_log_level = c10::GLOG_FATAL;
#endif
}

}  // namespace dml::dist::torch_compat
