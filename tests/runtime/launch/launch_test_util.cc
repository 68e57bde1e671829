#include "launch_test_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dml::launch::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "dml-launch-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

Captured SuperviseCaptured(const std::vector<ChildSpec>& children, const TempDir& dir,
                           SupervisorOptions options) {
  std::string out_path = dir.File("captured.out"), err_path = dir.File("captured.err");
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  options.stdout_fd = out_fd;
  options.stderr_fd = err_fd;
  Captured captured;
  captured.result = Supervise(children, options);
  close(out_fd);
  close(err_fd);
  captured.out = ReadFile(out_path);
  captured.err = ReadFile(err_path);
  return captured;
}

int RunCommand(const std::vector<std::string>& argv, const TempDir& dir, std::string* output,
               const std::string& working_dir) {
  ChildSpec child;
  child.name = argv[0];
  child.argv = argv;
  child.working_dir = working_dir;
  Captured captured = SuperviseCaptured({child}, dir);
  if (output != nullptr) *output = captured.out + captured.err;
  const ChildOutcome& outcome = captured.result.children.at(0);
  return outcome.exited ? outcome.exit_code : -1;
}

}  // namespace dml::launch::testing
