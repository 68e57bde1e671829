// Lowering of the samples to the IR and its launch plan.
#include <gtest/gtest.h>

#include "compiler/sema/defaults.h"
#include "compiler/sema/text_patterns.h"
#include "tests/compiler/sema/sema_test_util.h"

namespace dml::lower {
namespace {

using namespace sema::testing;  // Compile, Replace, kValidTrain, kValidRun
namespace defaults = sema::defaults;

std::unique_ptr<Compiled> CompileSample(const char* file) {
  return Compile(ReadFile(std::string(DML_SOURCE_DIR) + "/samples/" + file));
}

TEST(Lower, MnistSample) {
  auto c = CompileSample("mnist.dml");
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  ASSERT_EQ(c->result.deployments.size(), 1u);
  const ir::Deployment& d = c->result.deployments[0];
  EXPECT_EQ(d.name, "mnist");

  // Network: gateway first host, master as given, pools around it.
  EXPECT_EQ(d.network.cidr, "10.8.1.0/24");
  EXPECT_EQ(d.network.gateway, "10.8.1.1");
  EXPECT_EQ(d.network.master_ip, "10.8.1.250");
  ASSERT_EQ(d.network.allocation_pools.size(), 2u);
  EXPECT_EQ(d.network.allocation_pools[0].start, "10.8.1.2");
  EXPECT_EQ(d.network.allocation_pools[0].end, "10.8.1.249");
  EXPECT_EQ(d.network.allocation_pools[1].start, "10.8.1.251");
  EXPECT_EQ(d.network.allocation_pools[1].end, "10.8.1.254");
  EXPECT_EQ(d.network.dns_nameservers, std::vector<std::string>{"8.8.8.8"});
  EXPECT_EQ(d.network.ssh_from.param, "ssh_from");

  // Groups: master then a param-sized worker group.
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[0].name, "master");
  EXPECT_EQ(d.groups[0].count, 1);
  EXPECT_EQ(d.groups[0].first_node_rank, 0);
  EXPECT_EQ(d.groups[1].count, 1);
  EXPECT_EQ(d.groups[1].count_param, "workers");
  EXPECT_EQ(d.groups[1].first_node_rank, 1);
  EXPECT_EQ(d.groups[0].flavor.param, "master_flavor");
  EXPECT_EQ(d.groups[1].flavor.param, "worker_flavor");
  EXPECT_EQ(d.groups[0].image.param, "image");
  EXPECT_EQ(d.groups[1].image.param, "image");
  EXPECT_EQ(d.key_name.param, "key_name");

