// The TorchScript model: a module saved by Python, loaded and checked, its
// parameters re-seated in the flat buffers; every unusable file named with
// its reason. The files come from torchscript_fixtures.py (a CTest fixture).
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/model/torchscript_model.h"

namespace dml::model {
namespace {

std::string Fixture(const std::string& name) { return std::string(DML_TS_FIXTURES) + "/" + name; }

plan::Model Spec(const std::string& name) {
  plan::Model m;
  m.kind = "torchscript";
  m.input = {1, 8, 8};
  m.classes = 4;
  m.file = Fixture(name);
  return m;
}

std::unique_ptr<Model> Load(const std::string& name) {
  ModelResult r = TorchScriptModel::Load(Spec(name));
  EXPECT_TRUE(r.model) << base::Render(r.error);
  return std::move(r.model);
}

// The rendered error of loading `spec`, which must fail.
std::string ErrorOf(const plan::Model& spec) {
  ModelResult r = TorchScriptModel::Load(spec);
  EXPECT_FALSE(r.model);
  return base::Render(r.error);
}
std::string ErrorOf(const std::string& name) { return ErrorOf(Spec(name)); }

TEST(ModelTorchScript, ParametersAreViewsOfOneFlatBuffer) {
  auto model = Load("mlp.pt");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->kind(), "torchscript");
  EXPECT_EQ(model->num_parameters(), 64 * 16 + 16 + 16 * 4 + 4);
  EXPECT_EQ(model->input_shape(), (std::vector<int64_t>{1, 8, 8}));
  EXPECT_EQ(model->num_classes(), 4);
  ASSERT_EQ(model->parameters().size(), 4u);
  const float* base = model->flat_params().data_ptr<float>();
  int64_t offset = 0;
  for (const auto& p : model->parameters()) {
    EXPECT_EQ(p.data_ptr<float>(), base + offset);
    EXPECT_TRUE(p.requires_grad());
    offset += p.numel();
  }
  // The module itself reads the flat buffer: zero weights, zero logits.
  model->flat_params().zero_();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model->Forward(torch::randn({3, 1, 8, 8})).abs().sum().item<float>(), 0.0f);
}

TEST(ModelTorchScript, KeepsSavedWeightsAndMatchesTheModule) {
  auto model = Load("cnn.pt");
  ASSERT_TRUE(model);
  torch::Tensor before = model->flat_params().clone();
  model->Init(7);  // a saved model keeps its weights
  EXPECT_TRUE(torch::equal(before, model->flat_params()));

  torch::jit::Module reference = torch::jit::load(Fixture("cnn.pt"));
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({5, 1, 8, 8});
  torch::Tensor y = torch::tensor({0, 1, 2, 3, 1}, torch::kInt64);
  torch::Tensor ours = model->Forward(x);
  torch::Tensor theirs = reference.forward({x}).toTensor();
  EXPECT_TRUE(torch::allclose(ours, theirs, 1e-6, 1e-6));
  // A batch as [N, features] memory is viewed in the input shape.
  EXPECT_TRUE(torch::allclose(model->Forward(x.view({5, 64})), theirs, 1e-6, 1e-6));

  // Autograd's gradients land in the flat gradient buffer, in parameter order.
  torch::nn::functional::cross_entropy(ours, y).backward();
  torch::nn::functional::cross_entropy(theirs, y).backward();
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& p : reference.parameters()) grads.push_back(p.grad().flatten());
  EXPECT_TRUE(torch::allclose(model->flat_grads(), torch::cat(grads), 1e-6, 1e-6));
}

TEST(ModelTorchScript, FailMissingFile) {
  EXPECT_EQ(ErrorOf("nope.pt"), "train.model.file: " + Fixture("nope.pt") + ": no such file");
}

TEST(ModelTorchScript, FailDirectory) {
  plan::Model spec = Spec("x");
  spec.file = DML_TS_FIXTURES;
  EXPECT_EQ(ErrorOf(spec),
            std::string("train.model.file: ") + DML_TS_FIXTURES + ": is a directory, not a saved module");
}

