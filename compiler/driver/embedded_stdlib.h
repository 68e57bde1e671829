// The standard library's .dml files, embedded into dmlc by the build
// (cmake/EmbedFiles.cmake), so the binary works wherever it is copied.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dml::driver {

struct EmbeddedFile {
  std::string path;       // relative to stdlib/: "chameleon.dml", "sites/tacc.dml"
  std::string_view text;  // static storage
};

// Every stdlib/**/*.dml file, sorted by path. Defined in generated code.
const std::vector<EmbeddedFile>& EmbeddedFiles();

// The embedded file at `path`, or null.
const EmbeddedFile* FindEmbedded(std::string_view path);

}  // namespace dml::driver
