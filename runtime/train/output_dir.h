// What a finished job hands back: rank 0 writes the trained model
// (model.pt, see model/export.h), the metrics lines (metrics.jsonl) and the
// final result (result.json) into the job's output directory, each file
// complete or absent (written to a temporary name, then renamed).
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::train {

inline constexpr char kModelFileName[] = "model.pt";
inline constexpr char kMetricsFileName[] = "metrics.jsonl";
inline constexpr char kResultFileName[] = "result.json";

struct TrainedOutput {
  std::string dir;
  const plan::Model* model = nullptr;
  torch::Tensor flat_params;                          // the trained weights
  const torch::jit::Module* trained_module = nullptr;  // torchscript: the module trained (else loaded again)
  double mean = 0;                                    // the dataset's normalization
  double std = 1;
  std::vector<std::string> metrics_lines;  // JSON, one record each
  nlohmann::json result;                   // the final record
};

// Creates `dir` if needed; an error at the file that could not be written.
std::optional<base::Error> WriteTrainedOutput(const TrainedOutput& output);

}  // namespace dml::train
