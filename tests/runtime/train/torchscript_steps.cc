// Test-only: trains a saved TorchScript module on fixed batches through the
// runtime's pieces (model::TorchScriptModel's flat buffers, autograd, the
// flat Adam of train::MakeOptimizer) and prints each step's loss, so that
// torchscript_steps_test.py can compare them with PyTorch's on the same
// batches.
//
// usage: dml_torchscript_steps MODEL C H W CLASSES BATCHES ROWS STEPS LR
//   BATCHES: per step, ROWS x C x H x W float32 images, then ROWS int64
//   labels (native byte order).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "runtime/model/torchscript_model.h"
#include "runtime/train/flat_optimizer.h"

int main(int argc, char** argv) {
  if (argc != 10) {
    std::cerr << "usage: dml_torchscript_steps MODEL C H W CLASSES BATCHES ROWS STEPS LR\n";
    return 2;
  }
  dml::plan::Model spec;
  spec.kind = "torchscript";
  spec.file = argv[1];
  spec.input = {std::atoll(argv[2]), std::atoll(argv[3]), std::atoll(argv[4])};
  spec.classes = std::atoll(argv[5]);
  const int64_t rows = std::atoll(argv[7]);
  const int64_t steps = std::atoll(argv[8]);
  dml::plan::Optimizer adam;
  adam.kind = "adam";
  adam.lr = std::atof(argv[9]);

  dml::model::ModelResult loaded = dml::model::TorchScriptModel::Load(spec);
  if (!loaded.model) {
    std::cerr << dml::base::Render(loaded.error) << "\n";
    return 1;
  }
  dml::model::Model& model = *loaded.model;
  model.Init(0);
  auto made = dml::train::MakeOptimizer(adam, model.flat_params(), model.flat_grads());
  if (!made.optimizer) {
    std::cerr << dml::base::Render(made.error) << "\n";
    return 1;
  }
  std::ifstream batches(argv[6], std::ios::binary);
  const int64_t features = model.input_features();
  torch::Tensor x = torch::empty({rows, features}, torch::kFloat32);
  torch::Tensor y = torch::empty({rows}, torch::kInt64);
  for (int64_t s = 0; s < steps; ++s) {
    batches.read(reinterpret_cast<char*>(x.data_ptr<float>()), x.numel() * sizeof(float));
    batches.read(reinterpret_cast<char*>(y.data_ptr<int64_t>()), y.numel() * sizeof(int64_t));
    if (!batches) {
      std::cerr << "batches file too short\n";
      return 1;
    }
    model.ZeroGrad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(model.Forward(x), y);
    loss.backward();
    made.optimizer->Step();
    std::printf("%.9g\n", loss.item<double>());
  }
  return 0;
}
