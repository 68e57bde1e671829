// The cnn of plan::Model: the shared design's geometry, parameter order and
// init, a forward equal to torch's functional conv/pool/linear on the same
// weights, gradients in the flat buffer, and CreateModel's choice by kind.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "runtime/model/cnn.h"
#include "runtime/model/model.h"

namespace dml::model {
namespace {

namespace F = torch::nn::functional;

plan::Model Spec(std::vector<int64_t> input = {1, 28, 28}, std::vector<int64_t> channels = {16, 32},
                 int64_t kernel = 3, int64_t classes = 10, std::string activation = "relu") {
  plan::Model m;
  m.kind = "cnn";
  m.input = std::move(input);
  m.channels = std::move(channels);
  m.kernel = kernel;
  m.classes = classes;
  m.activation = std::move(activation);
  return m;
}

std::unique_ptr<Cnn> Make(const plan::Model& spec) {
  CnnResult r = Cnn::Create(spec);
  EXPECT_TRUE(r.cnn) << (r.error ? r.error->Render() : "");
  return std::move(r.cnn);
}

TEST(ModelCnn, StdlibGeometryAndParameterOrder) {
  auto cnn = Make(Spec());
  // 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5; fc 32*5*5 = 800 -> 10.
  ASSERT_EQ(cnn->geometry().layers.size(), 2u);
  EXPECT_EQ(cnn->geometry().layers[0].out, (plan::CnnImage{16, 13, 13}));
  EXPECT_EQ(cnn->geometry().layers[1].out, (plan::CnnImage{32, 5, 5}));
  EXPECT_EQ(cnn->geometry().fc_in, 800);
  EXPECT_EQ(cnn->num_parameters(), 12810);
  EXPECT_EQ(cnn->kind(), "cnn");
  EXPECT_EQ(cnn->input_shape(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(cnn->input_features(), 784);
  EXPECT_EQ(cnn->num_classes(), 10);
  const std::vector<std::vector<int64_t>> shapes = {{16, 1, 3, 3}, {16}, {32, 16, 3, 3}, {32}, {10, 800}, {10}};
  ASSERT_EQ(cnn->parameters().size(), shapes.size());
  const float* base = cnn->flat_params().data_ptr<float>();
  int64_t offset = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const torch::Tensor& p = cnn->parameters()[i];
    EXPECT_EQ(p.sizes().vec(), shapes[i]) << "parameter " << i;
    EXPECT_EQ(p.data_ptr<float>(), base + offset) << "parameter " << i;
    offset += p.numel();
  }
}

TEST(ModelCnn, InitIsPytorchsDefaultFromTheSeed) {
  auto a = Make(Spec()), b = Make(Spec()), c = Make(Spec());
  EXPECT_EQ(a->flat_params().abs().sum().item<float>(), 0.0f);  // zeroed until Init
  a->Init(3);
  b->Init(3);
  c->Init(4);
  EXPECT_TRUE(torch::equal(a->flat_params(), b->flat_params()));
  EXPECT_FALSE(torch::equal(a->flat_params(), c->flat_params()));
  // Bounds 1/sqrt(fan_in), weight and bias alike: 1*3*3, 16*3*3, 800.
  const std::vector<double> bounds = {1 / 3.0, 1 / 3.0, 1 / 12.0, 1 / 12.0, 1 / std::sqrt(800.0), 1 / std::sqrt(800.0)};
  for (size_t i = 0; i < bounds.size(); ++i) {
    float biggest = a->parameters()[i].abs().max().item<float>();
    EXPECT_LE(biggest, bounds[i] + 1e-6) << "parameter " << i;
    if (a->parameters()[i].numel() >= 100) {  // drawn over the whole range
      EXPECT_GT(biggest, 0.9 * bounds[i]) << "parameter " << i;
    }
  }
  // Drawn in parameter order from one generator seeded with the seed.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
  torch::Tensor first = torch::empty({16, 1, 3, 3}).uniform_(-1 / 3.0, 1 / 3.0, gen);
  EXPECT_TRUE(torch::equal(first, a->parameters()[0]));
}

TEST(ModelCnn, ForwardEqualsFunctionalConvPoolLinear) {
  for (const char* activation : {"relu", "tanh", "sigmoid"}) {
    auto cnn = Make(Spec({3, 12, 11}, {4, 6}, 3, 5, activation));
    cnn->Init(7);
    torch::manual_seed(1);
    torch::Tensor x = torch::randn({4, 3, 12, 11});
    const auto& p = cnn->parameters();
    auto act = [&](const torch::Tensor& t) {
      std::string a = activation;
      return a == "relu" ? torch::relu(t) : a == "tanh" ? torch::tanh(t) : torch::sigmoid(t);
    };
    torch::Tensor h = F::max_pool2d(act(F::conv2d(x, p[0], F::Conv2dFuncOptions().bias(p[1]))),
                                    F::MaxPool2dFuncOptions(2).stride(2));
    h = F::max_pool2d(act(F::conv2d(h, p[2], F::Conv2dFuncOptions().bias(p[3]))), F::MaxPool2dFuncOptions(2).stride(2));
    // 12x11 -> 10x9 -> 5x4 -> 3x2 -> 1x1: the floor of an odd size drops a row.
    EXPECT_EQ(h.sizes().vec(), (std::vector<int64_t>{4, 6, 1, 1}));
    torch::Tensor expected = F::linear(h.flatten(1), p[4], p[5]);
    torch::NoGradGuard no_grad;
    torch::Tensor logits = cnn->Forward(x);
    EXPECT_EQ(logits.sizes().vec(), (std::vector<int64_t>{4, 5}));
    EXPECT_TRUE(torch::allclose(logits, expected, 1e-5, 1e-6)) << activation;
    // A batch of flat rows is read as the same images.
    EXPECT_TRUE(torch::equal(cnn->Forward(x.reshape({4, 3 * 12 * 11})), logits)) << activation;
  }
}

TEST(ModelCnn, BackwardFillsTheFlatGradients) {
  auto cnn = Make(Spec({1, 10, 10}, {3}, 3, 4));
  cnn->Init(2);
  torch::manual_seed(5);
  torch::Tensor x = torch::randn({6, 1, 10, 10});
  torch::Tensor y = torch::randint(4, {6}, torch::kInt64);
  std::vector<torch::Tensor> copies;
  for (const auto& p : cnn->parameters()) copies.push_back(p.detach().clone().requires_grad_(true));
  torch::Tensor h = F::max_pool2d(torch::relu(F::conv2d(x, copies[0], F::Conv2dFuncOptions().bias(copies[1]))),
                                  F::MaxPool2dFuncOptions(2).stride(2));
  F::cross_entropy(F::linear(h.flatten(1), copies[2], copies[3]), y).backward();
  std::vector<torch::Tensor> flat;
  for (const auto& c : copies) flat.push_back(c.grad().flatten());

  cnn->ZeroGrad();
  F::cross_entropy(cnn->Forward(x), y).backward();
  EXPECT_TRUE(torch::allclose(cnn->flat_grads(), torch::cat(flat), 1e-5, 1e-7));
  EXPECT_GT(cnn->flat_grads().abs().sum().item<float>(), 0.0f);
}

TEST(ModelCnn, ImageTooSmallNamesTheInput) {
  CnnResult r = Cnn::Create(Spec({1, 8, 8}, {4, 4}, 3));  // 8 -conv-> 6 -pool-> 3 -conv-> 1: nothing to pool
  ASSERT_FALSE(r.cnn);
  EXPECT_EQ(r.error->Render(),
            "train.model.input: an image of [1, 8, 8] is too small for these layers: conv layer 1 (kernel 3) gets "
            "3x3 pixels and leaves 1x1, but its 2x2 pooling needs at least 2x2");
  EXPECT_EQ(Cnn::Create(Spec({1, 8, 8}, {4}, 9)).error->Where(), "train.model.input");  // kernel wider than the image
}

TEST(ModelCnn, BadFieldsAreNamed) {
  struct Case {
    plan::Model spec;
    std::string where;
  };
  std::vector<Case> cases = {
      {Spec({28, 28}), "train.model.input"},
      {Spec({1, 0, 28}), "train.model.input[1]"},
      {Spec({1, 28, 28}, {}), "train.model.channels"},
      {Spec({1, 28, 28}, {8, -1}), "train.model.channels[1]"},
      {Spec({1, 28, 28}, {8}, 0), "train.model.kernel"},
      {Spec({1, 28, 28}, {8}, 3, 1), "train.model.classes"},
      {Spec({1, 28, 28}, {8}, 3, 10, "gelu"), "train.model.activation"},
  };
  for (const Case& c : cases) {
    CnnResult r = Cnn::Create(c.spec);
    ASSERT_FALSE(r.cnn) << c.where;
    EXPECT_EQ(r.error->Where(), c.where) << r.error->Render();
  }
}

TEST(ModelFactory, CreatesEachKindOrNamesTheField) {
  ModelResult cnn = CreateModel(Spec());
  ASSERT_TRUE(cnn.model) << cnn.error->Render();
  EXPECT_EQ(cnn.model->kind(), "cnn");
  plan::Model mlp_spec;
  mlp_spec.layers = {784, 100, 10};
  ModelResult mlp = CreateModel(mlp_spec);
  ASSERT_TRUE(mlp.model) << mlp.error->Render();
  EXPECT_EQ(mlp.model->kind(), "mlp");
  EXPECT_EQ(mlp.model->num_parameters(), 79510);
  EXPECT_EQ(mlp.model->input_shape(), (std::vector<int64_t>{784}));

  plan::Model unknown = Spec();
  unknown.kind = "transformer";
  ModelResult bad = CreateModel(unknown);
  ASSERT_FALSE(bad.model);
  EXPECT_EQ(bad.error->Render(), "train.model.kind: unknown model kind 'transformer' (known: mlp, cnn, torchscript)");
  mlp_spec.layers = {784};
  EXPECT_EQ(CreateModel(mlp_spec).error->Where(), "train.model.layers");
}

}  // namespace
}  // namespace dml::model