TEST(ModelTorchScript, FailEmptyFile) {
  EXPECT_EQ(ErrorOf("empty.pt"),
            "train.model.file: " + Fixture("empty.pt") + ": is empty, not a TorchScript archive");
}

TEST(ModelTorchScript, FailGarbageBytes) {
  EXPECT_EQ(ErrorOf("garbage.pt"), "train.model.file: " + Fixture("garbage.pt") +
                                       ": not a TorchScript archive: not even a zip file (torch.jit.save writes one)");
}

TEST(ModelTorchScript, FailStateDictInsteadOfModule) {
  std::string error = ErrorOf("state_dict.pt");
  EXPECT_EQ(error.rfind("train.model.file: " + Fixture("state_dict.pt") +
                            ": a zip archive, but not a TorchScript module dmlrun can load (save the scripted module "
                            "with torch.jit.save, not its state dict with torch.save): ",
                        0),
            0u)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;  // one line, no library dump
}

TEST(ModelTorchScript, FailIntParameter) {
  EXPECT_EQ(ErrorOf("int_parameter.pt"),
            "train.model.file: " + Fixture("int_parameter.pt") +
                ": parameter 'steps' is Long, not float32 (dmlrun trains float32 parameters only)");
}

TEST(ModelTorchScript, FailFloat64Parameters) {
  EXPECT_EQ(ErrorOf("float64.pt"),
            "train.model.file: " + Fixture("float64.pt") +
                ": parameter 'fc1.weight' is Double, not float32 (dmlrun trains float32 parameters only)");
}

TEST(ModelTorchScript, FailNoParameters) {
  EXPECT_EQ(ErrorOf("no_parameters.pt"),
            "train.model.file: " + Fixture("no_parameters.pt") + ": the module has no parameters to train");
}

TEST(ModelTorchScript, FailTiedWeights) {
  EXPECT_EQ(ErrorOf("tied.pt"), "train.model.file: " + Fixture("tied.pt") +
                                    ": parameter 'b.weight' shares its memory with another parameter (tied weights "
                                    "are not supported)");
}

TEST(ModelTorchScript, FailNoForward) {
  EXPECT_EQ(ErrorOf("no_forward.pt"),
            "train.model.file: " + Fixture("no_forward.pt") + ": the module has no forward method");
}

TEST(ModelTorchScript, FailWrongOutputShape) {
  EXPECT_EQ(ErrorOf("wrong_shape.pt"),
            "train.model.file: " + Fixture("wrong_shape.pt") +
                ": forward returns [2, 16] for an input of [2, 1, 8, 8]; expected [2, 4] (N x train.model.classes)");
}

TEST(ModelTorchScript, FailClassesDisagree) {
  plan::Model spec = Spec("mlp.pt");
  spec.classes = 10;
  EXPECT_EQ(ErrorOf(spec),
            "train.model.file: " + Fixture("mlp.pt") +
                ": forward returns [2, 4] for an input of [2, 1, 8, 8]; expected [2, 10] (N x train.model.classes)");
}

TEST(ModelTorchScript, FailForwardRejectsTheInput) {
  std::string error = ErrorOf("wrong_input.pt");
  EXPECT_EQ(error.rfind("train.model.file: " + Fixture("wrong_input.pt") +
                            ": forward fails on an input of [2, 1, 8, 8] (train.model.input is [1, 8, 8]): ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("2x64 and 784x4"), std::string::npos) << error;  // the library's one-line reason
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(ModelTorchScript, FailReturnsTuple) {
  EXPECT_EQ(ErrorOf("returns_tuple.pt"), "train.model.file: " + Fixture("returns_tuple.pt") +
                                             ": forward returns Tuple[Tensor, Tensor], not a tensor of logits");
}

}  // namespace
}  // namespace dml::model
