#include "runtime/launch/downloads.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "runtime/launch/supervisor.h"
#include "runtime/plan/field_rules.h"

namespace dml::launch {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSchemeEnd = "://";
constexpr size_t kSha256HexDigits = 64;
// curl's own limits: a dead server must not hold the job for ever, and a
// passing network hiccup should not fail it.
constexpr char kConnectTimeoutS[] = "30";
constexpr char kRetries[] = "3";
constexpr mode_t kFileMode = 0666;  // before the umask
// How much of a failing program's stderr an error quotes.
constexpr size_t kMaxReasonChars = 400;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using TempStream = std::unique_ptr<std::FILE, FileCloser>;

// Removes a path at scope exit unless released.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

std::string ReadAll(std::FILE* file) {
  std::string text;
  std::rewind(file);
  char buffer[4096];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  return text;
}

struct Ran {
  bool ok = false;
  std::string out;
  std::string err;
  std::optional<base::Error> error;  // why it failed, when it did
};

// Runs `argv` to completion (no shell) with its output captured.
Ran RunCaptured(std::vector<std::string> argv) {
  Ran ran;
  TempStream out(std::tmpfile()), err(std::tmpfile());
  if (!out || !err) {
    ran.error = base::Error("cannot create a temporary file for a program's output");
    return ran;
  }
  // The program writes through the supervisor, never to these itself.
  fcntl(fileno(out.get()), F_SETFD, FD_CLOEXEC);
  fcntl(fileno(err.get()), F_SETFD, FD_CLOEXEC);
  ChildSpec child;
  child.name = argv[0];
  child.argv = std::move(argv);
  SupervisorOptions options;
  options.stdout_fd = fileno(out.get());
  options.stderr_fd = fileno(err.get());
  SupervisorResult result = Supervise({child}, options);
  ran.ok = result.ok;
  ran.error = result.error;
  ran.out = ReadAll(out.get());
  ran.err = ReadAll(err.get());
  return ran;
}

// Why a program failed, in one line: its last line that names an error
// ("curl: (22) ..."; curl repeats it once per retry and may add hints
// after it), else its last line; any secret part of the URL replaced.
std::string Reason(const std::string& text, std::string_view url) {
  std::string line, last, last_error;
  std::istringstream lines(text);
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    last = line;
    if (line.find(": (") != std::string::npos) last_error = line;
  }
  std::string reason = last_error.empty() ? last : last_error;
  const size_t query = url.find_first_of("?#");
  if (query != std::string_view::npos && query + 1 < url.size()) {
    const std::string secret(url.substr(query + 1));
    for (size_t at = reason.find(secret); at != std::string::npos; at = reason.find(secret, at)) {
      reason.replace(at, secret.size(), "[redacted]");
    }
  }
  if (reason.size() > kMaxReasonChars) reason = reason.substr(0, kMaxReasonChars) + "...";
  return reason;
}

