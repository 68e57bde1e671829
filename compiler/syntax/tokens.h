// Places of ANTLR tokens as SourceRanges. ANTLR types are only declared
// here, never defined: their headers stay inside compiler/syntax's .cc files.
#pragma once

#include <string>

#include "compiler/diag/source.h"

namespace antlr4 {
class Token;
namespace tree {
class ParseTree;
}
}  // namespace antlr4

namespace dml::syntax {

class SyntaxReporter;

// The token itself (clipped to its first line).
diag::SourceRange TokenRange(const antlr4::Token* token, const SyntaxReporter& reporter);
// The column just past the token: where a missing `=` or `}` belongs.
diag::SourceRange AfterToken(const antlr4::Token* token, const SyntaxReporter& reporter);
// From the first token of `tree` to its last, clipped to the first line.
diag::SourceRange TreeRange(antlr4::tree::ParseTree* tree, const SyntaxReporter& reporter);
// A token the error strategy made up during recovery (`<missing '}'>`).
bool IsConjured(const antlr4::Token* token);
// Code points in the token's text.
int TokenColumns(const antlr4::Token* token);

}  // namespace dml::syntax
