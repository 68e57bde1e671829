// The plan's downloads (runtime/launch/downloads.h) against a throwaway https
// server on 127.0.0.1: fetched and checked, refused and cleaned up, never
// shown with their query strings; and `dmlrun local` training on a cifar
// dataset that comes entirely from downloads.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>

#include "https_server.h"
#include "launch_test_util.h"
#include "runtime/dist/port.h"
#include "runtime/launch/downloads.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/runtime/data/cifar_fixture.h"

namespace dml::launch {
namespace {

namespace fs = std::filesystem;
using testing::HttpsServer;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

constexpr char kDmlrun[] = DMLRUN_PATH;
constexpr char kPlanFile[] = "job.plan.yaml";
const std::string kPayload = "the bytes of a small dataset file\n";
// A well-formed digest the node check never compares.
const std::string kAnySha256(64, 'b');

std::string Sha256(const std::string& path, const TempDir& dir) {
  std::string out;
  RunCommand({"sha256sum", path}, dir, &out);
  return out.substr(0, 64);
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A served folder, a server, and a dataset folder to fetch into.
class LaunchDownloads : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(served());
    fs::create_directories(data());
    WriteFile(served() + "/data.bin", kPayload);
    sha256_ = Sha256(served() + "/data.bin", dir_);
    ASSERT_EQ(sha256_.size(), 64u);
    server_ = std::make_unique<HttpsServer>(served(), dir_.path());
    if (!server_->problem().empty()) GTEST_SKIP() << server_->problem();
    train_.dataset.dir = data();
  }
  std::string served() const { return dir_.File("served"); }
  std::string data() const { return dir_.File("data"); }
  void Add(const std::string& path, const std::string& url, const std::string& sha256) {
    train_.downloads.push_back({path, url, sha256});
  }
  std::optional<base::Error> Fetch() { return FetchDownloads(train_, FetchOptions{kPlanFile}, out_); }

  TempDir dir_;
  std::string sha256_;
  std::unique_ptr<HttpsServer> server_;
  plan::TrainSpec train_;
  std::ostringstream out_;
};

TEST_F(LaunchDownloads, MissingFileIsFetchedCheckedAndRenamed) {
  Add("sub/data.bin", server_->Url("data.bin"), sha256_);
  auto error = Fetch();
  ASSERT_FALSE(error) << error->Render();
  const std::string path = data() + "/sub/data.bin";
  EXPECT_EQ(ReadFile(path), kPayload);
  EXPECT_EQ(Listing(data() + "/sub"), std::vector<std::string>{"data.bin"});  // no temporary file left
  // Readable by others as a downloaded file is (under this test's umask), not private as a temporary one.
  const mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(static_cast<mode_t>(fs::status(path).permissions()), 0666 & ~mask);
  EXPECT_EQ(out_.str(), "dmlrun: fetching " + server_->Url("data.bin") + " -> " + path + "\ndmlrun: " + path +
                            ": sha256 OK\n");
}

TEST_F(LaunchDownloads, WrongSha256IsRefusedAndNothingIsLeft) {
  const std::string wrong(64, 'a');
  Add("data.bin", server_->Url("data.bin"), wrong);
  auto error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->Render(), std::string(kPlanFile) + ": train.downloads[0].sha256: the file fetched from " +
                                 server_->Url("data.bin") + " has sha256 " + sha256_ + ", not the plan's " + wrong +
                                 "; it was discarded and " + data() + "/data.bin was not written");
  EXPECT_TRUE(Listing(data()).empty());
}

TEST_F(LaunchDownloads, NotFoundIsNamedWithTheField) {
  Add("data.bin", server_->Url("data.bin"), sha256_);
  Add("other.bin", server_->Url("no-such.bin"), sha256_);
  auto error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->Render(), std::string(kPlanFile) + ": train.downloads[1].url: fetching " +
                                 server_->Url("no-such.bin") + " into " + data() +
                                 "/other.bin failed: curl: (22) The requested URL returned error: 404");
  EXPECT_EQ(Listing(data()), std::vector<std::string>{"data.bin"});  // the first one stays, checked
}

