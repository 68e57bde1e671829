#include "compiler/emit/boot_install.h"

#include <cmath>
#include <string_view>

#include "compiler/emit/shell_quote.h"
#include "runtime/plan/plan.h"

namespace dml::emit {
namespace {

// What the master installs to build the dmlrun package from git (the
// runtime alone: no ANTLR, which only dmlc needs). dpkg-dev and file let
// CPack compute the package's Depends from the libraries dmlrun links.
constexpr std::string_view kBuildPackages =
    "libyaml-cpp-dev libfmt-dev libtorch-dev libgloo-dev libcli11-dev nlohmann-json3-dev "
    "zlib1g-dev git ca-certificates cmake make g++ dpkg-dev file";

// Debian packages that install a dataset, by the directory they put it in.
struct DatasetPackage {
  std::string_view dir;
  std::string_view package;
};
constexpr DatasetPackage kDatasetPackages[] = {
    {"/usr/share/datasets/fashion-mnist", "dataset-fashion-mnist"},
};

// libtorch calls whatever libblas.so.3 is selected: OpenBLAS is ~20x faster
// than the reference BLAS on the job's matrix products.
constexpr std::string_view kTrainPackages = "libopenblas0-openmp";
// A command job clones the user's repository and installs its requirements
// into a venv (Debian's system Python refuses pip installs).
constexpr std::string_view kCommandPackages = "git ca-certificates python3-venv python3-pip";

std::string Assign(std::string_view name, std::string_view value) {
  return "  " + std::string(name) + "=" + std::string(value) + "\n";
}

long CeilSeconds(double seconds) { return std::lround(std::ceil(seconds)); }

// The master: serves an (at first empty) directory from the start, so that a
// worker can tell "the master is up and still preparing the package" (404)
// from "no master" (no answer). The server lives as long as this script:
// the master's dmlrun waits at rendezvous until every worker's dmlrun,
// installed from this package, has joined, so every worker has its copy
// before the script (and with it the server) ends.
constexpr std::string_view kStartServing = R"bash(
dml_step 'starting to serve files to the workers'
DML_SERVE_DIR=/var/cache/dml/serve
rm -rf "$DML_SERVE_DIR"
mkdir -p "$DML_SERVE_DIR"
python3 -m http.server --bind "$DML_MASTER_ADDR" --directory "$DML_SERVE_DIR" \
  "$DML_RUNTIME_PORT" >"$DML_LOG_DIR/serve.log" 2>&1 &
DML_SERVE_PID=$!
dml_stop_when_gone() {  # WATCHED_PID PID_TO_STOP
  while kill -0 "$1" 2>/dev/null; do sleep 2; done
  kill "$2" 2>/dev/null || true
}
dml_stop_when_gone "$$" "$DML_SERVE_PID" >/dev/null 2>&1 &
sleep 1
if ! kill -0 "$DML_SERVE_PID" 2>/dev/null; then
  dml_log_tail "$DML_LOG_DIR/serve.log" >&2
  DML_FAILED_COMMAND="python3 -m http.server on $DML_MASTER_ADDR:$DML_RUNTIME_PORT stopped at once"
  exit 1
fi
)bash";

constexpr std::string_view kBuildFromGit = R"bash(
dml_step 'installing the packages dmlrun is built from'
DML_DEB=/var/cache/dml/dml-runtime.deb
dml_apt update
dml_apt install --no-install-recommends @BUILD_PACKAGES@

dml_step 'fetching the dml source'
DML_SRC=/opt/dml/src
rm -rf "$DML_SRC"
mkdir -p "$DML_SRC"
if [[ $DML_RUNTIME_REF =~ ^[0-9a-f]{40}$ ]]; then
  # A commit id: clone --branch takes only branches and tags.
  git -C "$DML_SRC" init -q
  git -C "$DML_SRC" fetch -q --depth 1 -- "$DML_RUNTIME_URL" "$DML_RUNTIME_REF"
  git -C "$DML_SRC" checkout -q FETCH_HEAD
elif [[ -n $DML_RUNTIME_REF ]]; then
  git clone -q --depth 1 --branch="$DML_RUNTIME_REF" -- "$DML_RUNTIME_URL" "$DML_SRC"
else
  git clone -q --depth 1 -- "$DML_RUNTIME_URL" "$DML_SRC"
fi

dml_step 'building the dml runtime package'
bash "$DML_SRC/scripts/package.sh" --runtime-only --build-dir "$DML_SRC/build" \
  --out /var/cache/dml/built
DML_BUILT=$(find /var/cache/dml/built -maxdepth 1 -type f -name 'dmlrun_*.deb' -print -quit)
if [[ -z $DML_BUILT ]]; then
  DML_FAILED_COMMAND="scripts/package.sh of $DML_RUNTIME_URL made no dmlrun package"
  exit 1
fi
mv -f "$DML_BUILT" "$DML_DEB"
DML_RUNTIME_SHA256=$(sha256sum "$DML_DEB" | cut -d ' ' -f 1)
)bash";

