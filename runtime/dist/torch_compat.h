// What differs between the LibTorch versions dmlrun builds against: Debian
// 12's 1.13 and Debian 13's 2.6 (scripts/debian13_check.sh). The one place
// for such differences, so the runtime has no version checks elsewhere.
#pragma once

#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef C10_USE_GLOG
#include <glog/logging.h>
#endif

#include <type_traits>
#include <utility>

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

// Options for a c10d TCPStore, server or client: c10d's defaults but one.
// 2.x added a libuv server (`useLibUV`, the default from 2.4 on), and every
// TCPStore, client too, refuses to start when the build lacks libuv
// ("use_libuv was requested but PyTorch was build without libuv support");
// Debian 13's 2.6 is built without it. The classic socket server is the one
// 1.13 has, so every version runs the same store code and timeouts. Detected
// by the member, not by version, since the minor release that added it
// differs from the one that made it the default.
template <typename Options, typename = void>
struct HasUseLibUv : std::false_type {};
template <typename Options>
struct HasUseLibUv<Options, std::void_t<decltype(std::declval<Options&>().useLibUV)>>
    : std::true_type {};

template <typename Options = c10d::TCPStoreOptions>
Options StoreOptions() {
  Options options;
  if constexpr (HasUseLibUv<Options>::value) options.useLibUV = false;
  return options;
}

}  // namespace dml::dist::torch_compat
