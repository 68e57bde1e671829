// The cnn bench's dml side until dmlrun's generic trainer runs cnn models:
// trains the stdlib cnn (1x28x28 -conv3-> 16 -pool-> -conv3-> 32 -pool-> fc 800->10,
// relu) on Fashion-MNIST with train::CnnPass and the flat Adam, the way
// dmlrun's loop does it: the runtime's IDX loader, DistributedSampler shards
// (data::ShardIndices), BatchBuffer gathers, batch 64 per rank, each rank's
// gradient (pre-divided by the world size) written into its own slot of a
// shared buffer, one barrier, then every rank's Adam sums the slots as it
// updates (FlatOptimizer::StepSummed). Ranks are threads of this process,
// each pinned to its own core with one intra-op thread (dmlrun's ranks are
// processes exchanging through shared memory: the same arithmetic and the
// same one barrier a step).
//
// Usage: cnn_train [--world W] [--epochs E] [--seed S] [--data DIR] [--profile STEPS]
// Prints one JSON line (samples/s over the training loop, test accuracy);
// --profile instead times STEPS single-rank steps phase by phase (medians of
// 5 repeats) and prints a markdown table.
#include <ATen/Parallel.h>
#include <pthread.h>
#include <sched.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/data/batch.h"
#include "runtime/data/dataset.h"
#include "runtime/data/shard.h"
#include "runtime/train/cnn_pass.h"
#include "runtime/train/flat_optimizer.h"
#include "runtime/train/mlp_kernels.h"

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr int64_t kBatch = 64;

dml::plan::Model StdlibCnn() {
  dml::plan::Model m;
  m.kind = "cnn";
  m.input = {1, 28, 28};
  m.channels = {16, 32};
  m.kernel = 3;
  m.classes = 10;
  m.activation = "relu";
  return m;
}

dml::plan::Dataset FashionMnist(const std::string& dir) {
  dml::plan::Dataset d;
  d.dir = dir;
  d.train_images = "train-images-idx3-ubyte.gz";
  d.train_labels = "train-labels-idx1-ubyte.gz";
  d.test_images = "t10k-images-idx3-ubyte.gz";
  d.test_labels = "t10k-labels-idx1-ubyte.gz";
  return d;
}

// PyTorch's default Conv2d/Linear initialisation (uniform +-1/sqrt(fan_in)
// for weights and biases), drawn in parameter order from a seeded generator.
void Init(const dml::plan::Model& m, torch::Tensor flat, uint64_t seed) {
  torch::manual_seed(seed);
  int64_t offset = 0, c = m.input[0], h = m.input[1], w = m.input[2];
  auto fill = [&](int64_t n, int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    flat.narrow(0, offset, n).uniform_(-bound, bound);
    offset += n;
  };
  for (int64_t out : m.channels) {
    fill(out * c * m.kernel * m.kernel, c * m.kernel * m.kernel);
    fill(out, c * m.kernel * m.kernel);
    c = out, h = (h - m.kernel + 1) / 2, w = (w - m.kernel + 1) / 2;
  }
  fill(m.classes * c * h * w, c * h * w);
  fill(m.classes, c * h * w);
}

void Pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// A sense-reversing barrier that spins (ranks own their cores) and yields after a while.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void Wait() {
    const int gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    for (int spins = 0; generation_.load(std::memory_order_acquire) == gen; ++spins) {
      if (spins > 10000) std::this_thread::yield();
    }
  }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

struct Rank {
  torch::Tensor params, grads;
  std::unique_ptr<dml::train::CnnPass> pass;
  std::unique_ptr<dml::train::FlatOptimizer> adam;
};

