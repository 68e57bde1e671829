#include "compiler/emit/boot_upload.h"

#include <string_view>

#include "compiler/emit/shell_quote.h"
#include "runtime/plan/field_rules.h"

namespace dml::emit {
namespace {

// Fails the master before anything is installed when the parameter holds
// no https URL (its Heat constraint says the same; this holds without it).
constexpr std::string_view kCheckUrl = R"bash(
dml_step 'checking the upload URL'
if [[ ! $DML_UPLOAD_URL =~ $DML_UPLOAD_URL_RE ]]; then
  dml_fail "the upload URL (stack parameter $DML_UPLOAD_PARAM) is not an https URL of the characters a presigned URL holds"
fi
echo "dml: the output will be uploaded to ${DML_UPLOAD_URL%%[?#]*}"

# Archives the output directory and PUTs it to the URL: sets DML_UPLOADED
# (what the success signal's data starts with), or DML_UPLOAD_ERROR and
# returns 1. The archive's entries are under "<job>-output/".
dml_upload() {
  local archive=/var/cache/dml/upload/$DML_UPLOAD_NAME err size sum
  dml_step 'uploading the output directory'
  if [[ ! -d $DML_OUTPUT_DIR ]]; then
    DML_UPLOAD_ERROR="dmlrun left no output directory $DML_OUTPUT_DIR"
    return 1
  fi
  mkdir -p /var/cache/dml/upload
  if ! err=$(tar --create --gzip --file "$archive" --directory "$DML_OUTPUT_DIR" \
    --transform "s,^\.,${DML_UPLOAD_NAME%.tar.gz}," . 2>&1); then
    DML_UPLOAD_ERROR="tar could not archive $DML_OUTPUT_DIR: ${err//$'\n'/ }"
    return 1
  fi
  size=$(stat -c %s -- "$archive")
  sum=$(sha256sum <"$archive")
  if ! err=$(curl --proto =https --fail --silent --show-error --retry 3 --retry-connrefused \
    --connect-timeout 30 --speed-limit 1024 --speed-time 120 \
    --upload-file "$archive" --url "$DML_UPLOAD_URL" 2>&1 >/dev/null); then
    DML_UPLOAD_ERROR="uploading $DML_UPLOAD_NAME to ${DML_UPLOAD_URL%%[?#]*} failed: $(dml_without_query "$err" "$DML_UPLOAD_URL")"
    return 1
  fi
  DML_UPLOADED="@UPLOADED@$DML_UPLOAD_NAME ($size bytes, sha256 ${sum%% *})"
  echo "dml: $DML_UPLOADED to ${DML_UPLOAD_URL%%[?#]*}"
}
)bash";

constexpr std::string_view kSuccess = R"bash(
  dml_signal SUCCESS "node $NODE_RANK ($DML_GROUP): job $DML_JOB finished" "$DML_TAIL")bash";

constexpr std::string_view kUploadThenSuccess = R"bash(
  if dml_upload; then
    dml_signal SUCCESS "node $NODE_RANK ($DML_GROUP): job $DML_JOB finished; $DML_UPLOADED" \
      "$DML_TAIL" "$DML_UPLOADED"
  else
    DML_STATUS=1
    dml_signal FAILURE \
      "node $NODE_RANK ($DML_GROUP): job $DML_JOB finished, but its output was not uploaded: $DML_UPLOAD_ERROR" \
      "$DML_TAIL"
  fi)bash";

bool Uploads(const ir::Deployment& d, bool master) { return master && d.upload && !d.upload->param.empty(); }

std::string Assign(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + std::string(value) + "\n";
}

}  // namespace

std::string UploadArchiveName(const ir::Deployment& deployment) {
  const bool plain = !deployment.name.empty() && !plan::CheckName(deployment.name);
  return (plain ? deployment.name : std::string("job")) + "-output.tar.gz";
}

std::string UploadAssignments(const ir::Deployment& deployment, bool master, HeatTextValues& values) {
  if (!Uploads(deployment, master)) return "";
  return Assign("DML_UPLOAD_PARAM", ShellQuote(deployment.upload->param)) +
         Assign("DML_UPLOAD_URL", values.Param(deployment.upload->param)) +
         Assign("DML_UPLOAD_URL_RE", ShellQuote("^" + std::string(kUploadUrlPattern) + "$")) +
         Assign("DML_UPLOAD_NAME", ShellQuote(UploadArchiveName(deployment)));
}

std::string UploadSection(const ir::Deployment& deployment, bool master) {
  if (!Uploads(deployment, master)) return "";
  std::string out(kCheckUrl);
  out.replace(out.find("@UPLOADED@"), std::string_view("@UPLOADED@").size(), kUploadedPrefix);
  return out;
}

std::string SuccessSignal(const ir::Deployment& deployment, bool master) {
  return std::string(Uploads(deployment, master) ? kUploadThenSuccess : kSuccess);
}

}  // namespace dml::emit
