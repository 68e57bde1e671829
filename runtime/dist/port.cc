#include "runtime/dist/port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace dml::dist {
namespace {

// Binds an IPv4 TCP socket to INADDR_ANY:port; returns the bound port, or 0
// with *bind_errno set.
uint16_t BindProbe(uint16_t port, int* bind_errno) {
  *bind_errno = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *bind_errno = errno;
    return 0;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(port);
  uint16_t bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    *bind_errno = errno;
  } else {
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      bound = ntohs(address.sin_port);
    }
  }
  close(fd);
  return bound;
}

constexpr std::chrono::milliseconds kRetryInterval{10};
constexpr std::chrono::milliseconds kMaxConnectWait{1000};

// One non-blocking connect attempt, waiting at most `wait` for it.
bool TryConnect(const sockaddr_in& address, std::chrono::milliseconds wait) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  bool connected = false;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    connected = true;
  } else if (errno == EINPROGRESS) {
    pollfd entry{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    connected = poll(&entry, 1, static_cast<int>(wait.count())) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  close(fd);
  return connected;
}

}  // namespace

bool WaitForListener(const std::string& ipv4, uint16_t port,
                     std::chrono::steady_clock::time_point deadline) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, ipv4.c_str(), &address.sin_addr) != 1) return false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (TryConnect(address, std::min(left, kMaxConnectWait))) return true;
    std::this_thread::sleep_for(kRetryInterval);
  }
}

bool IsPortInUse(uint16_t port) {
  int bind_errno = 0;
  BindProbe(port, &bind_errno);
  return bind_errno == EADDRINUSE;
}

uint16_t PickFreePort() {
  int bind_errno = 0;
  return BindProbe(0, &bind_errno);
}

}  // namespace dml::dist
