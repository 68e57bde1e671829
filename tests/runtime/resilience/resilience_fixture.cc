#include "tests/runtime/resilience/resilience_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "runtime/dist/port.h"
#include "runtime/plan/plan_yaml.h"

extern char** environ;

namespace dml::resilience {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kImagesMagic = 0x00000803;  // IDX: unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // IDX: unsigned bytes, 1 dimension
constexpr std::chrono::milliseconds kPoll{20};
constexpr int kSignalStatusBase = 128;  // what shells report for a signal

void Put32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void WriteSplit(const std::string& dir, const std::string& prefix, int count) {
  std::string images, labels;
  Put32(images, kImagesMagic);
  for (uint32_t dim : {static_cast<uint32_t>(count), uint32_t{kSide}, uint32_t{kSide}}) Put32(images, dim);
  Put32(labels, kLabelsMagic);
  Put32(labels, static_cast<uint32_t>(count));
  for (int i = 0; i < count; ++i) {
    int label = (i * 7) % kClasses;
    labels.push_back(static_cast<char>(label));
    for (int pixel = 0; pixel < kSide * kSide; ++pixel) {
      // Row `label` lit, plus a little per-sample texture so batches differ.
      bool lit = pixel / kSide == label || (pixel + i) % 97 == 0;
      images.push_back(static_cast<char>(lit ? 255 : 0));
    }
  }
  std::ofstream(dir + "/" + prefix + "-images", std::ios::binary) << images;
  std::ofstream(dir + "/" + prefix + "-labels", std::ios::binary) << labels;
}

std::string ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// /proc/<pid>/cmdline with NULs as spaces.
std::string CommandLine(pid_t pid) {
  std::string text = ReadAll("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) c = c == '\0' ? ' ' : c;
  return text;
}

// Field 4 of /proc/<pid>/stat, after the parenthesised name.
pid_t ParentOf(pid_t pid) {
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  pid_t parent = -1;
  rest >> state >> parent;
  return parent;
}

// State letter of /proc/<pid>/stat: 'Z' for a zombie.
char StateOf(pid_t pid) {
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return pids;
}

}  // namespace

void WriteTinyDataset(const std::string& dir, int train_size, int test_size) {
  WriteSplit(dir, "train", train_size);
  WriteSplit(dir, "test", test_size);
}

plan::Plan LoopbackPlan(const std::string& data_dir, int master_procs, int worker_procs) {
  plan::Plan plan;
  plan.job = "resil";
  plan.kind = plan::JobKind::kTrain;
  plan.cluster.subnet = "127.0.0.0/8";
  plan.cluster.master_addr = "127.0.0.1";
  plan.cluster.port = dist::PickFreePort();
  plan.cluster.groups = {{"master", 1, master_procs, ""}};
  if (worker_procs > 0) plan.cluster.groups.push_back({"workers", 1, worker_procs, ""});
  plan.timeouts.rendezvous_s = 30;
  plan::TrainSpec train;
  train.dataset = plan::IdxFiles("tiny", data_dir, "train-images", "train-labels", "test-images", "test-labels", 0, 0);
  train.model.layers = {kSide * kSide, 16, kClasses};
  train.batch_per_rank = 16;
  train.epochs = 3;
  train.seed = 11;
  train.threads_per_rank = 1;
  plan.train = train;
  return plan;
}

std::string WritePlan(const std::string& dir, const plan::Plan& plan) {
  std::string path = dir + "/" + plan.job + ".plan.yaml";
  std::ofstream(path) << plan::SerializePlan(plan);
  return path;
}

Process::Process(const std::vector<std::string>& argv, const std::string& log_path,
                 const std::vector<std::pair<std::string, std::string>>& env)
    : log_path_(log_path) {
  // Everything is built before fork: the child only execs.
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : env) merged[name] = value;
  std::vector<std::string> env_strings, argv_strings = argv;
  for (const auto& [name, value] : merged) env_strings.push_back(name + "=" + value);
  std::vector<char*> argv_ptrs, env_ptrs;
  for (std::string& s : argv_strings) argv_ptrs.push_back(s.data());
  for (std::string& s : env_strings) env_ptrs.push_back(s.data());
  argv_ptrs.push_back(nullptr);
  env_ptrs.push_back(nullptr);
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
  close(log);
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Process::Log() const { return ReadAll(log_path_); }

bool Process::WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (Log().find(text) != std::string::npos) return true;
    if (Wait(std::chrono::milliseconds(0))) return Log().find(text) != std::string::npos;
    std::this_thread::sleep_for(kPoll);
  }
  return false;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!status_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : kSignalStatusBase + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPoll);
  }
  return status_;
}

void Process::Signal(int signal) const { kill(pid_, signal); }

std::optional<pid_t> RankPid(pid_t supervisor, int local_rank) {
  const std::string wanted = "--local-rank " + std::to_string(local_rank) + " ";
  for (pid_t pid : AllPids()) {
    if (ParentOf(pid) != supervisor) continue;
    std::string command = CommandLine(pid) + " ";
    if (command.find(" rank ") != std::string::npos && command.find(wanted) != std::string::npos) return pid;
  }
  return std::nullopt;
}

std::vector<pid_t> ProcessesMentioning(const std::string& text) {
  std::vector<pid_t> found;
  for (pid_t pid : AllPids()) {
    if (pid == getpid() || StateOf(pid) == 'Z') continue;
    if (CommandLine(pid).find(text) != std::string::npos) found.push_back(pid);
  }
  return found;
}

}  // namespace dml::resilience
