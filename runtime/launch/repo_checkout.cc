#include "runtime/launch/repo_checkout.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "runtime/launch/supervisor.h"

namespace dml::launch {
namespace {

namespace fs = std::filesystem;

constexpr char kMarker[] = "dml-checkout";  // inside .git, so the work tree stays clean
constexpr char kRequirementsFile[] = "requirements.txt";

constexpr bool kQuiet = true;

// Runs one set-up step to completion with its output on our stderr (or
// nowhere, for a probe whose failure we explain ourselves).
std::optional<base::Error> RunStep(const std::string& what, std::vector<std::string> argv, bool quiet = false) {
  ChildSpec step;
  step.name = argv[0];
  step.argv = std::move(argv);
  // A private repo must fail, not wait for a password nobody will type.
  step.env = {{"GIT_TERMINAL_PROMPT", "0"}};
  step.stdout_prefix = step.stderr_prefix = "[setup] ";
  SupervisorOptions options;
  options.stdout_fd = STDERR_FILENO;
  int null_fd = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
  if (null_fd >= 0) options.stdout_fd = options.stderr_fd = null_fd;
  SupervisorResult result = Supervise({step}, options);
  if (null_fd >= 0) close(null_fd);
  if (result.ok) return std::nullopt;
  return base::Error(what + " failed").CausedBy(result.error.value_or(base::Error("")));
}

// A venv for requirements.txt, with the requirements installed into it.
std::optional<base::Error> MakeVenv(const plan::CommandSpec& command, const fs::path& dir,
                                    const fs::path& requirements, CheckoutResult* result) {
  const fs::path venv = dir / kVenvDir;
  // Keep the user's `git status` clean.
  std::ofstream(dir / ".git" / "info" / "exclude", std::ios::app) << "/" << kVenvDir << "/\n";
  // Debian splits ensurepip (which `python3 -m venv` needs) into python3-venv.
  if (RunStep("probe", {command.python, "-c", "import ensurepip, venv"}, kQuiet)) {
    return base::Error(fmt::format(
        "{} needs a virtual environment (Debian's python refuses pip installs into the system), "
        "but {} cannot create one: install Debian's python3-venv package "
        "(apt-get install python3-venv)",
        requirements.string(), command.python));
  }
  // --system-site-packages: Debian's python3-torch and friends stay visible.
  std::optional<base::Error> error =
      RunStep(fmt::format("creating a virtual environment in {}", venv.string()),
              {command.python, "-m", "venv", "--system-site-packages", venv.string()});
  if (error) return error;
  const std::string python = (venv / "bin" / "python").string();
  error = RunStep(fmt::format("installing {}", requirements.string()),
                  {python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r",
                   requirements.string()});
  if (error) return error;
  result->python = python;
  result->venv_dir = venv.string();
  return std::nullopt;
}

std::optional<base::Error> PrepareFolder(const fs::path& dir) {
  std::error_code error;
  if (!fs::exists(dir, error)) {
    fs::create_directories(dir.parent_path(), error);
    if (!error) return std::nullopt;
    return base::Error(fmt::format("cannot create {}: {}", dir.parent_path().string(), error.message()));
  }
  if (!fs::exists(dir / ".git" / kMarker, error)) {
    return base::Error(fmt::format("{} exists and was not created by dmlrun; remove it or pass another "
                                   "--workdir",
                                   dir.string()));
  }
  fs::remove_all(dir, error);
  if (!error) return std::nullopt;
  return base::Error(fmt::format("cannot remove the previous checkout {}: {}", dir.string(), error.message()));
}

}  // namespace

CheckoutResult CheckoutRepo(const plan::CommandSpec& command, const CheckoutOptions& options) {
  // The plan's reader refused any repo, ref or path that breaks its rule
  // (plan/field_rules.h): none starts with '-', none leaves the checkout.
  CheckoutResult result;
  std::error_code error;
  fs::path dir = fs::absolute(fs::path(options.workdir) / options.name, error);
  if (error) {
    result.error = base::Error(fmt::format("bad --workdir {}: {}", options.workdir, error.message()));
    return result;
  }
  if (result.error = PrepareFolder(dir); !result.ok()) return result;

  // "--" ends git's options: a repo value can never be read as a flag.
  result.error = RunStep(fmt::format("git clone of {}", command.repo),
                         {"git", "clone", "--quiet", "--", command.repo, dir.string()});
  if (!result.ok()) return result;
  std::ofstream(dir / ".git" / kMarker) << "created by dmlrun; replaced on the next run\n";
  if (!command.ref.empty()) {
    result.error = RunStep(fmt::format("git checkout of ref {}", command.ref),
                           {"git", "-C", dir.string(), "-c", "advice.detachedHead=false",
                            "checkout", "--quiet", command.ref, "--"});
    if (!result.ok()) return result;
  }
  fs::path requirements = dir / command.requirements_dir / kRequirementsFile;
  result.python = command.python;
  if (fs::is_regular_file(requirements, error)) {
    result.error = MakeVenv(command, dir, requirements, &result);
    if (!result.ok()) return result;
  }
  result.repo_dir = dir.string();
  return result;
}

}  // namespace dml::launch
