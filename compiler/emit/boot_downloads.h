// The part of a node's boot script that brings the job's downloads
// (train.downloads: dataset files, a torchscript model) onto the nodes, once
// per cluster: the master fetches each file over https, checks its sha256,
// puts it in place and serves it over the private network beside the
// runtime package; the workers fetch it from the master and check the
// sha256 of their own plan, not the master's word.
#pragma once

#include <string>

#include "compiler/emit/boot_values.h"
#include "compiler/ir/deployment.h"

namespace dml::emit {

// Shell lines that set the downloads' paths, URLs and digests (arrays
// DML_DL_PATH, DML_DL_URL, DML_DL_SHA256) and check them. Values with params
// read them through `values`. Empty without downloads.
std::string DownloadAssignments(const ir::Deployment& deployment, HeatTextValues& values);

// The steps that fetch the downloads: from the internet on the master, from
// the master on a worker. Empty without downloads. After InstallSection.
std::string DownloadSection(const ir::Deployment& deployment, bool master);

}  // namespace dml::emit
