// The plan's downloads (train.downloads: https URL + sha256 each) on this
// machine, before any rank starts. `dmlrun local` fetches each missing file
// with curl (https only, also across redirects) into a temporary file next
// to it, checks its sha256 with sha256sum and only then renames it into
// place; a file already there is checked too, never replaced. `dmlrun node`
// fetches nothing (on a stack the boot script has fetched and checked every
// file before dmlrun starts) and only checks that each file is there.
//
// Why the launch layer and not runtime/data: this step runs programs (curl,
// sha256sum) under the launch layer's supervisor, once per node before the
// ranks exist, and also covers files that are not the dataset's (a
// torchscript model); runtime/data only ever reads files.
//
// A URL's query string and user info never appear in output or errors
// (presigned URLs carry their signature there), nor on curl's command line
// (curl reads the URL from a private config file).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/plan/plan.h"

namespace dml::launch {

// Where `download` lands: its path if absolute, else under train.dataset.dir.
std::string DownloadPath(const plan::TrainSpec& train, const plan::Download& download);

// "scheme://host[:port]/path" of `url`: user info, query and fragment dropped.
std::string UrlForDisplay(std::string_view url);

struct FetchOptions {
  std::string plan_file;  // errors are placed at "<plan_file>: train.downloads[i].<field>"
  // The programs (looked up in PATH unless absolute); tests replace them.
  std::string curl = "curl";
  std::string sha256sum = "sha256sum";
};

// dmlrun local: every download present with its sha256, fetching the missing
// ones; progress lines on `out`. The first failure stops and is returned;
// nothing half-written is left behind.
std::optional<base::Error> FetchDownloads(const plan::TrainSpec& train, const FetchOptions& options,
                                          std::ostream& out);

// dmlrun node: every download's file exists (the first missing one is named).
std::optional<base::Error> CheckDownloadsPresent(const plan::TrainSpec& train, const std::string& plan_file);

}  // namespace dml::launch
