// The sum of one fixed float buffer over the participants of a Gloo context
// (dist::ConnectGlooContext: synchronous pairs), run on the calling thread:
// the exchange between nodes, with no worker thread or allocation per call.
//
// The algorithm is Gloo's halving-doubling: a reduce-scatter by recursive
// halving, then an allgather by recursive doubling. It moves the same bytes
// as a ring, 2 (p-1)/p of the buffer per participant, in 2 log2(p) rounds
// instead of the ring's 2 (p-1) (for p not a power of two Gloo adds a step
// between binary blocks); each element is reduced once and copied to every
// participant, so all end with bitwise the same floats. At p = 2 the two
// algorithms are the same exchange.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace gloo {
class Context;
}  // namespace gloo

namespace dml::collective {

// Makes a Gloo context of `size` participants among a subset of the world,
// this rank being `rank` in it; keys under `prefix` in the job's store.
// Collective among the subset; throws when a participant never comes.
using NetworkFactory =
    std::function<std::shared_ptr<gloo::Context>(const std::string& prefix, int rank, int size)>;

class NetworkAllreduce {
 public:
  // `data[0..count)` is the buffer every SumInPlace reduces: it must stay
  // valid (and in place) for this object's life. Collective.
  NetworkAllreduce(std::shared_ptr<gloo::Context> context, float* data, int64_t count);
  ~NetworkAllreduce();
  NetworkAllreduce(const NetworkAllreduce&) = delete;
  NetworkAllreduce& operator=(const NetworkAllreduce&) = delete;

  // data becomes the element-wise sum over the participants. Throws
  // std::runtime_error when a peer fails, closes or times out.
  void SumInPlace();

  static constexpr const char* kAlgorithm = "halving-doubling";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dml::collective