// Certificates are checked: without the test's CA the server is refused.
TEST_F(LaunchDownloads, UntrustedCertificateIsRefused) {
  const std::string bundle = getenv("CURL_CA_BUNDLE");
  setenv("CURL_CA_BUNDLE", "/dev/null/none", 1);
  Add("data.bin", server_->Url("data.bin"), sha256_);
  auto error = Fetch();
  setenv("CURL_CA_BUNDLE", bundle.c_str(), 1);
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find("train.downloads[0].url: fetching " + server_->Url("data.bin") + " into " + data() +
                                 "/data.bin failed: curl: ("),
            std::string::npos)
      << error->Render();
  EXPECT_TRUE(Listing(data()).empty());
}

TEST_F(LaunchDownloads, UnreachableServerIsNamedOnce) {
  const std::string url = "https://127.0.0.1:" + std::to_string(dist::PickFreePort()) + "/data.bin";
  Add("data.bin", url, sha256_);
  auto error = Fetch();
  ASSERT_TRUE(error);
  const std::string text = error->Render();
  EXPECT_NE(text.find("train.downloads[0].url: fetching " + url + " into " + data() + "/data.bin failed: curl: (7) "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("curl:"), text.rfind("curl:")) << text;  // one reason, however many attempts
  EXPECT_TRUE(Listing(data()).empty());
}

TEST_F(LaunchDownloads, HttpIsRefusedAlsoThroughARedirect) {
  Add("data.bin", "http://127.0.0.1:" + std::to_string(server_->port()) + "/data.bin", sha256_);
  auto error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find("train.downloads[0].url: 'http://127.0.0.1:"), std::string::npos)
      << error->Render();
  EXPECT_NE(error->Render().find("is not an https:// URL"), std::string::npos) << error->Render();
  EXPECT_EQ(server_->Requests(), "");

  train_.downloads = {{"data.bin", server_->Url("to-http/data.bin"), sha256_}};
  error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find("train.downloads[0].url: fetching " + server_->Url("to-http/data.bin") +
                                 " into " + data() + "/data.bin failed: curl: "),
            std::string::npos)
      << error->Render();
  EXPECT_EQ(server_->Requests(), "/to-http/data.bin\n");  // curl did not follow it
  EXPECT_TRUE(Listing(data()).empty());
}

TEST_F(LaunchDownloads, PresentFileIsCheckedNotFetched) {
  WriteFile(data() + "/data.bin", kPayload);
  Add("data.bin", server_->Url("data.bin"), sha256_);
  auto error = Fetch();
  ASSERT_FALSE(error) << error->Render();
  EXPECT_EQ(out_.str(), "dmlrun: " + data() + "/data.bin: present, sha256 OK\n");
  EXPECT_EQ(server_->Requests(), "");

  WriteFile(data() + "/data.bin", "something else\n");
  error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_NE(error->Render().find(std::string(kPlanFile) + ": train.downloads[0].sha256: " + data() +
                                 "/data.bin is already there but its sha256 is "),
            std::string::npos)
      << error->Render();
  EXPECT_EQ(ReadFile(data() + "/data.bin"), "something else\n");  // the user's file is never replaced
  EXPECT_EQ(server_->Requests(), "");
}

