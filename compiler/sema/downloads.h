// What nodes download before training: a dataset's files written as https
// URLs (each with its sha256), a torchscript model's `url`. sema checks
// these and lowering turns them into the plan's `train.downloads`, both
// through the functions here, so they agree on names and places.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/sema/value.h"

namespace dml::sema {

// Where downloads land when the .dml file does not say: a dataset under
// its name, a torchscript model under its job's name.
inline constexpr const char* kDatasetDownloadRoot = "/var/lib/dml/datasets/";
inline constexpr const char* kModelDownloadRoot = "/var/lib/dml/models/";

// One file of a dataset as written: a name in its `dir`, or a URL.
struct DatasetFile {
  std::string field;             // "train_images", "train_batches"
  int index = -1;                // the entry of a batch list, else -1
  const Value* value = nullptr;  // the string
  const Value* sha256 = nullptr; // its digest in the dataset's `sha256`, or null

  // "`train_images`", "`train_batches` entry 2"
  std::string Describe() const;
};

// The files the dataset's format reads (idx: the four; cifar: the batches),
// those that are set.
std::vector<DatasetFile> DatasetFiles(const Value& dataset);

// A file written as a URL ("https://...", "http://..."): anything with "://".
bool IsUrl(std::string_view text);
// The URL's last path component (its query and fragment left out): the
// file's name in the dataset's directory; "" when it has none.
std::string UrlFileName(std::string_view url);
// A file's name in the dataset's directory: itself, or its URL's file name.
std::string LocalName(const std::string& text);

// True when some file of the dataset is a URL.
bool Downloads(const Value& dataset);
// The dataset's directory: `dir`, else (downloaded) kDatasetDownloadRoot + name.
std::string DatasetDir(const Value& dataset);
// Where a torchscript model from a `url` lands.
std::string ModelDownloadPath(const std::string& job);

}  // namespace dml::sema
