// Writes, for tests/localstack/files_test.py, the template of a job whose
// runtime is preinstalled, with one worker, one download (SHA256 given as
// the only argument) and an upload to the hidden parameter upload_url:
// what `train { dataset = ... url }` and `output { upload = upload_url }`
// lower to, built from an ir::Deployment until dmlc compiles them.
#include <iostream>
#include <string>

#include "compiler/emit/heat_emitter.h"
#include "tests/compiler/emit/emit_test_util.h"

int main(int argc, char** argv) {
  using namespace dml;
  if (argc != 2) {
    std::cerr << "usage: files_template SHA256_OF_THE_DOWNLOAD\n";
    return 2;
  }
  emit::test_util::DeploymentSpec spec;
  spec.runtime = ir::RuntimeSource::Kind::kPreinstalled;
  spec.workers = 1;
  ir::Deployment d = emit::test_util::MakeDeployment(spec);
  d.plan.timeouts.job_s = 300;
  d.plan.timeouts.rendezvous_s = 60;
  d.plan.train->dataset.dir = "/var/lib/dml/datasets/tiny";
  d.plan.train->downloads = {{"blob.bin", "https://data.example.org/sets/blob.bin?sig=DOWNLOADSECRET", argv[1]}};
  ir::HeatParam upload;
  upload.name = "upload_url";
  upload.hidden = true;
  d.params.push_back(upload);
  d.upload = ir::Upload{"upload_url"};
  std::cout << emit::EmitHeat(d).template_yaml;
  return 0;
}
