#include "compiler/syntax/parser.h"

#include <antlr4-runtime.h>

#include "DmlLexer.h"
#include "DmlParser.h"
#include "compiler/diag/utf8.h"
#include "compiler/syntax/ast_builder.h"
#include "compiler/syntax/error_strategy.h"
#include "compiler/syntax/reporter.h"
#include "compiler/syntax/token_scan.h"

namespace dml::syntax {
namespace {

// .dml files are UTF-8 text. A file that is not (a binary, a UTF-16 file)
// gets one message at the first bad byte instead of an error per byte.
bool CheckUtf8(const std::string& text, SyntaxReporter& reporter) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < text.size(); ++column) {
    const size_t n = diag::Utf8SequenceLength(text, i);
    if (n == 0 || text[i] == '\0') {
      reporter.Error(diag::Kind::syntax_error, {reporter.file(), line, column, 1},
                     "the file is not UTF-8 text", {".dml files are plain UTF-8 text"});
      return false;
    }
    if (text[i] == '\n') {
      ++line;
      column = 0;
    }
    i += n;
  }
  return true;
}

}  // namespace

ast::Module ParseModule(diag::FileId file, const diag::SourceManager& sources, diag::DiagnosticSink& sink,
                        std::string module_name) {
  ast::Module module;
  module.file = file;
  module.name = module_name.empty() ? sources.Name(file) : std::move(module_name);
  SyntaxReporter reporter(file, sources, sink);
  const std::string& text = sources.Text(file);
  if (!CheckUtf8(text, reporter)) return module;

  antlr4::ANTLRInputStream input(text);
  dmlgen::DmlLexer lexer(&input);
  lexer.removeErrorListeners();  // ERROR_CHAR tokens take every stray character
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  if (!ScanTokens(tokens.getTokens(), reporter)) return module;

  dmlgen::DmlParser parser(&tokens);
  parser.removeErrorListeners();  // ANTLR's raw messages never reach the user
  parser.setErrorHandler(MakeErrorStrategy(reporter));
  try {
    module.decls = BuildDecls(parser.module_(), reporter);
  } catch (const std::exception& e) {
    // The error strategy recovers from every syntax error; this is a defect
    // in the parser, reported rather than allowed to crash dmlc.
    reporter.Error(diag::Kind::syntax_error, {file, 1, 1, 1},
                   std::string("internal parser failure: ") + e.what(),
                   {"please report this with the file attached"});
  }
  return module;
}

ast::Module ParseText(const std::string& name, const std::string& text, diag::SourceManager& sources,
                      diag::DiagnosticSink& sink) {
  return ParseModule(sources.Add(name, text), sources, sink);
}

}  // namespace dml::syntax
