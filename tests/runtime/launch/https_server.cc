#include "https_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "launch_test_util.h"

extern char** environ;

namespace dml::launch::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kServerScript[] = HTTPS_SERVER_SCRIPT;
constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kPoll = std::chrono::milliseconds(20);

// Runs argv with its output into `log`; the exit status, or -1.
int Run(const std::vector<std::string>& argv, const std::string& log, pid_t* background = nullptr) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  if (background != nullptr) {
    *background = pid;
    return 0;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool Executable(const std::string& name) {
  return Run({"sh", "-c", "command -v \"$0\" >/dev/null", name}, "/dev/null") == 0;
}

}  // namespace

HttpsServer::HttpsServer(const std::string& root, const std::string& work) : work_(work) {
  for (const char* tool : {kPython, "openssl", "curl", "sha256sum"}) {
    if (!Executable(tool)) {
      problem_ = std::string(tool) + " is not installed";
      return;
    }
  }
  const std::string cert = work + "/cert.pem", key = work + "/key.pem", log = work + "/server.log";
  if (Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
           "subjectAltName=IP:127.0.0.1"},
          log) != 0) {
    problem_ = "openssl req failed: " + ReadFile(log);
    return;
  }
  const std::string port_file = work + "/port";
  if (Run({kPython, kServerScript, root, cert, key, port_file, work + "/requests.log"}, log, &pid_) != 0) {
    problem_ = "cannot start the server";
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!std::filesystem::exists(port_file)) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;  // reaped: never signal its pid again
    if (pid_ < 0 || std::chrono::steady_clock::now() > deadline) {
      problem_ = "the server did not start: " + ReadFile(log);
      return;
    }
    std::this_thread::sleep_for(kPoll);
  }
  port_ = std::stoi(ReadFile(port_file));
  setenv("CURL_CA_BUNDLE", cert.c_str(), 1);
}

HttpsServer::~HttpsServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unsetenv("CURL_CA_BUNDLE");
}

std::string HttpsServer::Url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

std::string HttpsServer::Requests() const { return ReadFile(work_ + "/requests.log"); }

}  // namespace dml::launch::testing
