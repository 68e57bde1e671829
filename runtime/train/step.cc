#include "runtime/train/step.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/data/shard.h"

namespace dml::train {
namespace {

// Rows evaluated at once: bounds the activations' memory on big test sets.
constexpr int64_t kEvalChunk = 2048;
// The same for image models, whose conv activations are tens of times the
// image (a 32-channel conv of a 32x32 image: 128 KiB a sample).
constexpr int64_t kEvalChunkImages = 256;

// `rows` samples in the model's input shape: {rows, input_shape()...}.
std::vector<int64_t> BatchShape(const model::Model& model, int64_t rows) {
  std::vector<int64_t> shape = {rows};
  shape.insert(shape.end(), model.input_shape().begin(), model.input_shape().end());
  return shape;
}

plan::Model KindOnly(const model::Model& model) {
  plan::Model spec;
  spec.kind = model.kind();
  return spec;
}

}  // namespace

TrainStep::TrainStep(model::Model& model, FlatOptimizer& optimizer, collective::Communicator& comm,
                     StepOptions options, std::unique_ptr<Pass> pass)
    : model_(model),
      optimizer_(optimizer),
      comm_(comm),
      options_(options),
      pass_(pass ? std::move(pass) : MakePass(model, KindOnly(model))) {}

double TrainStep::Backward(const float* x, const int64_t* labels, int64_t rows, float multiplier, float* out) {
  if (rows > 0) return pass_->ForwardBackward(x, labels, rows, multiplier, out);
  // No rows (a global batch's short last step): this rank adds nothing.
  torch::Tensor grads = model_.flat_grads();
  if (out == nullptr) {
    grads.zero_();
  } else {
    std::fill(out, out + grads.numel(), 0.0f);
  }
  return 0.0;
}

double TrainStep::Run(const float* x, const int64_t* labels, int64_t rows, bool stop_vote, int64_t all_rows) {
  const int world = comm_.world_size();
  if (world > 1 && !sync_chosen_) {  // collective, so before anything can differ between ranks
    sync_chosen_ = true;
    if (options_.sync == GradientSync::kAuto) {
      const int64_t count = model_.flat_grads().numel();
      // A faked node key (tests) means the ranks are not to be taken as one host.
      if (options_.node_key == 0) local_ = collective::LocalAllreduce::Create(comm_, count, options_.local_timeout);
      if (!local_) {  // not all on one host: several ranks on each of several nodes?
        collective::HierarchyOptions hierarchy{options_.local_timeout, options_.node_key};
        hierarchy_ = collective::HierarchicalAllreduce::Create(comm_, count, hierarchy, &hierarchy_declined_);
      }
    }
  }
  // Pre-scaling each rank's mean gradient by its share of the step's rows
  // makes the allreduce's SUM the mean over all rows, with no extra pass over
  // the buffer (1 / world when every rank has the same rows).
  if (all_rows <= 0) all_rows = rows * world;
  const float multiplier =
      all_rows > 0 ? static_cast<float>(static_cast<double>(rows) / static_cast<double>(all_rows)) : 0.0f;
  stop_voted_ = stop_vote;
  StepTrace* trace = options_.trace;
  if (trace != nullptr) trace->Mark(StepTrace::kStart);
  if (local_) {
    // Backward writes straight into this rank's shared slot; the optimizer
    // sums the ranks' slots as it updates: no copy in, no copy out.
    double loss = Backward(x, labels, rows, multiplier, local_->ContributionSlot());
    if (trace != nullptr) trace->Mark(StepTrace::kExchangeStart);
    collective::LocalAllreduce::Parts parts = local_->Exchange(stop_vote);
    if (trace != nullptr) trace->Mark(StepTrace::kExchangeEnd);
    stop_voted_ = parts.any_vote;
    optimizer_.StepSummed(parts.data, parts.count);
    if (trace != nullptr) trace->Mark(StepTrace::kEnd);
    return loss;
  }
  double loss = Backward(x, labels, rows, multiplier, nullptr);
  if (trace != nullptr) trace->Mark(StepTrace::kExchangeStart);
  if (hierarchy_) {
    stop_voted_ = hierarchy_->SumInPlace(model_.flat_grads().data_ptr<float>(), stop_vote);
  } else if (world > 1) {
    comm_.AllreduceSum(model_.flat_grads());
  }
  if (trace != nullptr) trace->Mark(StepTrace::kExchangeEnd);
  optimizer_.Step();
  if (trace != nullptr) trace->Mark(StepTrace::kEnd);
  return loss;
}

std::string TrainStep::exchange() const {
  if (comm_.world_size() == 1) return "none (one rank)";
  if (local_) return "shared memory (every rank on this host)";
  if (hierarchy_ && hierarchy_->layout().one_rank_per_node()) {
    return fmt::format("Gloo {} between {} nodes (one rank each), on the training thread",
                       collective::NetworkAllreduce::kAlgorithm, hierarchy_->layout().nodes.size());
  }
  if (hierarchy_) {
    return fmt::format("hierarchical ({}: shared memory in each node, Gloo {} between the nodes' leaders)",
                       hierarchy_->layout().Describe(), collective::NetworkAllreduce::kAlgorithm);
  }
  if (!hierarchy_declined_.empty()) {
    return fmt::format("Gloo process group (not hierarchical: {})", hierarchy_declined_);
  }
  return "Gloo process group";
}

double TrainStep::Run(const torch::Tensor& x, const torch::Tensor& y) {
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() >= 2 && x.numel() == x.size(0) * model_.input_features(),
              "TrainStep: x must be float32 [rows, ", model_.input_features(), "] or [rows, input shape]");
  TORCH_CHECK(y.scalar_type() == torch::kInt64 && y.dim() == 1 && y.size(0) == x.size(0),
              "TrainStep: y must be int64 [rows]");
  TORCH_CHECK(y.numel() == 0 || (y.min().item<int64_t>() >= 0 && y.max().item<int64_t>() < model_.num_classes()),
              "TrainStep: labels must lie in [0, ", model_.num_classes(), ")");
  torch::Tensor xc = x.contiguous();
  torch::Tensor yc = y.contiguous();
  return Run(xc.data_ptr<float>(), yc.data_ptr<int64_t>(), x.size(0));
}