constexpr std::string_view kDownloadDeb = R"bash(
dml_step 'downloading the dml runtime package'
DML_DEB=/var/cache/dml/dml-runtime.deb
dml_apt update
dml_apt install --no-install-recommends ca-certificates curl
curl --fail --silent --show-error --location --retry 5 --retry-connrefused \
  --output "$DML_DEB" --url "$DML_RUNTIME_URL"

dml_step 'checking the sha256 of the dml runtime package'
printf '%s  %s\n' "$DML_RUNTIME_SHA256" "$DML_DEB" | sha256sum --check --strict -
)bash";

// The package first, then its digest (renamed into place): a worker that
// finds the digest finds the whole package.
constexpr std::string_view kServe = R"bash(
dml_step 'serving the dml runtime package to the workers'
cp "$DML_DEB" "$DML_SERVE_DIR/dml-runtime.deb"
printf '%s  dml-runtime.deb\n' "$DML_RUNTIME_SHA256" >"$DML_SERVE_DIR/.sha256.tmp"
mv -f "$DML_SERVE_DIR/.sha256.tmp" "$DML_SERVE_DIR/dml-runtime.deb.sha256"

dml_step 'installing the dml runtime package'
dml_apt install --no-install-recommends "$DML_DEB" @JOB_PACKAGES@
)bash";

// A worker updates its package lists while the master prepares the package,
// then polls the master. It gives up when the master has not answered for
// the rendezvous timeout (it never came up, or its boot failed and it
// powered off), or when the package is not ready within the job's timeout.
constexpr std::string_view kUpdateLists = R"bash(
dml_step 'updating the package lists'
dml_apt update
)bash";

// How a worker fetches what the master serves (the runtime package, the
// job's downloads). dml_wait_for_master gives up when the master has not
// answered for the rendezvous timeout (it never came up, or its boot failed
// and it powered off), or when the file is not there within the job's timeout.
constexpr std::string_view kMasterFetch = R"bash(
mkdir -p /var/cache/dml
DML_FROM_MASTER="http://$DML_MASTER_ADDR:$DML_RUNTIME_PORT"
dml_fetch_from_master() {  # NAME OUTPUT; returns 0: fetched, 1: not there yet, 2: no answer
  local status=0
  curl --fail --silent --show-error --noproxy '*' --connect-timeout 10 --max-time 600 \
    --output "$2" --url "$DML_FROM_MASTER/$1" 2>/dev/null || status=$?
  if ((status == 0)); then return 0; fi
  if ((status == 22)); then return 1; fi
  return 2
}
dml_wait_for_master() {  # NAME OUTPUT WHAT: polls until the master serves NAME
  local status start=$SECONDS last=$SECONDS
  while :; do
    status=0
    dml_fetch_from_master "$1" "$2" || status=$?
    if ((status == 0)); then return 0; fi
    if ((status == 1)); then last=$SECONDS; fi
    if ((SECONDS - last >= DML_RENDEZVOUS_TIMEOUT_S)); then
      DML_FAILED_COMMAND="no answer from the master at $DML_FROM_MASTER for $DML_RENDEZVOUS_TIMEOUT_S s (the rendezvous timeout)"
      echo "dml: $DML_FAILED_COMMAND" >&2
      exit 1
    fi
    if ((SECONDS - start >= DML_JOB_TIMEOUT_S)); then
      DML_FAILED_COMMAND="the master at $DML_FROM_MASTER had no $3 within the job's $DML_JOB_TIMEOUT_S s"
      echo "dml: $DML_FAILED_COMMAND" >&2
      exit 1
    fi
    sleep "$DML_FETCH_POLL_S"
  done
}
)bash";

// A worker updates its package lists while the master prepares the package,
// then waits for the package's digest (the master writes it last).
constexpr std::string_view kFetchRuntime = R"bash(
dml_step 'fetching the dml runtime package from the master'
DML_DEB=/var/cache/dml/dml-runtime.deb
dml_wait_for_master dml-runtime.deb.sha256 "$DML_DEB.sha256" package
read -r DML_MASTER_SHA256 _ <"$DML_DEB.sha256"
if [[ ! $DML_MASTER_SHA256 =~ ^[0-9a-f]{64}$ ]]; then
  DML_FAILED_COMMAND="the master's dml-runtime.deb.sha256 holds no sha256"
  exit 1
fi
curl --fail --silent --show-error --noproxy '*' --retry 5 --retry-connrefused --max-time 600 \
  --output "$DML_DEB" --url "$DML_FROM_MASTER/dml-runtime.deb"

dml_step 'checking the sha256 of the dml runtime package'
printf '%s  %s\n' "${DML_RUNTIME_SHA256:-$DML_MASTER_SHA256}" "$DML_DEB" | sha256sum --check --strict -

dml_step 'installing the dml runtime package'
dml_apt install --no-install-recommends "$DML_DEB" @JOB_PACKAGES@
)bash";

