// The MLP over one flat parameter buffer and one flat gradient buffer.
#include <gtest/gtest.h>

#include "runtime/model/mlp.h"

namespace dml::model {
namespace {

plan::Model Spec(std::vector<int64_t> layers = {784, 100, 10}, std::string activation = "relu") {
  plan::Model m;
  m.layers = std::move(layers);
  m.activation = std::move(activation);
  return m;
}

std::unique_ptr<Mlp> Make(const plan::Model& spec) {
  MlpResult r = Mlp::Create(spec);
  EXPECT_TRUE(r.mlp) << (r.error ? r.error->Render() : "");
  return std::move(r.mlp);
}

TEST(ModelMlp, ParametersAreViewsOfOneFlatBuffer) {
  auto mlp = Make(Spec());
  EXPECT_EQ(mlp->num_parameters(), 784 * 100 + 100 + 100 * 10 + 10);
  ASSERT_EQ(mlp->parameters().size(), 4u);
  const float* base = mlp->flat_params().data_ptr<float>();
  int64_t offset = 0;
  for (const auto& p : mlp->parameters()) {
    EXPECT_EQ(p.data_ptr<float>(), base + offset);  // contiguous, in order, no gaps
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
    offset += p.numel();
  }
  EXPECT_EQ(offset, mlp->num_parameters());
  mlp->flat_params().fill_(0.5);
  EXPECT_EQ(mlp->parameters()[2].sum().item<float>(), 0.5f * 1000);
}

TEST(ModelMlp, SameSeedSameWeights) {
  auto a = Make(Spec()), b = Make(Spec()), c = Make(Spec());
  a->Init(3);
  b->Init(3);
  c->Init(4);
  EXPECT_TRUE(torch::equal(a->flat_params(), b->flat_params()));
  EXPECT_FALSE(torch::equal(a->flat_params(), c->flat_params()));
  // nn.Linear's bound for the first layer: 1/sqrt(784).
  EXPECT_LE(a->parameters()[0].abs().max().item<float>(), 1.0f / 28 + 1e-6f);
}

TEST(ModelMlp, MatchesTorchLinearsAndFillsFlatGradients) {
  auto mlp = Make(Spec({6, 5, 3}));
  mlp->Init(1);
  torch::nn::Sequential ref(torch::nn::Linear(6, 5), torch::nn::ReLU(), torch::nn::Linear(5, 3));
  {
    torch::NoGradGuard no_grad;
    auto params = ref->parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(mlp->parameters()[i]);
  }
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({4, 6});
  torch::Tensor y = torch::tensor({0, 2, 1, 2}, torch::kInt64);

  torch::Tensor logits = mlp->Forward(x);
  EXPECT_TRUE(torch::allclose(logits, ref->forward(x)));

  mlp->ZeroGrad();
  torch::nn::functional::cross_entropy(logits, y).backward();
  torch::nn::functional::cross_entropy(ref->forward(x), y).backward();
  auto ref_params = ref->parameters();
  int64_t offset = 0;
  for (size_t i = 0; i < ref_params.size(); ++i) {
    torch::Tensor flat_part = mlp->flat_grads().narrow(0, offset, ref_params[i].numel());
    EXPECT_TRUE(torch::allclose(flat_part, ref_params[i].grad().flatten())) << "parameter " << i;
    offset += ref_params[i].numel();
  }
  EXPECT_GT(mlp->flat_grads().abs().sum().item<float>(), 0.0f);
  mlp->ZeroGrad();
  EXPECT_EQ(mlp->flat_grads().abs().sum().item<float>(), 0.0f);
  // A second backward still accumulates into the same flat buffer.
  torch::nn::functional::cross_entropy(mlp->Forward(x), y).backward();
  EXPECT_EQ(mlp->parameters()[0].grad().data_ptr<float>(), mlp->flat_grads().data_ptr<float>());
  EXPECT_GT(mlp->flat_grads().abs().sum().item<float>(), 0.0f);
}

TEST(ModelMlp, TanhActivationIsApplied) {
  auto mlp = Make(Spec({2, 3, 2}, "tanh"));
  mlp->flat_params().fill_(10);  // hidden pre-activations of 30: tanh saturates at 1
  torch::Tensor logits = mlp->Forward(torch::ones({1, 2}));
  EXPECT_NEAR(logits[0][0].item<float>(), 10 * 3 * 1.0 + 10, 1e-3);
}

TEST(ModelMlp, UnknownKindNamesTheField) {
  plan::Model spec = Spec();
  spec.kind = "cnn";
  MlpResult r = Mlp::Create(spec);
  ASSERT_FALSE(r.mlp);
  EXPECT_EQ(r.error->Render(), "train.model.kind: unknown model kind 'cnn' (known: mlp)");
}

TEST(ModelMlp, UnknownActivationNamesTheField) {
  MlpResult r = Mlp::Create(Spec({784, 10}, "swish"));
  ASSERT_FALSE(r.mlp);
  EXPECT_EQ(r.error->Where(), "train.model.activation");
}

TEST(ModelMlp, BadLayerSizes) {
  EXPECT_EQ(Mlp::Create(Spec({784})).error->Where(), "train.model.layers");
  MlpResult r = Mlp::Create(Spec({784, 0, 10}));
  ASSERT_FALSE(r.mlp);
  EXPECT_EQ(r.error->Render(), "train.model.layers: size 0 at position 1 must be positive");
}

}  // namespace
}  // namespace dml::model
