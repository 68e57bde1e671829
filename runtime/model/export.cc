#include "runtime/model/export.h"

#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "runtime/plan/cnn_geometry.h"

namespace dml::model {
namespace {

constexpr const char* kModelSpace = "__torch__.dml.";

base::Error Problem(std::string message) { return base::Error("cannot export the trained model: " + message); }

std::optional<std::string> ActivationCall(const std::string& name) {
  if (name == "relu") return "torch.relu";
  if (name == "tanh") return "torch.tanh";
  if (name == "sigmoid") return "torch.sigmoid";
  return std::nullopt;
}

using Shapes = std::vector<std::vector<int64_t>>;

int64_t Count(const Shapes& shapes) {
  int64_t total = 0;
  for (const auto& shape : shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    total += n;
  }
  return total;
}

// The flat buffer cut into `shapes` (its size checked to be their total), as
// new tensors: model.pt must not alias the training buffers.
std::vector<torch::Tensor> Slices(const torch::Tensor& flat, const Shapes& shapes) {
  torch::Tensor values = flat.detach().to(torch::kFloat32).contiguous();
  std::vector<torch::Tensor> out;
  int64_t offset = 0;
  for (const auto& shape : shapes) {
    torch::Tensor t = values.narrow(0, offset, Count({shape})).view(shape).clone();
    offset += t.numel();
    out.push_back(t.requires_grad_(true));  // as nn.Module's parameters are, for fine-tuning in Python
  }
  return out;
}

// A fresh module of class __torch__.dml.<name> (mangled if taken) in `cu`,
// with the `training` flag every module carries (Module::eval sets it).
torch::jit::Module NewModule(const std::shared_ptr<torch::jit::CompilationUnit>& cu, const std::string& name) {
  torch::jit::Module m(c10::QualifiedName(kModelSpace + name), cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), false);
  return m;
}

// A layer with `weight` and `bias` and the given forward body.
torch::jit::Module Layer(const std::shared_ptr<torch::jit::CompilationUnit>& cu, const std::string& name,
                         torch::Tensor weight, torch::Tensor bias, const std::string& body) {
  torch::jit::Module m = NewModule(cu, name);
  m.register_parameter("weight", std::move(weight), /*is_buffer=*/false);
  m.register_parameter("bias", std::move(bias), /*is_buffer=*/false);
  m.define("def forward(self, x):\n    return " + body + "\n");
  return m;
}

// The module model.pt holds: its forward (defined last) reads `mean` and `std`.
torch::jit::Module NewTop(const std::shared_ptr<torch::jit::CompilationUnit>& cu, const std::string& name,
                          const ExportInput& input) {
  torch::jit::Module m = NewModule(cu, name);
  m.register_attribute("mean", c10::FloatType::get(), input.mean);
  m.register_attribute("std", c10::FloatType::get(), input.std);
  return m;
}

constexpr const char* kLinearBody = "torch.addmm(self.bias, x, self.weight.t())";

// The mlp's parameters in the design's order: weight 0, bias 0, weight 1, ...
base::Result<Shapes> MlpShapes(const plan::Model& spec) {
  if (spec.layers.size() < 2) return Problem("an mlp needs at least an input and an output size");
  Shapes shapes;
  for (size_t i = 0; i + 1 < spec.layers.size(); ++i) {
    shapes.push_back({spec.layers[i + 1], spec.layers[i]});
    shapes.push_back({spec.layers[i + 1]});
  }
  return shapes;
}

torch::jit::Module BuildMlp(const ExportInput& input, const std::string& activation,
                            std::vector<torch::Tensor> params) {
  const plan::Model& spec = *input.spec;
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module top = NewTop(cu, "Mlp", input);
  std::ostringstream forward;
  forward << "def forward(self, x):\n"
          << "    x = torch.flatten((x - self.mean) / self.std, 1)\n";
  const size_t layers = spec.layers.size() - 1;
  for (size_t i = 0; i < layers; ++i) {
    const std::string name = fmt::format("fc{}", i);
    top.register_module(name, Layer(cu, "Linear", params[2 * i], params[2 * i + 1], kLinearBody));
    forward << fmt::format("    x = self.{}.forward(x)\n", name);
    if (i + 1 < layers) forward << fmt::format("    x = {}(x)\n", activation);  // none on the logits
  }
  forward << "    return x\n";
  top.define(forward.str());
  return top;
}

// The cnn's parameters in the design's order (conv0.weight, conv0.bias, ...,
// fc.weight, fc.bias), its geometry followed to the fc layer's input.
base::Result<Shapes> CnnShapes(const plan::Model& spec) {
  if (spec.input.size() != 3) return Problem("a cnn's input must be [channels, height, width]");
  if (spec.kernel < 1) return Problem("a cnn's kernel must be at least 1");
  const plan::CnnGeometry geometry = plan::ComputeCnnGeometry(spec);
  if (geometry.too_small) {
    return Problem(fmt::format("conv layer {} shrinks the image below 1x1", geometry.too_small->layer));
  }
  const int64_t k = spec.kernel;
  Shapes shapes;
  for (const plan::CnnLayerGeometry& layer : geometry.layers) {
    shapes.push_back({layer.out.channels, layer.in.channels, k, k});
    shapes.push_back({layer.out.channels});
  }
  shapes.push_back({spec.classes, geometry.fc_in});
  shapes.push_back({spec.classes});
  return shapes;
}

torch::jit::Module BuildCnn(const ExportInput& input, const std::string& activation,
                            std::vector<torch::Tensor> params) {
  const plan::Model& spec = *input.spec;
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module top = NewTop(cu, "Cnn", input);
  std::ostringstream forward;
  forward << "def forward(self, x):\n"
          << "    x = (x - self.mean) / self.std\n";
  for (size_t i = 0; i < spec.channels.size(); ++i) {
    const std::string name = fmt::format("conv{}", i);
    top.register_module(name, Layer(cu, "Conv2d", params[2 * i], params[2 * i + 1],
                                    "torch.conv2d(x, self.weight, self.bias)"));
    forward << fmt::format("    x = torch.max_pool2d({}(self.{}.forward(x)), [{}, {}], [{}, {}])\n", activation,
                           name, plan::kCnnPool, plan::kCnnPool, plan::kCnnPool, plan::kCnnPool);
  }
  const size_t fc = 2 * spec.channels.size();
  top.register_module("fc", Layer(cu, "Linear", params[fc], params[fc + 1], kLinearBody));
  forward << "    return self.fc.forward(torch.flatten(x, 1))\n";
  top.define(forward.str());
  return top;
}

// "a.b.c" set to `value` in `root`'s submodule a.b.
void SetParameter(const torch::jit::Module& root, const std::string& dotted, torch::Tensor value) {
  torch::jit::Module owner = root;
  std::string rest = dotted;
  for (size_t dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    owner = owner.attr(rest.substr(0, dot)).toModule();
    rest = rest.substr(dot + 1);
  }
  owner.setattr(rest, std::move(value));
}

// A copy of the trained module (or of the file) with the buffer's weights,
// as submodule `model` of a wrapper that normalizes.
base::Result<torch::jit::Module> ExportTorchScript(const ExportInput& input) {
  torch::jit::Module copy;
  if (input.trained_module != nullptr) {
    // Through TorchScript's own serialization: Module::deepcopy mishandles
    // parameters that are views of one buffer.
    std::stringstream bytes;
    input.trained_module->save(bytes);
    copy = torch::jit::load(bytes, torch::kCPU);
  } else {
    copy = torch::jit::load(input.spec->file, torch::kCPU);
  }
  std::vector<std::string> names;
  Shapes shapes;
  for (const auto& named : copy.named_parameters(/*recurse=*/true)) {
    names.push_back(named.name);
    shapes.push_back(named.value.sizes().vec());
  }
  if (Count(shapes) != input.flat_params.numel()) {
    return Problem(fmt::format("the module {} has {} parameters, but the trained buffer holds {}", input.spec->file,
                               Count(shapes), input.flat_params.numel()));
  }
  std::vector<torch::Tensor> params = Slices(input.flat_params, shapes);
  for (size_t i = 0; i < names.size(); ++i) SetParameter(copy, names[i], params[i]);
  // In the module's own compilation unit: a fresh one would not know its
  // classes; mangled, should the user's module be a dml export itself.
  torch::jit::Module top = NewTop(copy._ivalue()->compilation_unit(), "TorchScriptExport", input);
  top.register_module("model", copy);
  top.define("def forward(self, x):\n    return self.model.forward((x - self.mean) / self.std)\n");
  return top;
}

// mlp and cnn: the spec's shapes, checked against the buffer, then built.
base::Result<torch::jit::Module> ExportBuiltIn(const ExportInput& input) {
  const plan::Model& spec = *input.spec;
  auto activation = ActivationCall(spec.activation);
  if (!activation) return Problem(fmt::format("unknown activation '{}'", spec.activation));
  base::Result<Shapes> shapes = spec.kind == "mlp" ? MlpShapes(spec) : CnnShapes(spec);
  if (!shapes) return *shapes.error();
  if (Count(*shapes) != input.flat_params.numel()) {
    return Problem(fmt::format("the {} of the plan has {} parameters, but the trained buffer holds {}", spec.kind,
                               Count(*shapes), input.flat_params.numel()));
  }
  std::vector<torch::Tensor> params = Slices(input.flat_params, *shapes);
  return spec.kind == "mlp" ? BuildMlp(input, *activation, std::move(params))
                            : BuildCnn(input, *activation, std::move(params));
}

std::string Reason(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

}  // namespace

base::Result<torch::jit::Module> ExportModel(const ExportInput& input) {
  if (input.spec == nullptr) return Problem("no model spec");
  const std::string& kind = input.spec->kind;
  if (kind != "mlp" && kind != "cnn" && kind != "torchscript") {
    return Problem(fmt::format("unknown model kind '{}'", kind));
  }
  torch::NoGradGuard no_grad;
  try {
    base::Result<torch::jit::Module> built = kind == "torchscript" ? ExportTorchScript(input) : ExportBuiltIn(input);
    if (!built) return built;
    built->eval();
    return built;
  } catch (const std::exception& e) {
    // TorchScript refused the module we built (a bug of ours), or the
    // model's file changed or vanished since it was loaded.
    return Problem(Reason(e));
  }
}

}  // namespace dml::model
