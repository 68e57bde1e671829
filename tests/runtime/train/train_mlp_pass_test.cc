// The hand-written forward/backward (MlpPass, mlp_kernels) against autograd
// on random data: same logits, same loss, same gradients in the flat buffer.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <cmath>
#include <string>

#include "runtime/data/batch.h"
#include "runtime/data/dataset.h"
#include "runtime/train/mlp_kernels.h"
#include "runtime/train/mlp_pass.h"
#include "tests/runtime/data/idx_fixture.h"

namespace dml::train {
namespace {

constexpr float kRtol = 1e-4f;
constexpr float kAtol = 1e-6f;

std::unique_ptr<model::Mlp> MakeModel(std::vector<int64_t> layers, const std::string& activation, uint64_t seed) {
  plan::Model spec;
  spec.layers = std::move(layers);
  spec.activation = activation;
  auto mlp = std::move(model::Mlp::Create(spec).mlp);
  mlp->Init(seed);
  return mlp;
}

// Autograd's gradient of mean cross-entropy, as a flat copy.
torch::Tensor AutogradGrads(model::Mlp& mlp, const torch::Tensor& x, const torch::Tensor& y, double* loss) {
  mlp.ZeroGrad();
  torch::Tensor l = torch::nn::functional::cross_entropy(mlp.Forward(x), y);
  l.backward();
  *loss = l.item<double>();
  return mlp.flat_grads().clone();
}

void ExpectClose(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what) {
  EXPECT_TRUE(torch::allclose(actual, expected, kRtol, kAtol))
      << what << ": max abs diff " << (actual - expected).abs().max().item<float>();
}

class TrainMlpPassMatchesAutograd : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainMlpPassMatchesAutograd, LogitsLossAndGradients) {
  auto mlp = MakeModel({13, 11, 7, 5}, GetParam(), 3);  // two hidden layers: the activation backward runs twice
  torch::manual_seed(1);
  torch::Tensor x = torch::randn({9, 13});
  torch::Tensor y = torch::randint(5, {9}, torch::kInt64);

  double expected_loss = 0;
  torch::Tensor expected = AutogradGrads(*mlp, x, y, &expected_loss);
  torch::Tensor expected_logits = mlp->Forward(x).detach();

  MlpPass pass(*mlp);
  mlp->flat_grads().fill_(123.0f);  // the pass must overwrite, not accumulate
  double loss = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 9);
  EXPECT_NEAR(loss, expected_loss, 1e-5 * std::abs(expected_loss) + 1e-6);
  ExpectClose(mlp->flat_grads(), expected, "gradients");
  EXPECT_GT(mlp->flat_grads().abs().sum().item<float>(), 0.0f);

  const float* logits = pass.Forward(x.data_ptr<float>(), 9);
  ExpectClose(torch::from_blob(const_cast<float*>(logits), {9, 5}).clone(), expected_logits, "logits");
}

INSTANTIATE_TEST_SUITE_P(Activations, TrainMlpPassMatchesAutograd, ::testing::Values("relu", "tanh", "sigmoid"));

// Restores torch's intra-op thread count when a test changed it.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : saved_(at::get_num_threads()) { at::set_num_threads(threads); }
  ~ThreadCount() { at::set_num_threads(saved_); }

 private:
  int saved_;
};

// Batches of at least 128 rows per thread are split, one lane per thread;
// the result is the gradient of one pass (and of autograd), for even and
// uneven splits.
TEST(TrainMlpPass, LargeBatchSplitAcrossThreadsGivesTheSameGradients) {
  auto mlp = MakeModel({784, 100, 10}, "relu", 7);
  torch::manual_seed(2);
  torch::Tensor x = torch::randn({384, 784});
  torch::Tensor y = torch::randint(10, {384}, torch::kInt64);
  for (int64_t rows : {384, 301}) {
    torch::Tensor xr = x.narrow(0, 0, rows).contiguous(), yr = y.narrow(0, 0, rows).contiguous();
    double expected_loss = 0;
    torch::Tensor expected = AutogradGrads(*mlp, xr, yr, &expected_loss);
    for (int threads : {1, 2, 3}) {
      ThreadCount count(threads);
      MlpPass pass(*mlp);
      double loss = pass.ForwardBackward(xr.data_ptr<float>(), yr.data_ptr<int64_t>(), rows);
      EXPECT_EQ(pass.last_lanes(), std::min<int64_t>(threads, rows / 128)) << rows << " rows";
      EXPECT_NEAR(loss, expected_loss, 1e-5) << threads << " threads, " << rows << " rows";
      ExpectClose(mlp->flat_grads(), expected, std::to_string(threads) + " threads, " + std::to_string(rows) + " rows");
    }
  }
}

