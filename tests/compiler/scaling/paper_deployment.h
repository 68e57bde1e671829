// A compiled job for the scaling tests, made by hand: the paper's MLP
// (784-100-10, batch 64, Fashion-MNIST's 60,000/10,000 samples, 10 epochs) on
// a master and `workers` workers (a count param) of 2 vCPUs at the prelude's
// 46 G multiply-adds/s per core, over a 10 Gbit/s, 0.1 ms link.
#pragma once

#include "compiler/ir/deployment.h"

namespace dml::scaling::testing {

inline ir::Deployment PaperDeployment(int workers) {
  ir::Deployment d;
  d.name = "paper";
  ir::NodeGroup master;
  master.name = "master";
  master.vcpus = 2;
  master.core_gmacs = 46;
  ir::NodeGroup others = master;
  others.name = "workers";
  others.count = workers;
  others.count_param = "workers";
  others.first_node_rank = 1;
  d.groups = {master, others};
  d.link = ir::Link{10, 0.1e-3};
  plan::TrainSpec train;
  train.model.layers = {784, 100, 10};
  train.dataset.train_size = 60000;
  train.dataset.test_size = 10000;
  train.batch_per_rank = 64;
  train.epochs = 10;
  d.plan.train = train;
  return d;
}

}  // namespace dml::scaling::testing