// A value for curl's config file: quoted, with its escapes.
std::string CurlQuoted(std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

base::Result<std::string> Sha256Of(const std::string& path, const FetchOptions& options) {
  Ran ran = RunCaptured({options.sha256sum, "--", path});
  if (!ran.ok) {
    std::string why = Reason(ran.err, "");
    if (why.empty()) why = ran.error ? ran.error->Render() : "failed";
    return base::Error(fmt::format("cannot compute the sha256 of {}: {}", path, why));
  }
  // sha256sum puts a '\' first when it escapes an unusual file name.
  std::string_view digest = ran.out;
  if (!digest.empty() && digest.front() == '\\') digest.remove_prefix(1);
  digest = digest.substr(0, kSha256HexDigits);
  if (plan::CheckSha256(digest)) {
    return base::Error(fmt::format("cannot compute the sha256 of {}: {} printed no digest", path,
                                   options.sha256sum));
  }
  return std::string(digest);
}

struct Place {
  const FetchOptions& options;
  std::string field;  // "train.downloads[2]"
  base::Error At(const std::string& leaf, std::string message) const {
    return base::Error::InPlan(options.plan_file, field + "." + leaf, std::move(message));
  }
};

// curl --config: the URL stays off the command line, where any user of the
// machine could read it (ps).
base::Result<std::string> WriteCurlConfig(const std::string& url, const std::string& output) {
  std::string path = (fs::temp_directory_path() / "dmlrun-curl-XXXXXX").string();
  int fd = mkstemp(path.data());  // mode 0600
  if (fd < 0) return base::Error("cannot create a temporary file for curl's configuration");
  close(fd);
  std::ofstream config(path, std::ios::trunc);
  config << "url = " << CurlQuoted(url) << "\noutput = " << CurlQuoted(output) << "\n";
  config.close();
  if (!config) {
    unlink(path.c_str());
    return base::Error("cannot write curl's configuration");
  }
  return path;
}

// Fetches `download` into a temporary file beside `path`, checks it, and
// renames it to `path`.
std::optional<base::Error> Fetch(const plan::Download& download, const std::string& path, const Place& place,
                                 std::ostream& out) {
  const std::string shown = UrlForDisplay(download.url);
  // The plan's reader refused any other URL; this step never relies on that.
  if (plan::RuleResult problem = plan::CheckDownloadUrl(download.url)) {
    return place.At("url", fmt::format("{} {}", plan::QuoteForMessage(shown), *problem));
  }
  std::error_code error;
  const fs::path target(path);
  if (!target.parent_path().empty()) fs::create_directories(target.parent_path(), error);
  if (error) {
    return place.At("path", fmt::format("cannot create the folder of {}: {}", path, error.message()));
  }
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".dmlrun-part-XXXXXX")).string();
  int fd = mkstemp(temp.data());
  if (fd < 0) return place.At("path", fmt::format("cannot create a temporary file beside {}", path));
  close(fd);
  RemoveOnExit remove_temp(temp);
  auto config = WriteCurlConfig(download.url, temp);
  if (!config) return place.At("url", config.error()->message());
  RemoveOnExit remove_config(*config);

  out << fmt::format("dmlrun: fetching {} -> {}\n", shown, path) << std::flush;
  // --disable (first): no ~/.curlrc; https only, also where a redirect leads.
  Ran ran = RunCaptured({place.options.curl, "--disable", "--proto", "=https",
                         "--proto-redir", "=https", "--fail", "--location", "--silent", "--show-error",
                         "--connect-timeout", kConnectTimeoutS, "--retry", kRetries, "--config", *config});
  if (!ran.ok) {
    std::string why = Reason(ran.err, download.url);
    if (why.empty()) why = ran.error ? ran.error->Render() : "curl failed";
    return place.At("url", fmt::format("fetching {} into {} failed: {}", shown, path, why));
  }
  auto digest = Sha256Of(temp, place.options);
  if (!digest) return place.At("path", digest.error()->message());
  if (*digest != download.sha256) {
    return place.At("sha256", fmt::format("the file fetched from {} has sha256 {}, not the plan's {}; it was "
                                          "discarded and {} was not written",
                                          shown, *digest, download.sha256, path));
  }
  // mkstemp made it private; the file itself is as curl or cp would leave it.
  const mode_t mask = umask(0);
  umask(mask);
  chmod(temp.c_str(), kFileMode & ~mask);
  fs::rename(temp, target, error);
  if (error) return place.At("path", fmt::format("cannot move the fetched file to {}: {}", path, error.message()));
  remove_temp.Release();
  out << fmt::format("dmlrun: {}: sha256 OK\n", path) << std::flush;
  return std::nullopt;
}

std::optional<base::Error> CheckPresent(const plan::Download& download, const std::string& path,
                                        const Place& place, std::ostream& out) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    return place.At("path", fmt::format("{} exists but is not a regular file", path));
  }
  auto digest = Sha256Of(path, place.options);
  if (!digest) return place.At("path", digest.error()->message());
  if (*digest != download.sha256) {
    return place.At("sha256", fmt::format("{} is already there but its sha256 is {}, not the plan's {} "
                                          "(remove it to fetch {} again)",
                                          path, *digest, download.sha256, UrlForDisplay(download.url)));
  }
  out << fmt::format("dmlrun: {}: present, sha256 OK\n", path) << std::flush;
  return std::nullopt;
}

std::string Field(size_t i) { return fmt::format("train.downloads[{}]", i); }

}  // namespace

std::string DownloadPath(const plan::TrainSpec& train, const plan::Download& download) {
  const fs::path path(download.path);
  if (path.is_absolute()) return path.string();
  return (fs::path(train.dataset.dir) / path).string();
}

std::string UrlForDisplay(std::string_view url) {
  const size_t scheme_end = url.find(kSchemeEnd);
  if (scheme_end == std::string_view::npos) return std::string(url.substr(0, url.find_first_of("?#")));
  const std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + kSchemeEnd.size());
  rest = rest.substr(0, rest.find_first_of("?#"));
  const size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  const std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return fmt::format("{}://{}{}", scheme, authority, path);
}

std::optional<base::Error> FetchDownloads(const plan::TrainSpec& train, const FetchOptions& options,
                                          std::ostream& out) {
  for (size_t i = 0; i < train.downloads.size(); ++i) {
    const plan::Download& download = train.downloads[i];
    const std::string path = DownloadPath(train, download);
    const Place place{options, Field(i)};
    std::error_code error;
    const bool present = fs::exists(fs::symlink_status(path, error));
    auto failed = present ? CheckPresent(download, path, place, out) : Fetch(download, path, place, out);
    if (failed) return failed;
  }
  return std::nullopt;
}

std::optional<base::Error> CheckDownloadsPresent(const plan::TrainSpec& train, const std::string& plan_file) {
  for (size_t i = 0; i < train.downloads.size(); ++i) {
    const std::string path = DownloadPath(train, train.downloads[i]);
    std::error_code error;
    if (!fs::exists(path, error)) {
      return base::Error::InPlan(plan_file, Field(i) + ".path",
                                 fmt::format("{} is missing: dmlrun node does not download (on a stack the boot "
                                             "script fetches it from {} before dmlrun starts)",
                                             path, UrlForDisplay(train.downloads[i].url)));
    }
  }
  return std::nullopt;
}

}  // namespace dml::launch
