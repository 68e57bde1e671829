// Syntax errors in the user's words. ANTLR tells us where parsing stopped
// (the rule being parsed and what it has matched so far) and at which token;
// this turns that into "expected `=` or `{` after field name `epochs`".
#pragma once

namespace antlr4 {
class Parser;
class Token;
}  // namespace antlr4

namespace dml::syntax {

class SyntaxReporter;

void ReportSyntaxError(antlr4::Parser& parser, antlr4::Token* offending, SyntaxReporter& reporter);

}  // namespace dml::syntax
