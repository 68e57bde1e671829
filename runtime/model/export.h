// The trained model handed back (model.pt): a TorchScript module that Python
// loads with torch.jit.load, no dml code needed. Its forward(x) takes float32
// images scaled to [0, 1] (pixel / 255, what torchvision's ToTensor gives)
// shaped [N, C, H, W], applies the dataset's normalization itself (float
// attributes `mean` and `std`) and returns logits [N, classes]; an mlp's
// export flattens the image inside.
//
// Built from the plan's model spec and the flat parameter buffer alone, in
// the design's parameter order, so it does not depend on how a kind computes
// its forward in training:
//   mlp:  submodules fc0, fc1, ... (weight [out, in], bias [out]);
//   cnn:  conv0, conv1, ... (weight [c, in, k, k], bias [c]), then fc;
//   torchscript: the user's module as submodule `model`, its parameters
//         (named_parameters() order) set from the buffer.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <string>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::model {

struct ExportInput {
  const plan::Model* spec = nullptr;
  torch::Tensor flat_params;  // float32, the trained weights
  // torchscript: the module that was trained (its buffers, e.g. batch norm's
  // running statistics, are kept; its parameters come from flat_params).
  // Null: spec->file is loaded again.
  const torch::jit::Module* trained_module = nullptr;
  double mean = 0;  // the dataset's normalization: (x - mean) / std
  double std = 1;
};

// The module model.pt holds, in evaluation mode; an error when the buffer
// does not fit the spec or the module cannot be built.
base::Result<torch::jit::Module> ExportModel(const ExportInput& input);

}  // namespace dml::model