EvalResult Evaluate(model::Model& model, const torch::Tensor& images, const torch::Tensor& labels,
                    collective::Communicator& comm) {
  torch::NoGradGuard no_grad;
  // Evaluation mode for the loop (a torchscript model's dropout and batch
  // norm), back to training whatever happens.
  struct EvalMode {
    model::Model& m;
    explicit EvalMode(model::Model& model) : m(model) { m.SetTraining(false); }
    ~EvalMode() { m.SetTraining(true); }
  } eval_mode(model);
  data::Range slice = data::EvalSlice(labels.size(0), comm.rank(), comm.world_size());
  double correct = 0;
  double loss_sum = 0;
  const int64_t chunk = model.input_shape().size() == 1 ? kEvalChunk : kEvalChunkImages;
  for (int64_t begin = slice.begin; begin < slice.end; begin += chunk) {
    int64_t n = std::min(chunk, slice.end - begin);
    torch::Tensor logits = model.Forward(images.narrow(0, begin, n).reshape(BatchShape(model, n)));
    torch::Tensor y = labels.narrow(0, begin, n);
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
  }
  // Doubles hold these counts exactly (below 2^53) and let one call carry all three.
  torch::Tensor sums = torch::tensor({correct, static_cast<double>(slice.size()), loss_sum}, torch::kFloat64);
  comm.AllreduceSum(sums);
  auto s = sums.accessor<double, 1>();
  return EvalResult{static_cast<int64_t>(s[0]), static_cast<int64_t>(s[1]), s[2]};
}

}  // namespace dml::train
