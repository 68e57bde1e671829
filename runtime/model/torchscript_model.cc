#include "runtime/model/torchscript_model.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dml::model {
namespace {

constexpr const char* kFileField = "train.model.file";
// The dry forward at load runs this many samples: more than one, so that a
// forward that squeezes or mixes up the batch dimension shows.
constexpr int64_t kDryRunRows = 2;
// A library's reason, shortened to one line of at most this many characters.
constexpr size_t kMaxReasonChars = 300;
constexpr char kZipMagic[] = {'P', 'K', '\x03', '\x04'};

base::Error FileError(const std::string& file, const std::string& reason) {
  return base::Error::InField(kFileField, fmt::format("{}: {}", file, reason));
}

ModelResult Fail(base::Error error) { return ModelResult{nullptr, std::move(error)}; }

// The last non-empty line of a library's message (TorchScript's interpreter
// puts its traceback first and the error last), without the exception's
// type, cut to one readable line.
std::string ShortReason(const std::string& what) {
  std::istringstream lines(what);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    last = line.substr(begin);
  }
  for (const char* prefix : {"RuntimeError: ", "Error: "}) {
    if (last.rfind(prefix, 0) == 0) last = last.substr(std::string(prefix).size());
  }
  if (last.size() > kMaxReasonChars) last = last.substr(0, kMaxReasonChars) + "...";
  return last.empty() ? "no reason given" : last;
}

std::string ExceptionReason(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    return ShortReason(c10_error->what_without_backtrace());
  }
  return ShortReason(e.what());
}

std::string Shape(at::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

// Why the file cannot be opened as a file, if it cannot.
std::optional<std::string> FileProblem(const std::string& file, bool* is_zip) {
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) return "no such file";
  if (std::filesystem::is_directory(status)) return "is a directory, not a saved module";
  if (!std::filesystem::is_regular_file(status)) return "is not a regular file";
  std::ifstream in(file, std::ios::binary);
  if (!in) return "cannot be read (permissions?)";
  char head[sizeof(kZipMagic)] = {};
  in.read(head, sizeof(head));
  if (in.gcount() == 0) return "is empty, not a TorchScript archive";
  *is_zip = in.gcount() == sizeof(head) && std::equal(head, head + sizeof(head), kZipMagic);
  return std::nullopt;
}

std::optional<std::string> LoadProblem(const std::string& file, torch::jit::Module* module) {
  bool is_zip = false;
  if (auto problem = FileProblem(file, &is_zip)) return problem;
  if (!is_zip) return "not a TorchScript archive: not even a zip file (torch.jit.save writes one)";
  try {
    *module = torch::jit::load(file, torch::kCPU);
  } catch (const std::exception& e) {
    return fmt::format(
        "a zip archive, but not a TorchScript module dmlrun can load (save the scripted module with "
        "torch.jit.save, not its state dict with torch.save): {}",
        ExceptionReason(e));
  }
  return std::nullopt;
}

// Every parameter float32, none sharing memory with another (tied weights
// would be untied by re-seating them in the flat buffer), at least one.
std::optional<std::string> ParameterProblem(const torch::jit::Module& module) {
  std::set<const void*> storages;
  size_t count = 0;
  for (const auto& named : module.named_parameters(/*recurse=*/true)) {
    const torch::Tensor& p = named.value;
    ++count;
    if (p.scalar_type() != torch::kFloat32) {
      return fmt::format("parameter '{}' is {}, not float32 (dmlrun trains float32 parameters only)", named.name,
                         c10::toString(p.scalar_type()));
    }
    if (p.device() != torch::kCPU) return fmt::format("parameter '{}' is not on the CPU", named.name);
    if (!storages.insert(p.storage().unsafeGetStorageImpl()).second) {
      return fmt::format("parameter '{}' shares its memory with another parameter (tied weights are not supported)",
                         named.name);
    }
  }
  if (count == 0) return "the module has no parameters to train";
  return std::nullopt;
}

// One forward in evaluation mode (dropout off, batch norm's running
// statistics left alone) on zeros of [N, input...].
std::optional<std::string> DryRunProblem(torch::jit::Module& module, const std::vector<int64_t>& input,
                                         int64_t classes) {
  if (!module.find_method("forward")) return "the module has no forward method";
  std::vector<int64_t> shape = {kDryRunRows};
  shape.insert(shape.end(), input.begin(), input.end());
  torch::IValue out;
  {
    torch::NoGradGuard no_grad;
    module.eval();
    try {
      out = module.forward({torch::zeros(shape, torch::kFloat32)});
    } catch (const std::exception& e) {
      module.train();
      return fmt::format("forward fails on an input of {} (train.model.input is {}): {}", Shape(shape),
                         Shape(input), ExceptionReason(e));
    }
    module.train();
  }
  if (!out.isTensor()) {
    return fmt::format("forward returns {}, not a tensor of logits", out.type()->annotation_str());
  }
  const torch::Tensor& logits = out.toTensor();
  if (logits.dim() != 2 || logits.size(0) != kDryRunRows || logits.size(1) != classes) {
    return fmt::format("forward returns {} for an input of {}; expected [{}, {}] (N x train.model.classes)",
                       Shape(logits.sizes()), Shape(shape), kDryRunRows, classes);
  }
  if (logits.scalar_type() != torch::kFloat32) {
    return fmt::format("forward returns {} logits, not float32", c10::toString(logits.scalar_type()));
  }
  return std::nullopt;
}

}  // namespace

ModelResult TorchScriptModel::Load(const plan::Model& spec) {
  if (spec.input.empty()) return Fail(base::Error::InField("train.model.input", "must give one sample's shape"));
  for (int64_t d : spec.input) {
    if (d < 1) {
      return Fail(base::Error::InField("train.model.input", fmt::format("{} is not a size", Shape(spec.input))));
    }
  }
  if (spec.classes < 1) {
    return Fail(base::Error::InField("train.model.classes", fmt::format("must be >= 1, not {}", spec.classes)));
  }
  if (spec.file.empty()) return Fail(base::Error::InField(kFileField, "must name the saved module"));
  torch::jit::Module module;
  if (auto problem = LoadProblem(spec.file, &module)) return Fail(FileError(spec.file, *problem));
  if (auto problem = ParameterProblem(module)) return Fail(FileError(spec.file, *problem));
  if (auto problem = DryRunProblem(module, spec.input, spec.classes)) return Fail(FileError(spec.file, *problem));
  return ModelResult{
      std::unique_ptr<Model>(new TorchScriptModel(spec.input, spec.classes, spec.file, std::move(module))),
      std::nullopt};
}

TorchScriptModel::TorchScriptModel(std::vector<int64_t> input_shape, int64_t classes, std::string file,
                                   torch::jit::Module module)
    : Model(std::move(input_shape), classes), file_(std::move(file)), module_(std::move(module)) {
  std::vector<torch::Tensor> params;
  for (const torch::Tensor& p : module_.parameters(/*recurse=*/true)) params.push_back(p);
  SeatParameters(std::move(params));
  module_.train();
}

void TorchScriptModel::Init(uint64_t /*seed*/) {}

torch::Tensor TorchScriptModel::Forward(const torch::Tensor& x) {
  torch::Tensor input = x;
  if (x.dim() != static_cast<int64_t>(input_shape().size()) + 1) {
    std::vector<int64_t> shape = {x.size(0)};
    shape.insert(shape.end(), input_shape().begin(), input_shape().end());
    input = x.view(shape);
  }
  return module_.forward({input}).toTensor();
}

}  // namespace dml::model
