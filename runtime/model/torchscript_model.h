// A model the user scripted or traced in Python and saved with
// torch.jit.save: loaded with torch::jit::load, checked once at load (its
// parameters, its forward, the shape of its output), its parameters re-seated
// in the flat buffers, and trained through autograd like any other kind.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "runtime/model/model.h"
#include "runtime/plan/plan.h"

namespace dml::model {

class TorchScriptModel : public Model {
 public:
  // Loads and checks spec.file: every way it can be unusable (missing, not a
  // TorchScript archive, no parameters, a parameter that is not float32, no
  // forward, a forward whose output is not [N, spec.classes] for an input of
  // [N, spec.input...]) is an error at train.model.file naming the file.
  static ModelResult Load(const plan::Model& spec);

  std::string kind() const override { return "torchscript"; }

  // Keeps the weights the module was saved with: every rank loads the same
  // file, so they agree without drawing anything.
  void Init(uint64_t seed) override;

  // The module's forward in training mode; x is [N, input...] (or the same
  // memory as [N, features], which is viewed so).
  torch::Tensor Forward(const torch::Tensor& x) override;

  // The loaded module, its parameters views of flat_params(): what the export
  // wraps into the trained model.pt.
  const torch::jit::Module& module() const { return module_; }

  // Dropout and batch norm behave as in training (the default) or in
  // evaluation.
  void SetTraining(bool on) override { module_.train(on); }

  const std::string& file() const { return file_; }

 private:
  TorchScriptModel(std::vector<int64_t> input_shape, int64_t classes, std::string file, torch::jit::Module module);

  std::string file_;
  torch::jit::Module module_;
};

}  // namespace dml::model