// The image's dmlrun must read the plan's version (`dmlrun version --json`);
// the job's packages are installed only if the image lacks some.
constexpr std::string_view kCheckPreinstalled = R"bash(
dml_step 'checking the preinstalled dmlrun'
if ! DML_DMLRUN=$(command -v dmlrun); then
  DML_FAILED_COMMAND="no dmlrun on PATH ($PATH): source = preinstalled needs an image with dmlrun"
  exit 1
fi
if ! DML_READS=$(dmlrun version --json | python3 -c '
import json, sys
print(" ".join(str(v) for v in json.load(sys.stdin)["plan_versions"]))'); then
  DML_FAILED_COMMAND="$DML_DMLRUN does not say which plan versions it reads (older than dml 0.1.0?)"
  exit 1
fi
if [[ " $DML_READS " != *" $DML_PLAN_VERSION "* ]]; then
  DML_FAILED_COMMAND="$DML_DMLRUN reads plan version(s) $DML_READS, not this plan's version $DML_PLAN_VERSION: rebuild the image with a matching dmlrun"
  echo "dml: $DML_FAILED_COMMAND" >&2
  exit 1
fi
echo "dml: $DML_DMLRUN reads plan version(s) $DML_READS"

dml_step 'installing the packages the job needs'
DML_MISSING=()
for DML_PACKAGE in @JOB_PACKAGES@; do
  # shellcheck disable=SC2016
  if ! dpkg-query -W -f '${Status}' "$DML_PACKAGE" 2>/dev/null | grep -q 'install ok installed'; then
    DML_MISSING+=("$DML_PACKAGE")
  fi
done
if ((${#DML_MISSING[@]} > 0)); then
  echo "dml: the image lacks ${DML_MISSING[*]}"
  dml_apt update
  dml_apt install --no-install-recommends "${DML_MISSING[@]}"
fi
)bash";

// Seconds between a worker's polls of the master.
constexpr int kFetchPollS = 2;

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

bool ServesFiles(const ir::Deployment& deployment) {
  const bool downloads = deployment.plan.train && !deployment.plan.train->downloads.empty();
  return deployment.runtime.kind != ir::RuntimeSource::Kind::kPreinstalled || downloads;
}

int RuntimeServePort(const ir::Deployment& deployment) {
  return deployment.plan.cluster.port == kRuntimeServePort ? kRuntimeServePort + 1
                                                           : kRuntimeServePort;
}

std::string JobPackages(const ir::Deployment& deployment) {
  std::string packages;
  if (deployment.plan.train) {
    packages = kTrainPackages;
    for (const DatasetPackage& known : kDatasetPackages) {
      if (deployment.plan.train->dataset.dir == known.dir) {
        packages += " " + std::string(known.package);
      }
    }
  } else {
    packages = kCommandPackages;
  }
  return packages;
}

std::string InstallAssignments(const ir::Deployment& deployment, bool master) {
  const ir::RuntimeSource& runtime = deployment.runtime;
  using Kind = ir::RuntimeSource::Kind;
  std::string out;
  if (runtime.kind == Kind::kPreinstalled) {
    out += Assign("DML_PLAN_VERSION", std::to_string(plan::kPlanVersion));
  }
  if (!ServesFiles(deployment)) return out;
  out += Assign("DML_MASTER_ADDR", ShellQuote(deployment.plan.cluster.master_addr));
  out += Assign("DML_RUNTIME_PORT", std::to_string(RuntimeServePort(deployment)));
  if (runtime.kind == Kind::kDeb) {
    out += Assign("DML_RUNTIME_SHA256", ShellQuote(runtime.sha256));
    if (master) out += Assign("DML_RUNTIME_URL", ShellQuote(runtime.url));
  } else if (runtime.kind == Kind::kGit && master) {
    out += Assign("DML_RUNTIME_URL", ShellQuote(runtime.url));
    out += Assign("DML_RUNTIME_REF", ShellQuote(runtime.ref));
  }
  if (!master) {
    out += Assign("DML_RENDEZVOUS_TIMEOUT_S",
                  std::to_string(CeilSeconds(deployment.plan.timeouts.rendezvous_s)));
    out += Assign("DML_FETCH_POLL_S", std::to_string(kFetchPollS));
  }
  return out;
}

std::string InstallSection(const ir::Deployment& deployment, bool master) {
  using Kind = ir::RuntimeSource::Kind;
  const Kind kind = deployment.runtime.kind;
  const bool serves = ServesFiles(deployment);
  std::string out;
  if (master && serves) out += kStartServing;
  if (!master && serves) out += kMasterFetch;
  if (kind == Kind::kPreinstalled) {
    out += kCheckPreinstalled;
  } else if (master) {
    out += std::string(kind == Kind::kGit ? kBuildFromGit : kDownloadDeb) + std::string(kServe);
  } else {
    out += std::string(kUpdateLists) + std::string(kFetchRuntime);
  }
  ReplaceAll(out, "@BUILD_PACKAGES@", kBuildPackages);
  ReplaceAll(out, "@JOB_PACKAGES@", JobPackages(deployment));
  return out;
}

}  // namespace dml::emit
