// Parse tree -> typed AST. Also where the rules the grammar leaves out are
// checked: literal values (literal.h) and the newline-or-comma between
// fields. Constructs that failed to parse are left out; their errors are
// already reported.
#pragma once

#include <vector>

#include "compiler/ast/ast.h"

namespace antlr4::tree {
class ParseTree;
}

namespace dml::syntax {

class SyntaxReporter;

// `module_tree` is the grammar's `module_` rule.
std::vector<ast::Decl> BuildDecls(antlr4::tree::ParseTree* module_tree, SyntaxReporter& reporter);

}  // namespace dml::syntax
