#include "runtime/launch/child_process.h"

#include <sched.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include <fmt/format.h>

extern char** environ;

namespace dml::launch {
namespace {

constexpr int kExecFailedStatus = 127;  // what shells use for "cannot run"

bool IsExecutableFile(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::vector<std::string> MergedEnvironment(const ChildSpec& spec) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : spec.env) merged[name] = value;
  std::vector<std::string> result;
  result.reserve(merged.size());
  for (const auto& [name, value] : merged) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

void ClosePair(int fds[2]) {
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 0) close(fds[i]);
  }
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void ExecInChild(const char* path, char* const* argv, char* const* envp,
                              const char* working_dir, int out_fd, int err_fd, int report_fd,
                              pid_t supervisor, const cpu_set_t* cpus) {
  setpgid(0, 0);
  // A pinning the kernel refuses (a CPU gone offline) is only a lost
  // optimisation: the child runs unpinned.
  if (cpus != nullptr) (void)sched_setaffinity(0, sizeof *cpus, cpus);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The supervisor may have died between fork and prctl.
  if (getppid() != supervisor) _exit(kExecFailedStatus);
  // Handlers were reset by exec anyway; a blocked mask would be inherited.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0 ||
      (working_dir[0] != '\0' && chdir(working_dir) != 0)) {
    int error = errno;
    (void)!write(report_fd, &error, sizeof error);
    _exit(kExecFailedStatus);
  }
  execve(path, argv, envp);
  int error = errno;
  (void)!write(report_fd, &error, sizeof error);
  _exit(kExecFailedStatus);
}

}  // namespace

std::string ResolveExecutable(const std::string& program) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return IsExecutableFile(program) ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
    begin = end + 1;
  }
  return "";
}

SpawnedChild SpawnChild(const ChildSpec& spec) {
  SpawnedChild child;
  if (spec.argv.empty()) {
    child.error = base::Error(fmt::format("cannot start {}: empty command", spec.name));
    return child;
  }
  std::string path = ResolveExecutable(spec.argv[0]);
  if (path.empty()) {
    child.error = base::Error(fmt::format("cannot start {}: '{}' is not an executable file or on PATH",
                              spec.name, spec.argv[0]));
    return child;
  }
  // Everything the child needs is built before fork: no allocation after it.
  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = MergedEnvironment(spec);
  std::vector<char*> argv = Pointers(argv_strings);
  std::vector<char*> envp = Pointers(env_strings);
  cpu_set_t cpu_set;
  CPU_ZERO(&cpu_set);
  for (int cpu : spec.cpus) {
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &cpu_set);
  }
  const cpu_set_t* cpus = CPU_COUNT(&cpu_set) > 0 ? &cpu_set : nullptr;

  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
    child.error = base::Error(fmt::format("cannot start {}: pipe: {}", spec.name, std::strerror(errno)));
    ClosePair(out), ClosePair(err), ClosePair(report);
    return child;
  }
  pid_t supervisor = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    child.error = base::Error(fmt::format("cannot start {}: fork: {}", spec.name, std::strerror(errno)));
    ClosePair(out), ClosePair(err), ClosePair(report);
    return child;
  }
  if (pid == 0) {
    ExecInChild(path.c_str(), argv.data(), envp.data(), spec.working_dir.c_str(), out[1], err[1],
                report[1], supervisor, cpus);
  }
  // Also from the parent, so that signalling the group cannot race the child.
  setpgid(pid, pid);
  close(out[1]), close(err[1]), close(report[1]);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(report[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    child.error = base::Error(fmt::format("cannot start {} ({}{}): {}", spec.name, spec.argv[0],
                              spec.working_dir.empty() ? "" : " in " + spec.working_dir,
                              std::strerror(exec_errno)));
    close(out[0]), close(err[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return child;
  }
  child.pid = pid;
  child.stdout_fd = out[0];
  child.stderr_fd = err[0];
  return child;
}

}  // namespace dml::launch
