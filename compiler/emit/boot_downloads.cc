#include "compiler/emit/boot_downloads.h"

#include <string_view>

namespace dml::emit {
namespace {

// Both kinds of node: the checks of each download's values (a stack
// parameter may hold anything its constraint lets through), the path
// resolved as dmlrun resolves it (absolute, or in the dataset's directory),
// and the sha256 check of a file in place.
constexpr std::string_view kCommon = R"bash(
dml_step 'checking the files the job downloads'
for DML_I in "${!DML_DL_URL[@]}"; do
  if [[ ! ${DML_DL_URL[DML_I]} =~ ^https://[^[:space:][:cntrl:]]+$ ]]; then
    dml_fail "train.downloads[$DML_I].url is not an https URL without spaces or control characters"
  fi
  if [[ ! ${DML_DL_SHA256[DML_I]} =~ ^[0-9a-f]{64}$ ]]; then
    dml_fail "train.downloads[$DML_I].sha256 is not 64 lowercase hexadecimal digits"
  fi
  if [[ -z ${DML_DL_PATH[DML_I]} || ${DML_DL_PATH[DML_I]} == *[[:cntrl:]]* ]]; then
    dml_fail "train.downloads[$DML_I].path is empty or holds a control character"
  fi
  if [[ ${DML_DL_PATH[DML_I]} != /* && -n $DML_DATASET_DIR ]]; then
    DML_DL_PATH[DML_I]=$DML_DATASET_DIR/${DML_DL_PATH[DML_I]}
  fi
done
# sha256sum --check --strict in the file's directory (no name to escape).
dml_has_sha256() {  # FILE DIGEST
  [[ -f $1 ]] || return 1
  (cd -- "$(dirname -- "$1")" &&
    printf '%s  %s\n' "$2" "$(basename -- "$1")" | sha256sum --check --strict --status -)
}
dml_sha256_of() {  # FILE
  local sum
  sum=$(sha256sum <"$1") || return 1
  printf '%s' "${sum%% *}"
}
)bash";

// The master fetches each file into a temporary file beside its place,
// checks it, renames it into place (a file already there with the right
// digest is kept), and serves it as downloads/INDEX, its digest last.
constexpr std::string_view kMaster = R"bash(
dml_step 'fetching the files the job downloads'
if ! command -v curl >/dev/null; then
  dml_apt update
  dml_apt install --no-install-recommends ca-certificates curl
fi
mkdir -p "$DML_SERVE_DIR/downloads"
dml_download() {  # INDEX
  local path=${DML_DL_PATH[$1]} url=${DML_DL_URL[$1]} sha=${DML_DL_SHA256[$1]}
  local shown=${DML_DL_URL[$1]%%[?#]*} what="train.downloads[$1] ($path)" dir tmp err sum
  dir=$(dirname -- "$path")
  mkdir -p -- "$dir"
  if dml_has_sha256 "$path" "$sha"; then
    echo "dml: $what: already there, sha256 OK"
  else
    tmp=$(mktemp -- "$dir/.dml-download.XXXXXX")
    if ! err=$(curl --proto =https --proto-redir =https --location --fail --silent --show-error \
      --retry 5 --retry-connrefused --connect-timeout 30 --speed-limit 1024 --speed-time 120 \
      --output "$tmp" --url "$url" 2>&1); then
      rm -f -- "$tmp"
      dml_fail "$what: fetching $shown failed: $(dml_without_query "$err" "$url")"
    fi
    if ! dml_has_sha256 "$tmp" "$sha"; then
      sum=$(dml_sha256_of "$tmp")
      rm -f -- "$tmp"
      dml_fail "$what: $shown has sha256 $sum, not $sha as the .dml file says"
    fi
    mv -f -- "$tmp" "$path"
    echo "dml: $what: fetched from $shown, sha256 OK"
  fi
  ln -sfn -- "$(realpath -- "$path")" "$DML_SERVE_DIR/downloads/$1"
  printf '%s  %s\n' "$sha" "$1" >"$DML_SERVE_DIR/downloads/.$1.sha256.tmp"
  mv -f "$DML_SERVE_DIR/downloads/.$1.sha256.tmp" "$DML_SERVE_DIR/downloads/$1.sha256"
}
for DML_I in "${!DML_DL_URL[@]}"; do dml_download "$DML_I"; done
)bash";

// A worker waits until the master serves a file (its digest is written
// last), fetches it and checks it against its own plan's digest.
constexpr std::string_view kWorker = R"bash(
dml_step 'fetching the files the job downloads from the master'
dml_download() {  # INDEX
  local path=${DML_DL_PATH[$1]} sha=${DML_DL_SHA256[$1]}
  local what="train.downloads[$1] ($path)" dir tmp sum
  dir=$(dirname -- "$path")
  mkdir -p -- "$dir"
  if dml_has_sha256 "$path" "$sha"; then
    echo "dml: $what: already there, sha256 OK"
    return 0
  fi
  tmp=$(mktemp -- "$dir/.dml-download.XXXXXX")
  dml_wait_for_master "downloads/$1.sha256" "$tmp" "$what"
  if ! dml_fetch_from_master "downloads/$1" "$tmp"; then
    rm -f -- "$tmp"
    dml_fail "$what: could not fetch it from the master at $DML_FROM_MASTER/downloads/$1"
  fi
  if ! dml_has_sha256 "$tmp" "$sha"; then
    sum=$(dml_sha256_of "$tmp")
    rm -f -- "$tmp"
    dml_fail "$what: the master's copy has sha256 $sum, not $sha as the .dml file says"
  fi
  mv -f -- "$tmp" "$path"
  echo "dml: $what: fetched from the master, sha256 OK"
}
for DML_I in "${!DML_DL_URL[@]}"; do dml_download "$DML_I"; done
)bash";

bool HasDownloads(const ir::Deployment& d) { return d.plan.train && !d.plan.train->downloads.empty(); }

}  // namespace

std::string DownloadAssignments(const ir::Deployment& deployment, HeatTextValues& values) {
  if (!HasDownloads(deployment)) return "";
  const plan::TrainSpec& train = *deployment.plan.train;
  std::string paths;
  std::string urls;
  std::string digests;
  for (const plan::Download& download : train.downloads) {
    paths += " " + values.Word(download.path);
    urls += " " + values.Word(download.url);
    digests += " " + values.Word(download.sha256);
  }
  return "DML_DATASET_DIR=" + values.Word(train.dataset.dir) + "\n" +
         "DML_DL_PATH=(" + paths.substr(1) + ")\n" +
         "DML_DL_URL=(" + urls.substr(1) + ")\n" +
         "DML_DL_SHA256=(" + digests.substr(1) + ")\n";
}

std::string DownloadSection(const ir::Deployment& deployment, bool master) {
  if (!HasDownloads(deployment)) return "";
  return std::string(kCommon) + std::string(master ? kMaster : kWorker);
}

}  // namespace dml::emit
