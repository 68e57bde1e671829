#include "compiler/sema/defaults.h"

#include "source_revision.h"  // generated in the build tree (cmake/SourceRevision.cmake)

namespace dml::sema::defaults {

std::string RuntimeGitRef() {
  const std::string commit = DML_SOURCE_COMMIT;
  return commit.empty() ? kRuntimeReleaseTag : commit;
}

bool SourceHasUncommittedChanges() { return DML_SOURCE_DIRTY != 0; }

}  // namespace dml::sema::defaults