TEST(TrainMlpPass, PaperBatchIsNotSplit) {
  ThreadCount count(2);
  auto mlp = MakeModel({784, 100, 10}, "relu", 7);
  torch::manual_seed(2);
  torch::Tensor x = torch::randn({64, 784});
  torch::Tensor y = torch::randint(10, {64}, torch::kInt64);
  double expected_loss = 0;
  torch::Tensor expected = AutogradGrads(*mlp, x, y, &expected_loss);
  MlpPass pass(*mlp);
  double loss = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 64);
  EXPECT_EQ(pass.last_lanes(), 1);  // the BLAS threads each GEMM instead
  EXPECT_NEAR(loss, expected_loss, 1e-5);
  ExpectClose(mlp->flat_grads(), expected, "gradients");
}

TEST(TrainMlpPass, SmallerBatchAfterLargerReusesBuffersCorrectly) {
  auto mlp = MakeModel({6, 8, 3}, "relu", 4);
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({10, 6});
  torch::Tensor y = torch::randint(3, {10}, torch::kInt64);
  MlpPass pass(*mlp);
  pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 10);

  torch::Tensor x3 = x.narrow(0, 0, 3).contiguous(), y3 = y.narrow(0, 0, 3).contiguous();
  double expected_loss = 0;
  torch::Tensor expected = AutogradGrads(*mlp, x3, y3, &expected_loss);
  double loss = pass.ForwardBackward(x3.data_ptr<float>(), y3.data_ptr<int64_t>(), 3);
  EXPECT_NEAR(loss, expected_loss, 1e-5);
  ExpectClose(mlp->flat_grads(), expected, "gradients of the short batch");
}

TEST(TrainMlpPass, GradientMultiplierScalesGradientsNotLoss) {
  auto mlp = MakeModel({5, 4, 3}, "tanh", 5);
  torch::manual_seed(4);
  torch::Tensor x = torch::randn({4, 5});
  torch::Tensor y = torch::randint(3, {4}, torch::kInt64);
  MlpPass pass(*mlp);
  double full = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 4);
  torch::Tensor g = mlp->flat_grads().clone();
  double half = pass.ForwardBackward(x.data_ptr<float>(), y.data_ptr<int64_t>(), 4, 0.5f);
  EXPECT_DOUBLE_EQ(full, half);
  ExpectClose(mlp->flat_grads(), g * 0.5, "halved gradients");
}

// Row-major products with every transpose combination, strided leading
// dimensions and beta, through the system BLAS and through ATen.
TEST(TrainMlpKernels, GemmMatchesTorchMatmul) {
  torch::manual_seed(8);
  const int64_t m = 5, n = 7, k = 3;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      torch::Tensor a = ta ? torch::randn({k, m + 2}) : torch::randn({m, k + 2});  // extra columns: lda > width
      torch::Tensor b = tb ? torch::randn({n, k}) : torch::randn({k, n});
      torch::Tensor a_used = ta ? a.narrow(1, 0, m).t() : a.narrow(1, 0, k);
      torch::Tensor b_used = tb ? b.t() : b;
      torch::Tensor c0 = torch::randn({m, n});
      torch::Tensor expected = 0.5 * c0 + 2.0 * torch::mm(a_used, b_used);
      for (bool aten : {false, true}) {
        torch::Tensor c = c0.clone();
        auto gemm = aten ? kernels::AtenGemm : kernels::Gemm;
        gemm(ta, tb, m, n, k, 2.0f, a.data_ptr<float>(), a.size(1), b.data_ptr<float>(), b.size(1), 0.5f,
             c.data_ptr<float>(), n);
        EXPECT_TRUE(torch::allclose(c, expected, 1e-5, 1e-5)) << "ta " << ta << " tb " << tb << " aten " << aten;
      }
    }
  }
  EXPECT_TRUE(kernels::UsesSystemBlas());  // Debian's libtorch calls libblas.so.3
}

