// Helpers shared by the launch tests: temporary folders, files, and running
// a command to completion with its output captured.
#pragma once

#include <string>
#include <vector>

#include "runtime/launch/supervisor.h"

namespace dml::launch::testing {

// A fresh folder under TMPDIR, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

struct Captured {
  SupervisorResult result;
  std::string out;
  std::string err;
};

// Supervises `children` with stdout/stderr captured in files under `dir`.
Captured SuperviseCaptured(const std::vector<ChildSpec>& children, const TempDir& dir,
                           SupervisorOptions options = {});

// Runs one command and returns its exit status (-1 if it did not exit).
int RunCommand(const std::vector<std::string>& argv, const TempDir& dir,
               std::string* output = nullptr, const std::string& working_dir = "");

}  // namespace dml::launch::testing
