#include "compiler/driver/source_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dml::driver {

namespace fs = std::filesystem;

ReadResult ReadSourceFile(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return {std::nullopt, ec.message()};
  if (fs::is_directory(status)) return {std::nullopt, "is a directory"};
  if (!fs::is_regular_file(status)) return {std::nullopt, "is not a regular file"};
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxSourceBytes) {
    return {std::nullopt, "is larger than " + std::to_string(kMaxSourceBytes >> 20) + " MiB"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return {std::nullopt, "read failed"};
  return {text.str(), ""};
}

std::optional<std::string> WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return std::string(std::strerror(errno));
    out << content;
    out.flush();
    if (!out) {
      const std::string error = std::strerror(errno);
      std::error_code ignored;
      fs::remove(temp, ignored);
      return error;
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return ec.message();
  }
  return std::nullopt;
}

}  // namespace dml::driver
