// `output { upload = p }`: when the job has succeeded, the master archives
// dmlrun's output directory (model.pt, metrics.jsonl, result.json) as a
// .tar.gz and PUTs it to the presigned https URL that stack parameter `p`
// holds; the archive's name, size and sha256 lead the master's success
// signal, where the template's `upload` output finds them. A failed upload
// fails the master with curl's reason, never with the URL's query (its
// signature).
#pragma once

#include <string>

#include "compiler/emit/boot_values.h"
#include "compiler/ir/deployment.h"

namespace dml::emit {

// Where the boot script has dmlrun write its output (`--output`).
inline constexpr const char* kNodeOutputDir = "/var/lib/dml/output";

// What the upload parameter may hold: an https URL of the characters a
// presigned URL (a Swift TempURL, an S3 presigned PUT) is made of, no space,
// quote, backslash, @ or control character. A Python regular expression
// for Heat's allowed_pattern and a POSIX one for bash alike.
inline constexpr const char* kUploadUrlPattern = "https://[A-Za-z0-9._~:/?#!$&()*+,;=%-]+";

// What the master's success signal's data starts with after an upload:
// "uploaded NAME (BYTES bytes, sha256 HEX)".
inline constexpr const char* kUploadedPrefix = "uploaded ";

// The name of the archive the master uploads: "<job>-output.tar.gz".
std::string UploadArchiveName(const ir::Deployment& deployment);

// Shell lines setting DML_UPLOAD_URL (through `values`) and the archive's
// name, on the master of a deployment with an upload; else empty.
std::string UploadAssignments(const ir::Deployment& deployment, bool master, HeatTextValues& values);

// The check of the URL before anything else runs (a stack parameter holding
// something other than an https URL fails the node at once), and
// dml_upload, which the run step calls after dmlrun succeeded. Empty when
// there is nothing to upload.
std::string UploadSection(const ir::Deployment& deployment, bool master);

// The shell of the run step when dmlrun succeeded (DML_TAIL holds its log's
// last lines): the success signal, after the upload when there is one.
std::string SuccessSignal(const ir::Deployment& deployment, bool master);

}  // namespace dml::emit
