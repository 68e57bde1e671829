// Copies a child's output to the supervisor's own stdout/stderr whole lines
// at a time, so that lines from different ranks never interleave mid-line,
// and puts an optional "[rank N] " prefix before each.
#pragma once

#include <string>

namespace dml::launch {

class OutputRelay {
 public:
  OutputRelay(int source_fd, int sink_fd, std::string prefix);
  ~OutputRelay();
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  int source_fd() const { return source_fd_; }
  bool open() const { return source_fd_ >= 0; }

  // Reads what is available now (the source is non-blocking) and writes the
  // complete lines; on end of file, flushes the last partial line and closes.
  void Pump();
  // Closes the source, writing any partial line.
  void Close();

 private:
  void WriteLine(const std::string& line);

  int source_fd_;
  int sink_fd_;
  std::string prefix_;
  std::string pending_;  // bytes after the last newline
};

}  // namespace dml::launch
