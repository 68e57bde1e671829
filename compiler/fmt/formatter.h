// dmlc fmt: the canonical layout of a .dml file. Two-space indentation, one
// element per line in blocks and lists the author spread over lines, spaced
// operators, at most one blank line in a row, comments kept where they were
// (trailing line comments of neighbouring lines aligned).
//
// It works on the token stream (syntax::Lex), not the AST: it never changes
// a token, only the whitespace between them, so it cannot change meaning.
//
// The namespace is dml::format, not dml::fmt, so that it cannot hide the
// {fmt} library's ::fmt inside namespace dml.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/lex.h"

namespace dml::format {

inline constexpr int kIndentWidth = 2;
// Trailing comments start at least this many spaces after the code.
inline constexpr int kCommentGap = 2;

// The formatted text of a token stream (ends with one line break; empty
// for no tokens). Meant for files that parse; any input is safe.
std::string FormatTokens(const std::vector<syntax::Token>& tokens);

// Parses file `file` first: with syntax errors (reported into `sink`) there
// is nothing to format and the result is empty.
std::optional<std::string> FormatSource(diag::FileId file, const diag::SourceManager& sources,
                                        diag::DiagnosticSink& sink);

}  // namespace dml::format
