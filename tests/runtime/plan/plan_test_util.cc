#include "tests/runtime/plan/plan_test_util.h"

namespace dml::plan {

Plan SamplePlan() {
  Plan p;
  p.job = "mnist";
  p.cluster.subnet = "10.8.1.0/24";
  p.cluster.master_addr = "10.8.1.250";
  p.cluster.port = 29511;
  p.cluster.groups = {{"master", 1, 2, ""}, {"workers", 3, 1, "workers"}};
  p.timeouts = {120, 30.5, 3600, 2.5};
  p.max_restarts = 3;
  TrainSpec t;
  t.dataset.name = "fashion_mnist";
  t.dataset.dir = "/usr/share/datasets/fashion-mnist";
  t.dataset.train_images = "train-images-idx3-ubyte.gz";
  t.dataset.train_labels = "train-labels-idx1-ubyte.gz";
  t.dataset.test_images = "t10k-images-idx3-ubyte.gz";
  t.dataset.test_labels = "t10k-labels-idx1-ubyte.gz";
  t.dataset.train_size = 60000;
  t.dataset.test_size = 10000;
  t.dataset.shape = {1, 28, 28};
  t.model.layers = {784, 100, 10};
  t.optimizer.kind = "sgd";
  t.optimizer.lr = 1e-3;
  t.optimizer.momentum = 0.9;
  t.batch_per_rank = 64;
  t.epochs = 10;
  t.seed = 42;
  t.checkpoint = {"/var/lib/dml/ckpt", 2};
  p.train = t;
  return p;
}

std::string Errors(const LoadResult& r) {
  std::string all;
  for (const base::Error& e : r.errors) all += e.Render() + "\n";
  return all;
}

Plan SampleCommandPlan() {
  Plan p = SamplePlan();
  p.kind = JobKind::kCommand;
  p.train.reset();
  p.command = CommandSpec{"https://github.com/example-lab/train.git", "main", "deps", "src/train.py",
                          {"--epochs", "10"}, "python3"};
  return p;
}

}  // namespace dml::plan