TEST_F(LaunchDownloads, QueryStringIsNeverShown) {
  const std::string secret = "X-Amz-Signature=topsecret42";
  Add("data.bin", server_->Url("data.bin?" + secret), sha256_);
  Add("gone.bin", server_->Url("gone.bin?" + secret), sha256_);
  auto error = Fetch();
  ASSERT_TRUE(error);
  EXPECT_EQ(ReadFile(data() + "/data.bin"), kPayload);
  EXPECT_EQ(out_.str().find("topsecret42"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("fetching " + server_->Url("data.bin") + " -> "), std::string::npos) << out_.str();
  EXPECT_EQ(error->Render().find("topsecret42"), std::string::npos) << error->Render();
  EXPECT_NE(server_->Requests().find("/data.bin?" + secret), std::string::npos);  // it did reach the server
}

TEST(LaunchDownloadsUrl, DisplayDropsUserInfoQueryAndFragment) {
  EXPECT_EQ(UrlForDisplay("https://user:pw@host.example:8443/a/b.bin?sig=1&x=2#frag"),
            "https://host.example:8443/a/b.bin");
  EXPECT_EQ(UrlForDisplay("https://host.example?sig=1"), "https://host.example");
  EXPECT_EQ(UrlForDisplay("https://host.example/p"), "https://host.example/p");
}

TEST(LaunchDownloadsNode, NodeOnlyChecksTheFilesExist) {
  TempDir dir;
  plan::TrainSpec train;
  train.dataset.dir = dir.path();
  WriteFile(dir.File("here.bin"), "x");
  train.downloads = {{"here.bin", "https://example.org/here.bin", kAnySha256},
                     {dir.File("gone.bin"), "https://example.org/gone.bin?sig=secret", kAnySha256}};
  auto error = CheckDownloadsPresent(train, kPlanFile);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->Render(), std::string(kPlanFile) + ": train.downloads[1].path: " + dir.File("gone.bin") +
                                 " is missing: dmlrun node does not download (on a stack the boot script fetches "
                                 "it from https://example.org/gone.bin before dmlrun starts)");
  train.downloads.pop_back();
  EXPECT_FALSE(CheckDownloadsPresent(train, kPlanFile));
}

// `dmlrun local` on a plan whose cifar dataset is nowhere on the machine:
// every batch file comes from train.downloads, then an mlp trains on it.
TEST_F(LaunchDownloads, LocalTrainsOnACifarDatasetFetchedOverHttps) {
  plan::Dataset files = dml::testing::WriteCifarDataset(served(), 2, 100, 50);
  plan::Plan plan;
  plan.job = "cifar_fetched";
  plan.kind = plan::JobKind::kTrain;
  plan.cluster.subnet = "10.8.1.0/24";
  plan.cluster.master_addr = "10.8.1.250";
  plan.cluster.port = dist::PickFreePort();
  plan.cluster.groups = {{"master", 1, 1, ""}};
  plan.timeouts.rendezvous_s = 30;
  plan::TrainSpec train;
  train.dataset = files;
  train.dataset.dir = data();
  train.model.layers = {3072, 32, 10};
  train.batch_per_rank = 20;
  train.epochs = 1;
  train.threads_per_rank = 1;
  for (const auto* list : {&files.train_batches, &files.test_batches}) {
    for (const std::string& name : *list) {
      train.downloads.push_back({name, server_->Url(name + "?sig=secret"), Sha256(served() + "/" + name, dir_)});
    }
  }
  plan.train = train;
  const std::string plan_path = dir_.File(kPlanFile);
  WriteFile(plan_path, plan::SerializePlan(plan));

  std::string log;
  ASSERT_EQ(RunCommand({kDmlrun, "local", plan_path}, dir_, &log), 0) << log;
  EXPECT_NE(log.find("dmlrun: fetching " + server_->Url("data_batch_2.bin") + " -> " + data() +
                     "/data_batch_2.bin\ndmlrun: " + data() + "/data_batch_2.bin: sha256 OK"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("dmlrun: done: test accuracy"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
  EXPECT_EQ(Listing(data()), (std::vector<std::string>{"data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"}));

  // Again: every file is there and checked, none fetched.
  const std::string requests = server_->Requests();
  ASSERT_EQ(RunCommand({kDmlrun, "local", plan_path}, dir_, &log), 0) << log;
  EXPECT_NE(log.find("dmlrun: " + data() + "/test_batch.bin: present, sha256 OK"), std::string::npos) << log;
  EXPECT_EQ(server_->Requests(), requests);

  // A file that is not what the plan says stops dmlrun before any rank, as bad input.
  WriteFile(data() + "/test_batch.bin", "not cifar");
  ASSERT_EQ(RunCommand({kDmlrun, "local", plan_path}, dir_, &log), 2) << log;
  EXPECT_NE(log.find("dmlrun: error: " + plan_path + ": train.downloads[2].sha256: " + data() +
                     "/test_batch.bin is already there but its sha256 is "),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("world size"), std::string::npos) << log;
}

}  // namespace
}  // namespace dml::launch