Rank MakeRank(const dml::plan::Model& spec, int64_t n, uint64_t seed) {
  Rank r;
  r.params = torch::empty({n});
  r.grads = torch::zeros({n});
  Init(spec, r.params, seed);
  r.pass = std::move(dml::train::CnnPass::Create(spec, r.params.data_ptr<float>(), r.grads.data_ptr<float>()).pass);
  dml::plan::Optimizer adam;  // adam, lr 1e-3, the peer's defaults
  r.adam = std::move(dml::train::MakeOptimizer(adam, r.params, r.grads).optimizer);
  return r;
}

int Train(const dml::data::IdxDataset& data, int world, int epochs, uint64_t seed) {
  const dml::plan::Model spec = StdlibCnn();
  const int64_t n = dml::train::CnnPass::Create(spec, nullptr, nullptr).pass->num_parameters();
  std::vector<Rank> ranks;
  for (int r = 0; r < world; ++r) ranks.push_back(MakeRank(spec, n, seed));
  std::vector<float> slots(static_cast<size_t>(world * n));
  std::vector<const float*> parts;
  for (int r = 0; r < world; ++r) parts.push_back(slots.data() + r * n);
  const int64_t train_n = data.train.size();
  const int64_t shard = dml::data::ShardSize(train_n, world);
  const int64_t steps = dml::data::StepsPerEpoch(train_n, world, kBatch);
  Barrier barrier(world);
  std::vector<double> last_loss(world);

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      Pin(r);
      at::set_num_threads(1);
      Rank& me = ranks[r];
      dml::data::BatchBuffer batch(kBatch, data.features);
      float* slot = slots.data() + r * n;
      for (int e = 0; e < epochs; ++e) {
        torch::Tensor order = dml::data::ShardIndices(train_n, r, world, seed, e);
        const int64_t* idx = order.data_ptr<int64_t>();
        for (int64_t s = 0; s < steps; ++s) {
          const int64_t rows = std::min(kBatch, shard - s * kBatch);
          batch.Gather(data.train, idx + s * kBatch, rows);
          last_loss[r] = me.pass->ForwardBackward(batch.images(), batch.labels(), rows, 1.0f / world, slot);
          barrier.Wait();  // every rank's gradient is in its slot
          me.adam->StepSummed(parts.data(), world);
          barrier.Wait();  // no rank overwrites its slot while another still reads it
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double train_s = Since(start);

  // Test accuracy on the whole test set (rank 0's parameters; every rank's are the same).
  const float* logits = ranks[0].pass->Forward(data.test.images.data_ptr<float>(), data.test.size());
  const int64_t correct = dml::train::kernels::CountCorrect(logits, data.test.labels.data_ptr<int64_t>(),
                                                            data.test.size(), spec.classes);
  double loss = 0;
  for (double l : last_loss) loss += l / world;
  const bool same = world == 1 || torch::equal(ranks[0].params, ranks[world - 1].params);
  std::printf(
      "{\"world\": %d, \"threads\": 1, \"epochs\": %d, \"steps_per_rank\": %lld, \"train_s\": %.3f, "
      "\"samples_per_s\": %.1f, \"step_ms\": %.4f, \"test_acc\": %.4f, \"final_loss\": %.4f, \"ranks_agree\": %s}\n",
      world, epochs, static_cast<long long>(steps * epochs), train_s,
      static_cast<double>(shard * world * epochs) / train_s, 1e3 * train_s / static_cast<double>(steps * epochs),
      static_cast<double>(correct) / static_cast<double>(data.test.size()), loss, same ? "true" : "false");
  return same ? 0 : 1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One rank's step, phase by phase, in microseconds: medians over repeats of `steps` steps each.
void Profile(const dml::data::IdxDataset& data, int steps, uint64_t seed) {
  constexpr int kRepeats = 5;
  Pin(0);
  at::set_num_threads(1);
  const dml::plan::Model spec = StdlibCnn();
  const int64_t n = dml::train::CnnPass::Create(spec, nullptr, nullptr).pass->num_parameters();
  Rank me = MakeRank(spec, n, seed);
  dml::data::BatchBuffer batch(kBatch, data.features);
  torch::Tensor order = dml::data::ShardIndices(data.train.size(), 0, 1, seed, 0);
  const int64_t* idx = order.data_ptr<int64_t>();
  const int64_t per_epoch = data.train.size() / kBatch;
  std::vector<std::vector<double>> rows;  // per repeat: the phases
  std::vector<std::string> names;
  for (int rep = 0; rep < kRepeats; ++rep) {
    dml::train::CnnPassProfile prof;
    me.pass->set_profile(&prof);
    double gather = 0, optim = 0, pass_s = 0;
    const auto t_all = Clock::now();
    for (int s = 0; s < steps; ++s) {
      auto t0 = Clock::now();
      batch.Gather(data.train, idx + ((rep * steps + s) % per_epoch) * kBatch, kBatch);
      auto t1 = Clock::now();
      me.pass->ForwardBackward(batch.images(), batch.labels(), kBatch);
      auto t2 = Clock::now();
      me.adam->Step();
      auto t3 = Clock::now();
      gather += std::chrono::duration<double>(t1 - t0).count();
      pass_s += std::chrono::duration<double>(t2 - t1).count();
      optim += std::chrono::duration<double>(t3 - t2).count();
    }
    const double total = Since(t_all);
    me.pass->set_profile(nullptr);
    std::vector<double> row;
    names.clear();
    auto add = [&](const std::string& name, double s) {
      names.push_back(name);
      row.push_back(1e6 * s / steps);
    };
    add("step (all)", total);
    add("gather the batch", gather);
    add("forward+backward (CnnPass, all)", pass_s);
    for (size_t i = 0; i < prof.convs.size(); ++i) {
      const auto& c = prof.convs[i];
      const std::string conv = "conv" + std::to_string(i + 1);
      add(conv + " fwd: im2col", c.im2col);
      add(conv + " fwd: GEMM", c.gemm);
      add(conv + " fwd: bias+relu+pool", c.pool);
      add(conv + " bwd: pool+relu+bias", c.pool_backward);
      add(conv + " bwd: weight GEMM", c.weight_gemm);
      if (i > 0) add(conv + " bwd: input GEMM", c.input_gemm);
      if (i > 0) add(conv + " bwd: col2im", c.col2im);
    }
    add("fc fwd", prof.fc_forward);
    add("softmax cross-entropy", prof.loss);
    add("fc bwd", prof.fc_backward);
    add("Adam (12,810 floats)", optim);
    rows.push_back(row);
  }
  std::printf("| phase | us per step (median of %d x %d steps) | runs |\n|---|---|---|\n", kRepeats, steps);
  for (size_t p = 0; p < names.size(); ++p) {
    std::vector<double> v;
    std::string runs;
    for (const auto& row : rows) {
      v.push_back(row[p]);
      runs += (runs.empty() ? "" : ", ") + std::to_string(static_cast<int>(std::lround(row[p])));
    }
    std::printf("| %s | %.0f | %s |\n", names[p].c_str(), Median(v), runs.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int world = 1, epochs = 1, profile_steps = 0;
  uint64_t seed = 42;
  std::string dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--world") world = std::stoi(value);
    else if (flag == "--epochs") epochs = std::stoi(value);
    else if (flag == "--seed") seed = std::stoull(value);
    else if (flag == "--data") dir = value;
    else if (flag == "--profile") profile_steps = std::stoi(value);
    else {
      std::fprintf(stderr, "cnn_train: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto loaded = dml::data::LoadIdxDataset(FashionMnist(dir));
  if (!loaded.dataset) {
    std::fprintf(stderr, "cnn_train: %s\n", loaded.error->Render().c_str());
    return 1;
  }
  if (profile_steps > 0) {
    Profile(*loaded.dataset, profile_steps, seed);
    return 0;
  }
  return Train(*loaded.dataset, world, epochs, seed);
}
