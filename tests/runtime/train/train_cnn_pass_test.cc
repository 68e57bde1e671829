// The hand-written cnn pass (CnnPass, cnn_kernels) against autograd through
// torch::nn::functional (conv2d, activation, max_pool2d, linear,
// cross_entropy) on the same weights: same loss, same logits, and the same
// gradient for every parameter tensor, in the plan's parameter order.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/Parallel.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "runtime/train/cnn_pass.h"

// Outside dml::train, so that the gtest suite can be named CnnPass too.
namespace dml::cnn_pass_test {
namespace {

using train::CnnPassResult;

namespace F = torch::nn::functional;

// Relative to the largest magnitude of each parameter's gradient: sums over
// tens of thousands of products differ from ATen's order in the last bits.
constexpr double kTolerance = 2e-5;

plan::Model Spec(std::vector<int64_t> input, std::vector<int64_t> channels, int64_t kernel, int64_t classes,
                 std::string activation = "relu") {
  plan::Model spec;
  spec.kind = "cnn";
  spec.input = std::move(input);
  spec.channels = std::move(channels);
  spec.kernel = kernel;
  spec.classes = classes;
  spec.activation = std::move(activation);
  return spec;
}

// The parameters' shapes in the plan's order: conv weights and biases, then fc.
std::vector<std::vector<int64_t>> ParameterShapes(const plan::Model& spec) {
  std::vector<std::vector<int64_t>> shapes;
  int64_t c = spec.input[0], h = spec.input[1], w = spec.input[2];
  for (int64_t out : spec.channels) {
    shapes.push_back({out, c, spec.kernel, spec.kernel});
    shapes.push_back({out});
    c = out;
    h = (h - spec.kernel + 1) / 2;
    w = (w - spec.kernel + 1) / 2;
  }
  shapes.push_back({spec.classes, c * h * w});
  shapes.push_back({spec.classes});
  return shapes;
}

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

struct Reference {
  double loss = 0;
  torch::Tensor logits, grads;  // grads: flat, in the plan's order
};

// Autograd on views of one flat leaf, so its gradient comes out flat in the same order.
Reference Autograd(const plan::Model& spec, const torch::Tensor& flat, const torch::Tensor& x, const torch::Tensor& y) {
  torch::Tensor leaf = flat.clone().requires_grad_(true);
  std::vector<torch::Tensor> p;
  int64_t offset = 0;
  for (const auto& shape : ParameterShapes(spec)) {
    p.push_back(leaf.narrow(0, offset, Numel(shape)).view(shape));
    offset += Numel(shape);
  }
  torch::Tensor h = x.view({x.size(0), spec.input[0], spec.input[1], spec.input[2]});
  for (size_t i = 0; i < spec.channels.size(); ++i) {
    h = F::conv2d(h, p[2 * i], F::Conv2dFuncOptions().bias(p[2 * i + 1]));
    if (spec.activation == "relu") h = torch::relu(h);
    if (spec.activation == "tanh") h = torch::tanh(h);
    if (spec.activation == "sigmoid") h = torch::sigmoid(h);
    h = F::max_pool2d(h, F::MaxPool2dFuncOptions(2).stride(2));
  }
  torch::Tensor logits = F::linear(h.flatten(1), p[p.size() - 2], p.back());
  torch::Tensor loss = F::cross_entropy(logits, y);
  loss.backward();
  return {loss.item<double>(), logits.detach(), leaf.grad().clone()};
}

struct Case {
  plan::Model spec;
  torch::Tensor params, grads, x, y;
  std::unique_ptr<train::CnnPass> pass;
};

Case MakeCase(plan::Model spec, int64_t rows, uint64_t seed) {
  Case c;
  c.spec = std::move(spec);
  torch::manual_seed(seed);
  int64_t n = 0;
  for (const auto& shape : ParameterShapes(c.spec)) n += Numel(shape);
  c.params = torch::empty({n}).uniform_(-0.3, 0.3);
  c.grads = torch::full({n}, 123.0f);  // the pass must overwrite, not accumulate
  c.x = torch::randn({rows, c.spec.input[0] * c.spec.input[1] * c.spec.input[2]});
  c.y = torch::randint(c.spec.classes, {rows}, torch::kInt64);
  CnnPassResult made = train::CnnPass::Create(c.spec, c.params.data_ptr<float>(), c.grads.data_ptr<float>());
  EXPECT_FALSE(made.error) << made.error->Render();
  c.pass = std::move(made.pass);
  if (c.pass) EXPECT_EQ(c.pass->num_parameters(), n);
  return c;
}

// Each parameter tensor's gradient, named, within kTolerance of the reference's largest entry.
void ExpectGradsClose(const plan::Model& spec, const torch::Tensor& actual, const torch::Tensor& expected,
                      const std::string& what) {
  int64_t offset = 0;
  const auto shapes = ParameterShapes(spec);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const int64_t n = Numel(shapes[i]);
    torch::Tensor a = actual.narrow(0, offset, n), e = expected.narrow(0, offset, n);
    const double scale = std::max(1e-3, e.abs().max().item<double>());
    const double diff = (a - e).abs().max().item<double>();
    const std::string name = i + 2 >= shapes.size() ? std::string(i % 2 == 0 ? "fc.weight" : "fc.bias")
                                                    : "conv" + std::to_string(i / 2) + (i % 2 == 0 ? ".weight" : ".bias");
    EXPECT_LE(diff, kTolerance * scale) << what << ": " << name << " max abs diff " << diff << " (scale " << scale << ")";
    offset += n;
  }
}

void ExpectMatchesAutograd(plan::Model spec, int64_t rows, uint64_t seed) {
  Case c = MakeCase(std::move(spec), rows, seed);
  ASSERT_TRUE(c.pass);
  Reference ref = Autograd(c.spec, c.params, c.x, c.y);
  const double loss = c.pass->ForwardBackward(c.x.data_ptr<float>(), c.y.data_ptr<int64_t>(), rows);
  EXPECT_NEAR(loss, ref.loss, 1e-5 * std::abs(ref.loss) + 1e-6);
  ExpectGradsClose(c.spec, c.grads, ref.grads, "gradient");
  torch::Tensor logits = torch::from_blob(const_cast<float*>(c.pass->Forward(c.x.data_ptr<float>(), rows)),
                                          {rows, c.spec.classes});
  EXPECT_TRUE(torch::allclose(logits, ref.logits, 1e-4, 1e-5))
      << "logits: max abs diff " << (logits - ref.logits).abs().max().item<float>();
}

// Runs with one intra-op thread unless a test asks for more.
class CnnPass : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

TEST_F(CnnPass, StdlibGeometryMatchesAutograd) {
  ExpectMatchesAutograd(Spec({1, 28, 28}, {16, 32}, 3, 10), 64, 1);
}

TEST_F(CnnPass, TanhAndSigmoidMatchAutograd) {
  for (const char* act : {"tanh", "sigmoid"}) {
    SCOPED_TRACE(act);
    ExpectMatchesAutograd(Spec({1, 28, 28}, {16, 32}, 3, 10, act), 19, 2);
  }
}

TEST_F(CnnPass, KernelFiveWithOddSizesThatPoolingFloors) {
  // 3x17x19 -conv5-> 13x15 -pool-> 6x7 -conv5-> 2x3 -pool-> 1x1.
  ExpectMatchesAutograd(Spec({3, 17, 19}, {4, 5}, 5, 7), 11, 3);
}

TEST_F(CnnPass, ThreeConvLayersOddSizes) {
  // 2x30x27 -> 28x25 -> 14x12 -> 12x10 -> 6x5 -> 4x3 -> 2x1: floors at 25 and 3.
  ExpectMatchesAutograd(Spec({2, 30, 27}, {3, 6, 5}, 3, 4, "tanh"), 13, 4);
}

TEST_F(CnnPass, OneConvLayerAndBatchOfOne) {
  ExpectMatchesAutograd(Spec({1, 9, 9}, {5}, 2, 3), 1, 5);
}

TEST_F(CnnPass, ForwardInChunksMatchesAutograd) {
  ExpectMatchesAutograd(Spec({1, 12, 12}, {4}, 3, 10), 300, 6);  // more rows than one forward chunk
}

TEST_F(CnnPass, MultiplierAndGradsOut) {
  Case c = MakeCase(Spec({1, 28, 28}, {16, 32}, 3, 10), 32, 7);
  ASSERT_TRUE(c.pass);
  Reference ref = Autograd(c.spec, c.params, c.x, c.y);
  torch::Tensor out = torch::full_like(c.grads, -7.0f);
  const float before = c.grads[0].item<float>();
  c.pass->ForwardBackward(c.x.data_ptr<float>(), c.y.data_ptr<int64_t>(), 32, 0.25f, out.data_ptr<float>());
  ExpectGradsClose(c.spec, out, ref.grads * 0.25, "grads_out with multiplier 0.25");
  EXPECT_EQ(c.grads[0].item<float>(), before) << "the model's own gradient buffer must be left alone";
}

TEST_F(CnnPass, LanesEqualOneLane) {
  // 53 rows over 3 threads: three lanes of 17/18 rows, not a multiple of the lanes.
  Case c = MakeCase(Spec({1, 28, 28}, {16, 32}, 3, 10), 53, 8);
  ASSERT_TRUE(c.pass);
  const double one = c.pass->ForwardBackward(c.x.data_ptr<float>(), c.y.data_ptr<int64_t>(), 53);
  ASSERT_EQ(c.pass->last_lanes(), 1);
  torch::Tensor one_lane = c.grads.clone();
  at::set_num_threads(3);
  c.grads.fill_(123.0f);
  const double three = c.pass->ForwardBackward(c.x.data_ptr<float>(), c.y.data_ptr<int64_t>(), 53);
  at::set_num_threads(1);
  EXPECT_EQ(c.pass->last_lanes(), 3);
  EXPECT_NEAR(three, one, 1e-6 * std::abs(one));
  ExpectGradsClose(c.spec, c.grads, one_lane, "three lanes vs one");
  // And both against autograd.
  ExpectGradsClose(c.spec, c.grads, Autograd(c.spec, c.params, c.x, c.y).grads, "three lanes vs autograd");
}

TEST_F(CnnPass, RefusesUnknownActivation) {
  float buffer[1];
  CnnPassResult made = train::CnnPass::Create(Spec({1, 28, 28}, {16, 32}, 3, 10, "gelu"), buffer, buffer);
  ASSERT_TRUE(made.error);
  EXPECT_FALSE(made.pass);
  EXPECT_EQ(made.error->Render(), "train.model.activation: unknown activation 'gelu' (the cnn pass runs relu, tanh, sigmoid)");
}

TEST_F(CnnPass, RefusesImagesThatShrinkBelowOnePixel) {
  float buffer[1];
  // 1x10x10 -conv3-> 8x8 -> 4x4 -conv3-> 2x2 -> 1x1 -conv3-> nothing.
  CnnPassResult made = train::CnnPass::Create(Spec({1, 10, 10}, {2, 2, 2}, 3, 10), buffer, buffer);
  ASSERT_TRUE(made.error);
  EXPECT_EQ(made.error->Render(),
            "train.model.channels[2]: conv layer 2 gets a 1x1 image: too small for a 3x3 kernel and 2x2 pooling");
}

// Layer by layer: the first layer with a bad channel count or too small an image is named.
TEST_F(CnnPass, RefusesTheFirstBadLayer) {
  float buffer[1];
  // 1x8x8 -conv3-> 6x6 -> 3x3 -conv3-> 1x1: layer 1 cannot pool.
  CnnPassResult zero_first = train::CnnPass::Create(Spec({1, 8, 8}, {4, 0, 4}, 3, 10), buffer, buffer);
  ASSERT_TRUE(zero_first.error);
  EXPECT_EQ(zero_first.error->Render(), "train.model.channels[1]: a conv layer needs at least one channel");
  CnnPassResult small_first = train::CnnPass::Create(Spec({1, 8, 8}, {4, 4, 0}, 3, 10), buffer, buffer);
  ASSERT_TRUE(small_first.error);
  EXPECT_EQ(small_first.error->Render(),
            "train.model.channels[1]: conv layer 1 gets a 3x3 image: too small for a 3x3 kernel and 2x2 pooling");
}

TEST_F(CnnPass, RefusesOtherKinds) {
  float buffer[1];
  plan::Model spec = Spec({1, 28, 28}, {16}, 3, 10);
  spec.kind = "mlp";
  CnnPassResult made = train::CnnPass::Create(spec, buffer, buffer);
  ASSERT_TRUE(made.error);
  EXPECT_EQ(made.error->Render(), "train.model.kind: CnnPass runs cnn models, not 'mlp'");
}

}  // namespace
}  // namespace dml::cnn_pass_test
