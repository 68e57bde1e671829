#include "runtime/collective/network_allreduce.h"

#include <stdexcept>
#include <vector>

#include <gloo/allreduce_halving_doubling.h>

namespace dml::collective {

struct NetworkAllreduce::Impl {
  std::shared_ptr<gloo::Context> context;
  gloo::AllreduceHalvingDoubling<float> algorithm;
  Impl(std::shared_ptr<gloo::Context> c, float* data, int64_t count)
      : context(c), algorithm(c, std::vector<float*>{data}, static_cast<int>(count)) {}
};

NetworkAllreduce::NetworkAllreduce(std::shared_ptr<gloo::Context> context, float* data, int64_t count)
    : impl_(std::make_unique<Impl>(std::move(context), data, count)) {}

NetworkAllreduce::~NetworkAllreduce() = default;

void NetworkAllreduce::SumInPlace() {
  try {
    impl_->algorithm.run();
  } catch (const std::runtime_error&) {
    throw;  // gloo::Exception (IoException, timeouts) is one already
  } catch (const std::exception& error) {
    throw std::runtime_error(error.what());  // gloo::EnforceNotMet
  }
}

}  // namespace dml::collective
