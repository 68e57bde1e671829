#include "runtime/launch/output_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace dml::launch {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

void WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the sink is gone; the child's output is lost, not the job
    written += static_cast<size_t>(n);
  }
}

}  // namespace

OutputRelay::OutputRelay(int source_fd, int sink_fd, std::string prefix)
    : source_fd_(source_fd), sink_fd_(sink_fd), prefix_(std::move(prefix)) {
  if (source_fd_ >= 0) fcntl(source_fd_, F_SETFL, fcntl(source_fd_, F_GETFL) | O_NONBLOCK);
}

OutputRelay::~OutputRelay() { Close(); }

void OutputRelay::WriteLine(const std::string& line) { WriteAll(sink_fd_, prefix_ + line); }

void OutputRelay::Pump() {
  if (source_fd_ < 0) return;
  char buffer[kReadChunk];
  for (;;) {
    ssize_t n = read(source_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN: nothing more for now
    if (n == 0) {
      Close();
      return;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t newline; (newline = pending_.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      WriteLine(pending_.substr(start, newline + 1 - start));
    }
    pending_.erase(0, start);
  }
}

void OutputRelay::Close() {
  if (source_fd_ < 0) return;
  close(source_fd_);
  source_fd_ = -1;
  if (!pending_.empty()) WriteLine(pending_ + "\n");
  pending_.clear();
}

}  // namespace dml::launch
