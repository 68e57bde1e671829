// Model::SeatParameters: a model's parameters, wherever they were created
// (here a torch::nn::Linear's), become views of the one flat buffer, the
// module holding them computes with the flat storage, and autograd
// accumulates their gradients into the flat gradient buffer.
#include <gtest/gtest.h>

#include "runtime/model/model.h"

namespace dml::model {
namespace {

// The smallest Model: one torch::nn::Linear whose parameters are re-seated.
class SeatedLinear : public Model {
 public:
  SeatedLinear(int64_t in, int64_t out) : Model({in}, out), linear_(in, out) {
    before_ = {linear_->weight.clone(), linear_->bias.clone()};
    SeatParameters({linear_->weight, linear_->bias});
  }
  std::string kind() const override { return "test"; }
  void Init(uint64_t) override {}
  torch::Tensor Forward(const torch::Tensor& x) override { return linear_->forward(x); }

  torch::nn::Linear& linear() { return linear_; }
  const std::vector<torch::Tensor>& before() const { return before_; }

 private:
  torch::nn::Linear linear_;
  std::vector<torch::Tensor> before_;  // the module's own initial values
};

TEST(ModelSeat, ParametersBecomeViewsOfTheFlatBufferKeepingTheirValues) {
  torch::manual_seed(2);
  SeatedLinear m(5, 3);
  EXPECT_EQ(m.num_parameters(), 5 * 3 + 3);
  EXPECT_EQ(m.flat_params().numel(), m.flat_grads().numel());
  ASSERT_EQ(m.parameters().size(), 2u);
  const float* base = m.flat_params().data_ptr<float>();
  const float* grad_base = m.flat_grads().data_ptr<float>();
  int64_t offset = 0;
  for (size_t i = 0; i < m.parameters().size(); ++i) {
    const torch::Tensor& p = m.parameters()[i];
    EXPECT_EQ(p.data_ptr<float>(), base + offset) << i;  // in order, no gaps
    EXPECT_EQ(p.grad().data_ptr<float>(), grad_base + offset) << i;
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
    EXPECT_TRUE(torch::equal(p, m.before()[i])) << "parameter " << i << " lost its value";
    offset += p.numel();
  }
  EXPECT_EQ(offset, m.num_parameters());
  // The module's own slots are the re-seated tensors.
  EXPECT_EQ(m.linear()->weight.data_ptr<float>(), base);
  EXPECT_EQ(m.linear()->named_parameters()["bias"].data_ptr<float>(), base + 15);
  EXPECT_EQ(m.input_features(), 5);
  EXPECT_EQ(m.num_classes(), 3);
}

TEST(ModelSeat, TheModuleComputesWithTheFlatStorage) {
  SeatedLinear m(4, 2);
  m.flat_params().zero_();
  m.flat_params().narrow(0, 8, 2).fill_(1.5);  // the biases
  torch::NoGradGuard no_grad;
  torch::Tensor out = m.Forward(torch::randn({3, 4}));
  EXPECT_TRUE(torch::equal(out, torch::full({3, 2}, 1.5f)));
  m.flat_params().narrow(0, 0, 8).fill_(1);  // every weight 1: each output is the row sum + 1.5
  torch::Tensor x = torch::ones({1, 4});
  EXPECT_TRUE(torch::allclose(m.Forward(x), torch::full({1, 2}, 5.5f)));
}

TEST(ModelSeat, BackwardAccumulatesIntoTheFlatGradients) {
  torch::manual_seed(3);
  SeatedLinear m(6, 4);
  torch::Tensor x = torch::randn({5, 6});
  torch::Tensor y = torch::randint(4, {5}, torch::kInt64);

  // The same computation on an independent copy of the weights.
  torch::Tensor w = m.parameters()[0].detach().clone().requires_grad_(true);
  torch::Tensor b = m.parameters()[1].detach().clone().requires_grad_(true);
  torch::nn::functional::cross_entropy(torch::addmm(b, x, w.t()), y).backward();
  torch::Tensor expected = torch::cat({w.grad().flatten(), b.grad()});

  m.ZeroGrad();
  torch::nn::functional::cross_entropy(m.Forward(x), y).backward();
  EXPECT_TRUE(torch::allclose(m.flat_grads(), expected)) << m.flat_grads() << expected;
  EXPECT_EQ(m.parameters()[0].grad().data_ptr<float>(), m.flat_grads().data_ptr<float>());
  // A second backward accumulates in place: twice the gradient, same buffer.
  torch::nn::functional::cross_entropy(m.Forward(x), y).backward();
  EXPECT_TRUE(torch::allclose(m.flat_grads(), 2 * expected));
  EXPECT_EQ(m.linear()->weight.grad().data_ptr<float>(), m.flat_grads().data_ptr<float>());
  m.ZeroGrad();
  EXPECT_EQ(m.parameters()[1].grad().abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace dml::model