TEST(TrainMlpKernels, SoftmaxCrossEntropyIsStableForHugeLogits) {
  const float logits[] = {1000.0f, 0.0f, -1000.0f, 5.0f, 5.0f, 5.0f};
  const int64_t labels[] = {1, 2};
  float grad[6];
  double loss = kernels::SoftmaxCrossEntropy(logits, labels, 2, 3, 1.0f, grad);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, 1000.0 + std::log(3.0), 1e-3);  // row 0: 1000 nats; row 1: uniform over 3
  EXPECT_NEAR(grad[0], 1.0f, 1e-6);
  EXPECT_NEAR(grad[1], -1.0f, 1e-6);
  EXPECT_NEAR(grad[5], 1.0f / 3 - 1, 1e-6);
}

TEST(TrainMlpKernels, CountCorrectTakesTheFirstMaximum) {
  const float logits[] = {1, 3, 3, 0, 0, 0, 2, 1, 0};
  const int64_t labels[] = {1, 0, 1};
  EXPECT_EQ(kernels::CountCorrect(logits, labels, 3, 3), 2);  // ties go to the lowest index, as torch.argmax
}

TEST(DataBatchBuffer, GatherMatchesIndexSelect) {
  data::Split split;
  torch::manual_seed(6);
  split.images = torch::randn({20, 7});
  split.labels = torch::randint(4, {20}, torch::kInt64);
  torch::Tensor idx = torch::tensor({19, 0, 5, 5, 11}, torch::kInt64);
  data::BatchBuffer batch(8, 7);
  batch.Gather(split, idx.data_ptr<int64_t>(), 5);
  EXPECT_EQ(batch.rows(), 5);
  torch::Tensor x = torch::from_blob(const_cast<float*>(batch.images()), {5, 7});
  torch::Tensor y = torch::from_blob(const_cast<int64_t*>(batch.labels()), {5}, torch::kInt64);
  EXPECT_TRUE(torch::equal(x, split.images.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(y, split.labels.index_select(0, idx)));
}

// Training reads batches from the pixel bytes, without the float train set;
// the values are exactly those of the materialized images.
TEST(DataBatchBuffer, GatherFromPixelsEqualsTheMaterializedImages) {
  testing::TempDir dir("batch");
  plan::Dataset spec = testing::WriteBandDataset(dir.path(), 50, 10);
  auto full = data::LoadIdxDataset(spec, {4});
  data::LoadOptions lean_options{4};
  lean_options.materialize_train_images = false;
  auto lean = data::LoadIdxDataset(spec, lean_options);
  ASSERT_TRUE(full.dataset && lean.dataset);
  EXPECT_FALSE(lean.dataset->train.images.defined());
  EXPECT_TRUE(lean.dataset->test.images.defined());  // evaluation reads it whole
  ASSERT_TRUE(lean.dataset->train.pixels.defined());
  EXPECT_EQ(lean.dataset->train.pixels.sizes(), full.dataset->train.images.sizes());

  torch::Tensor idx = torch::tensor({49, 3, 3, 17}, torch::kInt64);
  data::BatchBuffer batch(4, lean.dataset->features);
  batch.Prefetch(lean.dataset->train, idx.data_ptr<int64_t>(), 4);  // a hint: changes nothing observable
  batch.Gather(lean.dataset->train, idx.data_ptr<int64_t>(), 4);
  torch::Tensor x = torch::from_blob(const_cast<float*>(batch.images()), {4, lean.dataset->features});
  EXPECT_TRUE(torch::equal(x, full.dataset->train.images.index_select(0, idx)));
}

}  // namespace
}  // namespace dml::train
