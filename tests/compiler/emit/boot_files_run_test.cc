// The boot scripts' downloads (train.downloads: the master fetches, checks
// and serves; workers fetch from the master and check) and the upload of
// the output directory (`output { upload = p }`), run in bash with the
// stand-ins of boot_run_util.h: what lands where, and what the stack is told.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "compiler/emit/boot_install.h"
#include "compiler/emit/boot_upload.h"
#include "compiler/emit/heat_emitter.h"
#include "runtime/plan/plan_yaml.h"
#include "tests/compiler/emit/boot_run_util.h"
#include "tests/compiler/emit/emit_test_util.h"

namespace dml::emit {
namespace {

using boot_run::DebDeployment;
using boot_run::kModelContent;
using boot_run::NodeRun;
using boot_run::RunNode;
using boot_run::Sha256Of;
using boot_run::Stubs;
using test_util::MakeTempDir;
using test_util::ReadFile;
using test_util::RunCommand;
using test_util::WriteFile;

const std::string kDataUrl = "https://data.example.org/tiny/train.bin?X-Amz-Signature=DATASECRET";
const std::string kModelUrl = "https://models.example.org/net.pt";
const std::string kDataContent = "tiny-train-batch";
const std::string kNetContent = "tiny-torchscript";
const std::string kDatasetDir = "/var/lib/dml/datasets/tiny";
const std::string kUploadUrl =
    "https://swift.example.org/v1/AUTH_lab/out/mnist.tar.gz?temp_url_sig=UPLOADSECRET&temp_url_expires=1";

ir::HeatParam TextParam(const std::string& name, const std::string& value) {
  ir::HeatParam p;
  p.name = name;
  p.default_value = value;  // what the tests' Heat puts in
  return p;
}

// Two downloads: a dataset file (relative: in the dataset's directory) and a
// model (absolute); optionally the upload, its URL from param `upload_url`.
ir::Deployment FilesDeployment(bool upload, const std::string& upload_url = kUploadUrl) {
  ir::Deployment d = DebDeployment(true);
  d.plan.train->dataset.dir = kDatasetDir;
  d.plan.train->downloads = {{"train.bin", kDataUrl, Sha256Of(kDataContent)},
                             {"/var/lib/dml/models/net.pt", kModelUrl, Sha256Of(kNetContent)}};
  if (upload) {
    d.params.push_back(TextParam("upload_url", upload_url));
    d.params.back().hidden = true;
    d.upload = ir::Upload{"upload_url"};
  }
  return d;
}

Stubs FilesStubs() {
  Stubs stubs;
  stubs.https_files = {{kDataUrl, kDataContent}, {kModelUrl, kNetContent}};
  return stubs;
}

std::string Reason(const NodeRun& run) { return run.signals.at(0).value("reason", ""); }
std::string Data(const NodeRun& run) { return run.signals.at(0).value("data", ""); }

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- downloads ----

TEST(EmitBootFiles, MasterFetchesChecksPlacesAndServesEachDownload) {
  const NodeRun run = RunNode(FilesDeployment(false), 0, 0, FilesStubs(), "dl_master");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  // In place: relative to the dataset's directory, or absolute.
  EXPECT_EQ(ReadFile(run.dir + kDatasetDir + "/train.bin"), kDataContent);
  EXPECT_EQ(ReadFile(run.dir + "/var/lib/dml/models/net.pt"), kNetContent);
  // Served to the workers, each with its digest.
  EXPECT_EQ(ReadFile(run.serve_dir + "/downloads/0"), kDataContent);
  EXPECT_EQ(ReadFile(run.serve_dir + "/downloads/1.sha256"), Sha256Of(kNetContent) + "  1\n");
  // Over https only, redirects too; the query never reaches the log.
  EXPECT_TRUE(Contains(run.curl_args, "--proto =https --proto-redir =https")) << run.curl_args;
  EXPECT_FALSE(Contains(run.output, "DATASECRET")) << run.output;
  EXPECT_TRUE(Contains(run.output, "fetched from https://data.example.org/tiny/train.bin, sha256 OK")) << run.output;
  EXPECT_FALSE(run.dmlrun_args.empty());
  // No temporary file is left beside the downloads.
  EXPECT_TRUE(RunCommand("find " + run.dir + "/var/lib/dml -name '.dml-download*' | grep -q .").status != 0);
}

TEST(EmitBootFiles, AFileAlreadyThereWithItsDigestIsNotFetchedAgain) {
  const ir::Deployment d = FilesDeployment(false);
  Stubs stubs = FilesStubs();
  stubs.https_files[kModelUrl] = "not-the-model";  // fetching it would fail the node
  // Run once to learn the sandbox, put the model there, then run again.
  const NodeRun first = RunNode(d, 0, 0, stubs, "dl_kept");
  ASSERT_EQ(first.signals.at(0)["status"], "FAILURE") << first.output;
  std::filesystem::create_directories(first.dir + "/var/lib/dml/models");
  WriteFile(first.dir + "/var/lib/dml/models/net.pt", kNetContent);
  // RunNode makes a fresh sandbox: check the script keeps a good file by
  // running the same steps in the first one.
  const auto rerun = RunCommand("PATH=" + first.dir + "/bin:$PATH bash " + first.dir + "/boot.sh");
  EXPECT_EQ(rerun.status, 0) << rerun.output;
  EXPECT_TRUE(Contains(rerun.output, "train.downloads[1] (" + first.dir + "/var/lib/dml/models/net.pt): already there"))
      << rerun.output;
}

TEST(EmitBootFiles, AWrongDigestIsRefusedNamingTheFileAndNothingIsPutInPlace) {
  Stubs stubs = FilesStubs();
  stubs.https_files[kDataUrl] = "tampered";
  const NodeRun run = RunNode(FilesDeployment(false), 0, 0, stubs, "dl_bad_sha");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = Reason(run);
  EXPECT_TRUE(Contains(reason, "while fetching the files the job downloads")) << reason;
  EXPECT_TRUE(Contains(reason, "train.downloads[0] (" + run.dir + kDatasetDir + "/train.bin): "
                               "https://data.example.org/tiny/train.bin has sha256 " + Sha256Of("tampered") +
                               ", not " + Sha256Of(kDataContent) + " as the .dml file says"))
      << reason;
  EXPECT_FALSE(Contains(reason + Data(run), "DATASECRET"));
  EXPECT_FALSE(std::filesystem::exists(run.dir + kDatasetDir + "/train.bin"));
  EXPECT_FALSE(std::filesystem::exists(run.serve_dir + "/downloads/0.sha256"));
  EXPECT_TRUE(run.dmlrun_args.empty());
  EXPECT_TRUE(RunCommand("find " + run.dir + "/var/lib/dml -name '.dml-download*' | grep -q .").status != 0);
}

TEST(EmitBootFiles, AFailedFetchIsSignalledWithoutTheUrlsQuery) {
  Stubs stubs = FilesStubs();
  stubs.unreachable_url = kDataUrl;  // curl's error repeats the whole URL
  const NodeRun run = RunNode(FilesDeployment(false), 0, 0, stubs, "dl_unreachable");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = Reason(run);
  EXPECT_TRUE(Contains(reason, "train.downloads[0] (" + run.dir + kDatasetDir + "/train.bin): fetching "
                               "https://data.example.org/tiny/train.bin failed: curl: (7) Failed to connect to "
                               "https://data.example.org/tiny/train.bin?...: Connection refused"))
      << reason;
  EXPECT_FALSE(Contains(run.signals[0].dump(), "DATASECRET")) << run.signals[0].dump();
  EXPECT_FALSE(Contains(ReadFile(run.dir + "/var/log/dml/boot.log"), "DATASECRET"));
}

TEST(EmitBootFiles, WorkerFetchesEachDownloadFromTheMasterAndChecksIt) {
  const ir::Deployment d = FilesDeployment(false);
  const NodeRun master = RunNode(d, 0, 0, FilesStubs(), "dl_master_for_worker");
  ASSERT_EQ(master.status, 0) << master.output;
  Stubs stubs;
  stubs.master_dir = master.serve_dir;
  const NodeRun run = RunNode(d, 1, 0, stubs, "dl_worker");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  EXPECT_EQ(ReadFile(run.dir + kDatasetDir + "/train.bin"), kDataContent);
  EXPECT_EQ(ReadFile(run.dir + "/var/lib/dml/models/net.pt"), kNetContent);
  const std::string master_url = "http://" + d.network.master_ip + ":" + std::to_string(kRuntimeServePort);
  EXPECT_TRUE(Contains(run.curl_log, master_url + "/downloads/0\n")) << run.curl_log;
  // Never from the internet.
  EXPECT_FALSE(Contains(run.curl_log, "https://")) << run.curl_log;
}

TEST(EmitBootFiles, WorkerRefusesAMasterCopyThatIsNotThePlansDigest) {
  const ir::Deployment d = FilesDeployment(false);
  const std::string served = boot_run::ServedDir("dl_bad_master", boot_run::kDebContent);
  std::filesystem::create_directories(served + "/downloads");
  for (const char* n : {"0", "1"}) {
    WriteFile(served + "/downloads/" + n, "something-else");
    WriteFile(served + "/downloads/" + n + ".sha256", Sha256Of("something-else") + "  " + n + "\n");
  }
  Stubs stubs;
  stubs.master_dir = served;
  const NodeRun run = RunNode(d, 1, 0, stubs, "dl_worker_bad");
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = Reason(run);
  EXPECT_TRUE(Contains(reason, "while fetching the files the job downloads from the master")) << reason;
  EXPECT_TRUE(Contains(reason, "train.downloads[0] (" + run.dir + kDatasetDir + "/train.bin): the master's copy has "
                               "sha256 " + Sha256Of("something-else")))
      << reason;
  EXPECT_FALSE(std::filesystem::exists(run.dir + kDatasetDir + "/train.bin"));
  EXPECT_TRUE(run.dmlrun_args.empty());
}

TEST(EmitBootFiles, APreinstalledRuntimeStillServesTheDownloads) {
  ir::Deployment d = FilesDeployment(false);
  d.runtime = ir::RuntimeSource{};
  d.runtime.kind = ir::RuntimeSource::Kind::kPreinstalled;
  const NodeRun master = RunNode(d, 0, 0, FilesStubs(), "dl_pre_master");
  ASSERT_EQ(master.status, 0) << master.output;
  EXPECT_FALSE(master.served_args.empty());
  Stubs stubs;
  stubs.master_dir = master.serve_dir;
  const NodeRun worker = RunNode(d, 1, 0, stubs, "dl_pre_worker");
  EXPECT_EQ(worker.status, 0) << worker.output;
  EXPECT_EQ(ReadFile(worker.dir + "/var/lib/dml/models/net.pt"), kNetContent);
  EXPECT_TRUE(worker.apt_log.empty()) << worker.apt_log;
}

TEST(EmitBootFiles, ADownloadUrlFromAParameterIsReadAsDataNeverRun) {
  ir::Deployment d = FilesDeployment(false);
  const std::string pwned = MakeTempDir("dl_pwned") + "/pwned";
  d.params.push_back(TextParam("mirror", "x'; touch " + pwned + "; echo '$(touch " + pwned + ")`touch " +
                                             pwned + "`DML_PARAM_VALUES_EOF"));
  d.text_params.push_back({"mirror", ""});
  d.plan.train->downloads[1].url = "https://" + plan::ParamHole("mirror") + "/net.pt";
  const NodeRun run = RunNode(d, 0, 0, FilesStubs(), "dl_hostile");
  EXPECT_FALSE(std::filesystem::exists(pwned)) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  EXPECT_TRUE(Contains(Reason(run), "train.downloads[1].url is not an https URL")) << Reason(run);
  EXPECT_TRUE(run.curl_log.empty() || !Contains(run.curl_log, "touch")) << run.curl_log;
}

// ---- the upload ----

TEST(EmitBootFiles, MasterUploadsTheOutputArchiveAndReportsItsNameSizeAndSha256) {
  const NodeRun run = RunNode(FilesDeployment(true), 0, 0, FilesStubs(), "upload_ok");
  EXPECT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "SUCCESS");
  EXPECT_TRUE(Contains(run.dmlrun_args, "--output " + run.dir + kNodeOutputDir)) << run.dmlrun_args;
  EXPECT_EQ(run.upload_url, kUploadUrl);
  ASSERT_FALSE(run.uploaded.empty());
  EXPECT_TRUE(Contains(run.curl_args, "--proto =https")) << run.curl_args;
  // The data starts with what the stack's `upload` output reads.
  const std::string archive = run.dir + "/uploaded";
  const std::string sha256 = RunCommand("sha256sum < " + archive).output.substr(0, 64);
  const std::string expected = "uploaded mnist-output.tar.gz (" + std::to_string(run.uploaded.size()) +
                               " bytes, sha256 " + sha256 + ")\n";
  EXPECT_EQ(Data(run).substr(0, expected.size()), expected) << Data(run);
  EXPECT_TRUE(Contains(Data(run), "test accuracy 0.8512")) << Data(run);
  // The archive holds the output directory under <job>-output/.
  const auto listing = RunCommand("tar -tzf " + archive + " | sort");
  EXPECT_TRUE(Contains(listing.output, "mnist-output/model.pt\n")) << listing.output;
  EXPECT_TRUE(Contains(listing.output, "mnist-output/result.json\n")) << listing.output;
  EXPECT_TRUE(Contains(listing.output, "mnist-output/metrics.jsonl\n")) << listing.output;
  EXPECT_EQ(RunCommand("tar -xzOf " + archive + " mnist-output/model.pt").output, kModelContent);
  EXPECT_FALSE(Contains(run.output, "UPLOADSECRET")) << run.output;
}

TEST(EmitBootFiles, AFailedUploadFailsTheMasterWithCurlsReasonButNotTheQuery) {
  Stubs stubs = FilesStubs();
  stubs.upload_http_status = 403;
  const NodeRun run = RunNode(FilesDeployment(true), 0, 0, stubs, "upload_403");
  EXPECT_NE(run.status, 0);
  ASSERT_EQ(run.signals.size(), 1u) << run.output;
  EXPECT_EQ(run.signals[0]["status"], "FAILURE");
  const std::string reason = Reason(run);
  EXPECT_TRUE(Contains(reason, "job mnist finished, but its output was not uploaded: uploading mnist-output.tar.gz to "
                               "https://swift.example.org/v1/AUTH_lab/out/mnist.tar.gz failed: curl: (22) The "
                               "requested URL returned error: 403"))
      << reason;
  EXPECT_FALSE(Contains(run.signals[0].dump(), "UPLOADSECRET")) << run.signals[0].dump();
  EXPECT_FALSE(Contains(ReadFile(run.dir + "/var/log/dml/boot.log"), "UPLOADSECRET"));
  EXPECT_TRUE(run.powered_off);
}

TEST(EmitBootFiles, OnlyTheMastersUserDataHoldsTheUploadUrl) {
  const ir::Deployment d = FilesDeployment(true);
  const HeatOutput out = EmitHeat(d);
  const std::string token = plan::HeatParamToken("upload_url");
  EXPECT_TRUE(Contains(out.boot_scripts[0].second, "= " + token + "\n"));
  EXPECT_TRUE(Contains(out.boot_scripts[0].second, "dml_upload"));
  EXPECT_FALSE(Contains(out.boot_scripts[1].second, token));
  EXPECT_FALSE(Contains(out.boot_scripts[1].second, "dml_upload"));
  // Heat: the parameter is hidden and must be an https URL; only the
  // master's str_replace reads it.
  const YAML::Node t = YAML::Load(out.template_yaml);
  EXPECT_TRUE(t["parameters"]["upload_url"]["hidden"].as<bool>());
  bool pattern = false;
  for (const auto& c : t["parameters"]["upload_url"]["constraints"]) {
    pattern = pattern || (c["allowed_pattern"] && c["allowed_pattern"].as<std::string>() == kUploadUrlPattern);
  }
  EXPECT_TRUE(pattern);
  EXPECT_TRUE(t["resources"]["master"]["properties"]["user_data"]["str_replace"]["params"][token]);
  const std::string workers = YAML::Dump(t["resources"]["workers_group"]);
  EXPECT_FALSE(Contains(workers, "upload_url")) << workers;
}

// Values Heat would paste in for the upload's parameter: none runs; those
// that are no https URL of a presigned URL's characters fail the master
// before it installs anything; one that is goes to curl exactly as given.
TEST(EmitBootFiles, HostileUploadUrlsAreInert) {
  const std::string pwned = MakeTempDir("upload_pwned") + "/pwned";
  for (const std::string& value :
       {"https://x.example.org/a'; touch " + pwned + "; echo '", "https://x.example.org/`touch " + pwned + "`",
       "https://x.example.org/$(touch " + pwned + ")", std::string("DML_PARAM_VALUES_EOF"),
       std::string("http://x.example.org/plain-http"), "https://x.example.org/\"$(touch " + pwned + ")\""}) {
    const NodeRun run = RunNode(FilesDeployment(true, value), 0, 0, FilesStubs(), "upload_hostile");
    EXPECT_FALSE(std::filesystem::exists(pwned)) << value << "\n" << run.output;
    ASSERT_EQ(run.signals.size(), 1u) << value << "\n" << run.output;
    EXPECT_EQ(run.signals[0]["status"], "FAILURE") << value;
    EXPECT_TRUE(Contains(Reason(run), "while checking the upload URL")) << Reason(run);
    EXPECT_TRUE(run.apt_log.empty()) << value;
    EXPECT_TRUE(run.uploaded.empty()) << value;
  }
  const std::string allowed = "https://x.example.org/$(id);a&b=(c)*+,;=%20!~";
  const NodeRun run = RunNode(FilesDeployment(true, allowed), 0, 0, FilesStubs(), "upload_odd");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.upload_url, allowed);
}

}  // namespace
}  // namespace dml::emit
