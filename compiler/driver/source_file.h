// Reading a source file for dmlc: errors are values naming the file.
#pragma once

#include <optional>
#include <string>

namespace dml::driver {

// Larger .dml files are refused: a generated 1,000-worker file is ~100 KiB.
inline constexpr size_t kMaxSourceBytes = 16u << 20;

struct ReadResult {
  std::optional<std::string> text;
  std::string error;  // "No such file or directory", set iff !text
};

ReadResult ReadSourceFile(const std::string& path);

// Writes `content` to `path` through a temporary file in the same folder and
// a rename, so a reader never sees half a file. Returns the error, if any.
std::optional<std::string> WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace dml::driver
