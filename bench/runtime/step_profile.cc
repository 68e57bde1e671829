// Where dmlrun's time goes, phase by phase, using the runtime's own pieces
// (IDX loader, BatchBuffer, MlpPass, FlatOptimizer, LocalAllreduce, Gloo):
//   start-up: process start -> main (loading libtorch and its ~290 shared
//             libraries), loading Fashion-MNIST;
//   the step: gather, forward+backward (of which the 5 GEMMs alone), the
//             optimizer, at 1 and 2 threads;
//   gradient sync: 79,510 floats between 2 ranks (threads of this process)
//             through Gloo over loopback and through shared memory.
// Usage: step_profile [STEPS] [DATA_DIR]   (prints a markdown report)
#include <ATen/Parallel.h>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/collective/comm.h"
#include "runtime/collective/local_allreduce.h"
#include "runtime/data/batch.h"
#include "runtime/data/dataset.h"
#include "runtime/data/shard.h"
#include "runtime/model/mlp.h"
#include "runtime/train/flat_optimizer.h"
#include "runtime/train/mlp_kernels.h"
#include "runtime/train/mlp_pass.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kBatch = 64;
constexpr int kSyncRounds = 2000;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Seconds since this process started (kernel start time, 10 ms resolution).
double ProcessAge() {
  std::ifstream stat("/proc/self/stat");
  std::string field;
  for (int i = 0; i < 22 && stat >> field; ++i) {
  }
  double start_ticks = std::stod(field);
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  return uptime - start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

dml::plan::Dataset FashionMnist(const std::string& dir) {
  dml::plan::Dataset d;
  d.format = "idx";
  d.dir = dir;
  d.train_images = "train-images-idx3-ubyte.gz";
  d.train_labels = "train-labels-idx1-ubyte.gz";
  d.test_images = "t10k-images-idx3-ubyte.gz";
  d.test_labels = "t10k-labels-idx1-ubyte.gz";
  return d;
}

void ProfileStep(const dml::data::IdxDataset& data, int threads, int steps) {
  at::set_num_threads(threads);
  dml::plan::Model spec;
  spec.layers = {784, 100, 10};
  auto mlp = std::move(dml::model::Mlp::Create(spec).mlp);
  mlp->Init(42);
  dml::plan::Optimizer adam;
  auto opt = std::move(dml::train::MakeOptimizer(adam, mlp->flat_params(), mlp->flat_grads()).optimizer);
  dml::train::MlpPass pass(*mlp);
  dml::data::BatchBuffer batch(kBatch, data.features);
  torch::Tensor order = dml::data::ShardIndices(data.train.size(), 0, 1, 42, 0);
  const int64_t* idx = order.data_ptr<int64_t>();
  const int64_t per_epoch = data.train.size() / kBatch;

  double gather = 0, pass_s = 0, optim = 0;
  const auto start = Clock::now();
  for (int s = 0; s < steps; ++s) {
    auto t0 = Clock::now();
    batch.Gather(data.train, idx + (s % per_epoch) * kBatch, kBatch);
    auto t1 = Clock::now();
    pass.ForwardBackward(batch.images(), batch.labels(), kBatch);
    auto t2 = Clock::now();
    opt->Step();
    auto t3 = Clock::now();
    gather += std::chrono::duration<double>(t1 - t0).count();
    pass_s += std::chrono::duration<double>(t2 - t1).count();
    optim += std::chrono::duration<double>(t3 - t2).count();
  }
  const double total = Since(start);

  // The five GEMMs of a step alone, same shapes and layout as MlpPass.
  std::vector<float> h(kBatch * 100), z(kBatch * 10), d1(kBatch * 100), g(79510);
  const float* w1 = mlp->flat_params().data_ptr<float>();
  const float* w2 = w1 + 784 * 100 + 100;
  const float* x = batch.images();
  auto g0 = Clock::now();
  for (int s = 0; s < steps; ++s) {
    using dml::train::kernels::Gemm;
    Gemm(false, true, kBatch, 100, 784, 1, x, 784, w1, 784, 0, h.data(), 100);           // fwd1
    Gemm(false, true, kBatch, 10, 100, 1, h.data(), 100, w2, 100, 0, z.data(), 10);      // fwd2
    Gemm(true, false, 10, 100, kBatch, 1, z.data(), 10, h.data(), 100, 0, g.data(), 100);  // dW2
    Gemm(false, false, kBatch, 100, 10, 1, z.data(), 10, w2, 100, 0, d1.data(), 100);    // dH
    Gemm(true, false, 100, 784, kBatch, 1, d1.data(), 100, x, 784, 0, g.data(), 784);    // dW1
  }
  const double gemm = Since(g0) / steps;
  const double us = 1e6 / steps;
  std::printf("| %d | %.0f | %.0f | %.1f | %.1f | %.1f (GEMMs %.1f, rest %.1f) | %.1f |\n", threads, steps / total,
              steps * kBatch / total, total * us, gather * us, pass_s * us, gemm * 1e6, pass_s * us - gemm * 1e6,
              optim * us);
}

// Seconds per allreduce of the gradient buffer between two ranks (threads).
void ProfileSync() {
  const int64_t count = 79510;
  auto store = c10::make_intrusive<c10d::HashStore>();
  double gloo_s = 0, shm_s = 0;
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.emplace_back([&, rank] {
      auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::seconds(60));
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, 2, options);
      dml::collective::Communicator comm(rank, 2, group);
      torch::Tensor grads = torch::ones({count});
      comm.Barrier();
      auto t0 = Clock::now();
      for (int i = 0; i < kSyncRounds; ++i) comm.AllreduceSum(grads);
      double gloo = Since(t0) / kSyncRounds;
      auto local = dml::collective::LocalAllreduce::Create(comm, count, std::chrono::seconds(60));
      comm.Barrier();
      auto t1 = Clock::now();
      for (int i = 0; i < kSyncRounds; ++i) local->SumInPlace(grads.data_ptr<float>());
      double shm = Since(t1) / kSyncRounds;
      if (rank == 0) gloo_s = gloo, shm_s = shm;
    });
  }
  for (auto& t : ranks) t.join();
  std::printf("| Gloo allreduce (loopback TCP) | %.1f |\n| shared-memory allreduce (LocalAllreduce) | %.1f |\n",
              gloo_s * 1e6, shm_s * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const double to_main = ProcessAge();
  const int steps = argc > 1 ? std::atoi(argv[1]) : 3000;
  const std::string dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
  auto t0 = Clock::now();
  auto loaded = dml::data::LoadIdxDataset(FashionMnist(dir));
  const double load_s = Since(t0);
  if (!loaded.dataset) {
    std::fprintf(stderr, "step_profile: %s\n", loaded.error->Render().c_str());
    return 1;
  }
  std::printf("## Start-up of one process\n\n| phase | s |\n|---|---|\n");
  std::printf("| process start -> main (dynamic loading of libtorch & co., static initialisers) | %.2f |\n", to_main);
  std::printf("| loading Fashion-MNIST (4 gzip IDX files, checks, normalisation) | %.3f |\n\n", load_s);
  std::printf("## The step (batch 64, 784-100-10, Adam), %d steps, times in us per step\n\n", steps);
  std::printf("| threads | steps/s | samples/s | step | gather | forward+backward | Adam |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  ProfileStep(*loaded.dataset, 1, steps);
  ProfileStep(*loaded.dataset, 2, steps);
  std::printf("\n## Gradient sync, 2 ranks x 1 thread (threads of one process), 79,510 floats\n\n");
  std::printf("| path | us per allreduce |\n|---|---|\n");
  at::set_num_threads(1);
  ProfileSync();
  return 0;
}