  // Heat parameters.
  const ir::HeatParam* key = d.Param("key_name");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->custom_constraint, "nova.keypair");
  EXPECT_FALSE(key->default_value);
  const ir::HeatParam* workers = d.Param("workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->type, ir::ParamType::kNumber);
  EXPECT_EQ(workers->default_value, "1");
  EXPECT_EQ(workers->range_min, 0);
  EXPECT_EQ(workers->range_max, 251);  // the /24 allows 251; the dataset 936
  const ir::HeatParam* ssh = d.Param("ssh_from");
  ASSERT_NE(ssh, nullptr);
  EXPECT_EQ(ssh->default_value, "0.0.0.0/0");
  EXPECT_TRUE(ssh->cidr_constraint);
  const ir::HeatParam* flavor = d.Param("master_flavor");
  ASSERT_NE(flavor, nullptr);
  EXPECT_EQ(flavor->default_value, "m1.medium");
  EXPECT_EQ(flavor->custom_constraint, "nova.flavor");
  const ir::HeatParam* image = d.Param("image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->custom_constraint, "glance.image");
  const ir::HeatParam* net = d.Param("external_network");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->default_value, "public");
  EXPECT_EQ(net->custom_constraint, "neutron.network");

  EXPECT_EQ(d.runtime.kind, ir::RuntimeSource::Kind::kGit);
  EXPECT_EQ(d.runtime.url, defaults::kRuntimeGitUrl);
  // The commit this build comes from (a fresh clone in CI), so that nodes
  // build the dmlrun that reads this dmlc's plans.
  EXPECT_EQ(d.runtime.ref, defaults::RuntimeGitRef());
  EXPECT_TRUE(d.runtime.ref.size() == 40 || d.runtime.ref == defaults::kRuntimeReleaseTag) << d.runtime.ref;
  EXPECT_TRUE(d.power_off);

  // The plan.
  const plan::Plan& p = d.plan;
  EXPECT_EQ(p.job, "mnist");
  EXPECT_EQ(p.kind, plan::JobKind::kTrain);
  EXPECT_EQ(p.cluster.subnet, "10.8.1.0/24");
  EXPECT_EQ(p.cluster.master_addr, "10.8.1.250");
  EXPECT_EQ(p.cluster.port, 29500);
  EXPECT_EQ(plan::WorldSize(p), 2);
  ASSERT_EQ(p.cluster.groups.size(), 2u);
  EXPECT_EQ(p.cluster.groups[1].count_param, "workers");
  EXPECT_DOUBLE_EQ(p.timeouts.rendezvous_s, 600);
  EXPECT_DOUBLE_EQ(p.timeouts.collective_s, 300);
  EXPECT_DOUBLE_EQ(p.timeouts.job_s, 7200);
  ASSERT_TRUE(p.train);
  EXPECT_FALSE(p.command);
  EXPECT_EQ(p.train->dataset.dir, "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(p.train->dataset.train_images, "train-images-idx3-ubyte.gz");
  EXPECT_EQ(p.train->dataset.test_labels, "t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(p.train->dataset.train_size, 60000);
  EXPECT_EQ(p.train->model.layers, (std::vector<int64_t>{784, 100, 10}));
  EXPECT_EQ(p.train->model.activation, "relu");
  EXPECT_EQ(p.train->optimizer.kind, "adam");
  EXPECT_DOUBLE_EQ(p.train->optimizer.lr, 1e-3);
  EXPECT_DOUBLE_EQ(p.train->optimizer.beta2, 0.999);
  EXPECT_EQ(p.train->batch_per_rank, 64);
  EXPECT_EQ(p.train->epochs, 10);
  EXPECT_EQ(p.train->seed, 42u);
  EXPECT_TRUE(plan::Validate(p).empty());
}

TEST(Lower, RepoJobSample) {
  auto c = CompileSample("repo_job.dml");
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  ASSERT_EQ(c->result.deployments.size(), 1u);
  const ir::Deployment& d = c->result.deployments[0];
  // No master_ip given: the last usable host, and one pool below it.
  EXPECT_EQ(d.network.master_ip, "10.8.1.254");
  ASSERT_EQ(d.network.allocation_pools.size(), 1u);
  EXPECT_EQ(d.network.allocation_pools[0].start, "10.8.1.2");
  EXPECT_EQ(d.network.allocation_pools[0].end, "10.8.1.253");
  EXPECT_EQ(d.groups[1].count, 16);
  const ir::HeatParam* workers = d.Param("workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->range_max, 251);  // no dataset: the subnet alone
  // ssh_from not set: a Heat param with the documented default.
  EXPECT_EQ(d.network.ssh_from.param, "ssh_from");
  const plan::Plan& p = d.plan;
  EXPECT_EQ(p.kind, plan::JobKind::kCommand);
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->repo, "https://github.com/example-lab/mnist-lightning.git");
  EXPECT_EQ(p.command->ref, "main");
  EXPECT_EQ(p.command->requirements_dir, ".");
  EXPECT_EQ(p.command->entrypoint, "train.py");
  EXPECT_EQ(p.command->args, (std::vector<std::string>{"--epochs", "10", "--accelerator", "cpu"}));
  EXPECT_EQ(p.command->python, "python3");
  EXPECT_EQ(plan::WorldSize(p), 17);
}

TEST(Lower, RangeMaxIsTheTighterOfSubnetAndDataset) {
  std::string text = Replace(kValidTrain, "cidr = 10.8.1.0/24\n    master_ip = 10.8.1.250",
                             "cidr = 10.8.0.0/16");
  text = Replace(text, "batch = 64", "batch = 1000");  // 60 ranks: master + 59 workers
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::HeatParam* workers = c->result.deployments[0].Param("workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->range_max, 59);
}

// A global batch reaches the plan in place of batch_per_rank, and bounds the
// worker count param: every rank needs a row of each step (20: master + 19).
TEST(Lower, GlobalBatchReachesThePlanAndBoundsTheWorkers) {
  auto c = Compile(Replace(kValidTrain, "batch = 64", "global_batch = 20"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  ASSERT_TRUE(d.plan.train);
  EXPECT_EQ(d.plan.train->global_batch, 20);
  EXPECT_EQ(d.plan.train->batch_per_rank, 0);
  EXPECT_TRUE(plan::Validate(d.plan).empty());
  const ir::HeatParam* workers = d.Param("workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->range_max, 19);
}

TEST(Lower, LiteralKnobsAndParamKnobs) {
  std::string text = Replace(kValidTrain, "param workers: int = 1",
                             "param workers: int = 1\nparam big: string = \"m1.large\"");
  text = Replace(text, "flavor = chameleon.m1_medium\n    image = chameleon.debian12\n    procs = 1\n  }\n  workers",
                 "flavor = big\n    image = \"Other\"\n    procs = 1\n  }\n  workers");
  text = Replace(text, "count = workers", "count = 3");
  text = Replace(text, "key_pair = key_name", "key_pair = \"mine\"\n  power_off = false");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  EXPECT_EQ(d.groups[0].flavor.param, "big");
  EXPECT_EQ(d.Param("big")->custom_constraint, "nova.flavor");
  EXPECT_EQ(d.groups[0].image.param, "master_image");
  EXPECT_EQ(d.groups[1].image.param, "worker_image");
  EXPECT_EQ(d.Param("master_image")->default_value, "Other");
  EXPECT_EQ(d.groups[1].count, 3);
  EXPECT_TRUE(d.groups[1].count_param.empty());
  // key_pair literal: a Heat param `key_name` would clash with the user's
  // param of that name, so the added one is prefixed.
  EXPECT_EQ(d.Param(d.key_name.param)->default_value, "mine");
  EXPECT_EQ(d.Param(d.key_name.param)->custom_constraint, "nova.keypair");
  EXPECT_FALSE(d.power_off);
}

TEST(Lower, MasterAloneWithoutWorkersBlock) {
  std::string text = Replace(kValidRun,
                             "  workers {\n    count = workers\n    flavor = chameleon.m1_medium\n"
                             "    image = chameleon.debian12\n  }\n",
                             "");
  auto c = Compile(text);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments[0];
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[1].count, 0);
  EXPECT_TRUE(d.groups[1].count_param.empty());
  EXPECT_EQ(plan::WorldSize(d.plan), 1);
}

}  // namespace
}  // namespace dml::lower

namespace dml::lower {
namespace {

using namespace sema::testing;

// plan v2: the cnn sample's model, the dataset's shape and classes.
TEST(Lower, CnnSample) {
  auto c = Compile(ReadFile(std::string(DML_SOURCE_DIR) + "/samples/cnn.dml"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const plan::TrainSpec& t = *c->result.deployments.at(0).plan.train;
  EXPECT_EQ(t.model.kind, "cnn");
  EXPECT_EQ(t.model.input, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(t.model.channels, (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(t.model.kernel, 3);
  EXPECT_EQ(t.model.classes, 10);
  EXPECT_TRUE(t.model.layers.empty());
  EXPECT_EQ(t.dataset.shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(t.dataset.classes, 10);
  EXPECT_TRUE(t.downloads.empty());
  EXPECT_EQ(c->result.deployments.at(0).plan.cluster.groups.at(0).procs_per_node, 2);
}

// Downloaded files: relative to the dataset's default directory, the
// model's at its fixed path; digests lowercased; the url param hidden and
// https-only; the upload names it.
TEST(Lower, DownloadsAndUpload) {
  const std::string sha(64, 'A');
  const std::string source = Replace(Replace(kValidTrain, "dataset = datasets.fashion_mnist", R"(dataset = dataset {
      name = "colour"
      format = cifar
      train_batches = ["https://data.example.org/c/data_batch_1.bin?v=2"]
      test_batches = ["https://data.example.org/c/test_batch.bin"]
      train_size = 10000
      test_size = 10000
      shape = [3, 32, 32]
      sha256 { train_batches = [")" + sha + R"("], test_batches = [")" + sha + R"("] }
    })"),
      "model = mlp { layers = [784, 100, 10], activation = \"relu\" }",
      R"(model = torchscript { url = "https://m.example.org/net.pt", sha256 = ")" + sha +
          R"(", input = [3, 32, 32], classes = 10 })") +
      "\nparam upload_url: url\n";
  auto c = Compile(Replace(source, "train {", "output { upload = upload_url }\n  train {"));
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  const ir::Deployment& d = c->result.deployments.at(0);
  const plan::TrainSpec& t = *d.plan.train;
  EXPECT_EQ(t.dataset.dir, "/var/lib/dml/datasets/colour");
  EXPECT_EQ(t.dataset.train_batches, std::vector<std::string>{"data_batch_1.bin"});
  EXPECT_EQ(t.dataset.test_batches, std::vector<std::string>{"test_batch.bin"});
  EXPECT_EQ(t.model.file, "/var/lib/dml/models/" + d.name + ".pt");
  ASSERT_EQ(t.downloads.size(), 3u);
  EXPECT_EQ(t.downloads[0].path, "data_batch_1.bin");
  EXPECT_EQ(t.downloads[0].url, "https://data.example.org/c/data_batch_1.bin?v=2");
  EXPECT_EQ(t.downloads[0].sha256, std::string(64, 'a'));
  EXPECT_EQ(t.downloads[2].path, t.model.file);
  EXPECT_EQ(t.downloads[2].url, "https://m.example.org/net.pt");
  EXPECT_FALSE(d.dataset_sha256);
  ASSERT_TRUE(d.upload);
  EXPECT_EQ(d.upload->param, "upload_url");
  const ir::HeatParam* url = d.Param("upload_url");
  ASSERT_NE(url, nullptr);
  EXPECT_TRUE(url->hidden);
  EXPECT_EQ(url->type, ir::ParamType::kString);
  EXPECT_EQ(url->allowed_pattern.value_or(""), std::string(sema::kUrlPattern));
}

}  // namespace
}  // namespace dml::lower
