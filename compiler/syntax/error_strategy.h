// ANTLR's own recovery (single-token insertion and deletion, resync to the
// follow set), with each of its reports replaced by one in the user's words.
#pragma once

#include <memory>

namespace antlr4 {
class ANTLRErrorStrategy;
}

namespace dml::syntax {

class SyntaxReporter;

std::shared_ptr<antlr4::ANTLRErrorStrategy> MakeErrorStrategy(SyntaxReporter& reporter);

}  // namespace dml::syntax
