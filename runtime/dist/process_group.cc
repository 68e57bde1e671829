#include "runtime/dist/process_group.h"

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "runtime/dist/rendezvous.h"

namespace dml::dist {
namespace {
constexpr char kGlooPrefix[] = "gloo";
}  // namespace

ProcessGroupResult MakeGlooProcessGroup(const c10::intrusive_ptr<c10d::Store>& store,
                                        const ProcessGroupOptions& options) {
  ProcessGroupResult result;
  auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
  gloo_options->threads = options.threads;
  try {
    gloo_options->devices.push_back(
        c10d::ProcessGroupGloo::createDeviceForInterface(options.interface));
  } catch (const std::exception& error) {
    result.error = base::Error(fmt::format("cannot use network interface '{}' for Gloo", options.interface))
                       .CausedBy(base::Error(DescribeException(error)));
    return result;
  }
  try {
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>(kGlooPrefix, store);
    result.process_group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        prefixed, options.rank, options.world_size, gloo_options);
  } catch (const std::exception& error) {
    result.error = base::Error::AtRank(options.rank,
                                       fmt::format("connecting Gloo over interface '{}' failed", options.interface))
                       .CausedBy(base::Error(DescribeException(error)));
  }
  return result;
}

}  // namespace dml::dist
