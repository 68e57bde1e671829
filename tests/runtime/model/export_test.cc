// The trained model's export (model.pt): each kind's module, built from the
// spec and the flat buffer, computes what the trained model computes, on
// images in [0, 1], normalizing them itself.
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/model/export.h"
#include "runtime/model/mlp.h"
#include "runtime/model/torchscript_model.h"

namespace dml::model {
namespace {

namespace F = torch::nn::functional;

constexpr double kMean = 0.2860;
constexpr double kStd = 0.3530;

// Through save and load, as Python would get it.
torch::jit::Module RoundTrip(const torch::jit::Module& module) {
  std::stringstream bytes;
  module.save(bytes);
  return torch::jit::load(bytes);
}

torch::jit::Module Export(const plan::Model& spec, const torch::Tensor& flat,
                          const torch::jit::Module* trained = nullptr) {
  ExportInput input;
  input.spec = &spec;
  input.flat_params = flat;
  input.trained_module = trained;
  input.mean = kMean;
  input.std = kStd;
  base::Result<torch::jit::Module> exported = ExportModel(input);
  EXPECT_TRUE(exported.ok()) << base::Render(exported.error());
  return exported.ok() ? RoundTrip(*exported) : torch::jit::Module();
}

std::vector<std::string> ParameterNames(const torch::jit::Module& m) {
  std::vector<std::string> names;
  for (const auto& p : m.named_parameters()) names.push_back(p.name);
  return names;
}

plan::Model CnnSpec() {
  plan::Model spec;
  spec.kind = "cnn";
  spec.input = {1, 28, 28};
  spec.channels = {4, 6};
  spec.kernel = 3;
  spec.classes = 10;
  return spec;
}

TEST(ModelExport, CnnForwardEqualsFunctionalReference) {
  plan::Model spec = CnnSpec();
  // 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5: fc 6*5*5 -> 10.
  const std::vector<std::vector<int64_t>> shapes = {{4, 1, 3, 3}, {4}, {6, 4, 3, 3}, {6}, {10, 150}, {10}};
  int64_t total = 0;
  for (const auto& s : shapes) total += c10::multiply_integers(s);
  torch::manual_seed(3);
  torch::Tensor flat = torch::randn({total}) * 0.3;
  std::vector<torch::Tensor> w;
  int64_t offset = 0;
  for (const auto& s : shapes) {
    w.push_back(flat.narrow(0, offset, c10::multiply_integers(s)).view(s));
    offset += c10::multiply_integers(s);
  }

  torch::jit::Module exported = Export(spec, flat);
  EXPECT_EQ(ParameterNames(exported), (std::vector<std::string>{"conv0.weight", "conv0.bias", "conv1.weight",
                                                                 "conv1.bias", "fc.weight", "fc.bias"}));
  EXPECT_DOUBLE_EQ(exported.attr("mean").toDouble(), kMean);
  EXPECT_DOUBLE_EQ(exported.attr("std").toDouble(), kStd);
  EXPECT_FALSE(exported.is_training());

  torch::Tensor x = torch::randint(0, 256, {7, 1, 28, 28}).to(torch::kFloat32) / 255;
  torch::Tensor h = (x - kMean) / kStd;
  h = F::max_pool2d(torch::relu(F::conv2d(h, w[0], F::Conv2dFuncOptions().bias(w[1]))), F::MaxPool2dFuncOptions(2));
  h = F::max_pool2d(torch::relu(F::conv2d(h, w[2], F::Conv2dFuncOptions().bias(w[3]))), F::MaxPool2dFuncOptions(2));
  torch::Tensor reference = F::linear(h.flatten(1), w[4], w[5]);

  torch::NoGradGuard no_grad;
  torch::Tensor logits = exported.forward({x}).toTensor();
  ASSERT_EQ(logits.sizes(), reference.sizes());
  EXPECT_TRUE(torch::allclose(logits, reference, 1e-5, 1e-5)) << (logits - reference).abs().max();
}

TEST(ModelExport, MlpForwardEqualsTrainedMlpOnNormalizedImages) {
  plan::Model spec;
  spec.layers = {784, 32, 16, 10};
  spec.activation = "tanh";
  MlpResult made = Mlp::Create(spec);
  ASSERT_TRUE(made.mlp);
  made.mlp->Init(5);
  torch::jit::Module exported = Export(spec, made.mlp->flat_params());
  EXPECT_EQ(ParameterNames(exported),
            (std::vector<std::string>{"fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));

  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  torch::Tensor x = torch::rand({6, 1, 28, 28});  // [N, C, H, W] in [0, 1], as ToTensor gives
  torch::Tensor reference = made.mlp->Forward(((x - kMean) / kStd).view({6, 784}));
  EXPECT_TRUE(torch::allclose(exported.forward({x}).toTensor(), reference, 1e-5, 1e-5));
}

TEST(ModelExport, TorchScriptKeepsTheTrainedWeights) {
  plan::Model spec;
  spec.kind = "torchscript";
  spec.input = {1, 8, 8};
  spec.classes = 4;
  spec.file = std::string(DML_TS_FIXTURES) + "/cnn.pt";
  ModelResult loaded = TorchScriptModel::Load(spec);
  ASSERT_TRUE(loaded.model) << base::Render(loaded.error);
  auto& model = dynamic_cast<TorchScriptModel&>(*loaded.model);
  torch::manual_seed(2);
  model.flat_params().copy_(torch::randn({model.num_parameters()}) * 0.5);  // "trained"

  torch::Tensor x = torch::rand({3, 1, 8, 8});
  torch::NoGradGuard no_grad;
  torch::Tensor reference = model.Forward((x - kMean) / kStd);
  // From the trained module, and from the file again: the buffer's weights either way.
  for (const torch::jit::Module* trained : {&model.module(), static_cast<const torch::jit::Module*>(nullptr)}) {
    torch::jit::Module exported = Export(spec, model.flat_params(), trained);
    EXPECT_EQ(ParameterNames(exported),
              (std::vector<std::string>{"model.conv.weight", "model.conv.bias", "model.fc.weight", "model.fc.bias"}));
    EXPECT_TRUE(torch::allclose(exported.forward({x}).toTensor(), reference, 1e-6, 1e-6));
  }
  // The export copied the weights: training on does not change it.
  torch::jit::Module exported = Export(spec, model.flat_params(), &model.module());
  model.flat_params().zero_();
  EXPECT_TRUE(torch::allclose(exported.forward({x}).toTensor(), reference, 1e-6, 1e-6));
}

TEST(ModelExport, FailBufferDoesNotFitTheSpec) {
  plan::Model spec = CnnSpec();
  ExportInput input;
  input.spec = &spec;
  input.flat_params = torch::zeros({100});
  base::Result<torch::jit::Module> exported = ExportModel(input);
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(base::Render(exported.error()),
            "cannot export the trained model: the cnn of the plan has 1772 parameters, but the trained buffer "
            "holds 100");
}

TEST(ModelExport, FailImageShrinksBelowOnePixel) {
  plan::Model spec = CnnSpec();
  spec.input = {1, 8, 8};  // 8 -conv-> 6 -pool-> 3 -conv-> 1: nothing to pool
  ExportInput input;
  input.spec = &spec;
  input.flat_params = torch::zeros({100});
  base::Result<torch::jit::Module> exported = ExportModel(input);
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(base::Render(exported.error()), "cannot export the trained model: conv layer 1 shrinks the image below 1x1");
}

}  // namespace
}  // namespace dml::model
