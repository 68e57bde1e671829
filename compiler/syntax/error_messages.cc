#include "compiler/syntax/error_messages.h"

#include <antlr4-runtime.h>
#include <fmt/format.h>

#include "DmlParser.h"
#include "compiler/syntax/reporter.h"
#include "compiler/syntax/tokens.h"

namespace dml::syntax {
namespace {

using P = dmlgen::DmlParser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::ParseTree;

constexpr size_t kMaxShownChars = 24;  // longer token text is cut with "..."

// What the parser wanted, worded for the user. Unless `at_token`, the error
// sits just after the previous token when the offending one is on a later
// line (where the missing piece belongs), else at the offending token
// followed by ", found X".
struct Explanation {
  std::string expected;
  bool at_token = false;
  std::vector<diag::Note> notes;
  std::vector<std::string> help;
};

std::string Quote(const std::string& text) { return "`" + text + "`"; }

std::string Describe(const Token* token) {
  if (token->getType() == Token::EOF) return "the end of the file";
  std::string text = token->getText();
  if (text.size() > kMaxShownChars) text = text.substr(0, kMaxShownChars) + "...";
  return Quote(text);
}

bool IsDeclKeyword(size_t type) {
  return type == P::IMPORT || type == P::PARAM || type == P::LET || type == P::CLUSTER || type == P::JOB ||
         type == P::TYPE || type == P::ENUM;
}

// A token after which the enclosing block or list has clearly ended without
// its closing bracket.
bool EndsConstruct(const Token* token) {
  return token->getType() == Token::EOF || IsDeclKeyword(token->getType());
}

// Children that were really matched: not tokens skipped or made up by recovery.
std::vector<ParseTree*> Matched(ParserRuleContext* ctx) {
  std::vector<ParseTree*> matched;
  for (ParseTree* child : ctx->children) {
    if (dynamic_cast<antlr4::tree::ErrorNode*>(child) != nullptr) continue;
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (terminal != nullptr && IsConjured(terminal->getSymbol())) continue;
    matched.push_back(child);
  }
  return matched;
}

size_t TokenType(ParseTree* tree) {
  auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(tree);
  return terminal ? terminal->getSymbol()->getType() : Token::INVALID_TYPE;
}

// The name at child `index` of a declaration, or "" when it was not matched.
std::string NameAt(ParserRuleContext* ctx, size_t index) {
  const std::vector<ParseTree*> matched = Matched(ctx);
  return index < matched.size() ? matched[index]->getText() : "";
}

// A field's name, also when the rule failed before matching it (the choice
// between `name LABEL { }` and `name = ...` is made at the field's start).
std::string FieldNameText(P::FieldContext* field) {
  if (field->fieldName() != nullptr) return field->fieldName()->getText();
  const Token* start = field->getStart();
  return start != nullptr && !IsConjured(start) && start->getType() != Token::EOF ? start->getText() : "";
}

// "`cluster` block", "`network` block", "`adam` record", "record".
std::string BlockOwner(P::BlockContext* block) {
  antlr4::tree::ParseTree* parent = block->parent;
  if (dynamic_cast<P::ClusterDeclContext*>(parent)) return "`cluster` block";
  if (dynamic_cast<P::JobDeclContext*>(parent)) return "`job` block";
  if (auto* field = dynamic_cast<P::FieldContext*>(parent)) return Quote(FieldNameText(field)) + " block";
  if (auto* typed = dynamic_cast<P::TypedRecordExprContext*>(parent)) {
    return typed->IDENT() ? Quote(typed->IDENT()->getText()) + " record" : "record";
  }
  return "record";
}

// What a value is for: "field `epochs`", "parameter `workers`", ...
std::string ValueOwner(ParseTree* parent) {
  if (auto* field = dynamic_cast<P::FieldContext*>(parent)) return "field " + Quote(FieldNameText(field));
  if (auto* param = dynamic_cast<P::ParamDeclContext*>(parent)) return "the default of parameter " + Quote(NameAt(param, 1));
  if (auto* field = dynamic_cast<P::FieldDeclContext*>(parent)) return "the default of field " + Quote(NameAt(field, 0));
  if (dynamic_cast<P::RangeContext*>(parent)) return "the range";
  if (dynamic_cast<P::ParenExprContext*>(parent)) return "`( ... )`";
  if (auto* let = dynamic_cast<P::LetDeclContext*>(parent)) return Quote(NameAt(let, 1));
  if (dynamic_cast<P::ListExprContext*>(parent)) return "this list item";
  return "this place";
}

Explanation ExplainBlock(P::BlockContext* block, const Token* offending, const SyntaxReporter& reporter) {
  if (Matched(block).empty()) {  // `cluster paper` then no `{`
    std::string owner = "block";
    if (auto* cluster = dynamic_cast<P::ClusterDeclContext*>(block->parent)) owner = "cluster " + Quote(NameAt(cluster, 1));
    if (auto* job = dynamic_cast<P::JobDeclContext*>(block->parent)) owner = "job " + Quote(NameAt(job, 1));
    return {"expected `{` to open " + owner};
  }
  const std::string owner = BlockOwner(block);
  const diag::Note opened{TokenRange(block->LBRACE()->getSymbol(), reporter), "the " + owner + " opened here"};
  if (EndsConstruct(offending)) return {"expected `}` to close the " + owner, false, {opened}};
  const size_t type = offending->getType();
  if (type == P::RBRACK) return {"unexpected `]`", true, {opened}};
  return {"expected a field name or `}`", false, {}};
}

Explanation ExplainList(P::ListExprContext* list, const Token* offending, const SyntaxReporter& reporter) {
  const std::vector<ParseTree*> matched = Matched(list);
  const diag::Note opened{TokenRange(list->LBRACK()->getSymbol(), reporter), "the list opened here"};
  if (EndsConstruct(offending) || offending->getType() == P::RBRACE) {
    return {"expected `]` to close the list", false, {opened}};
  }
  const size_t last = matched.empty() ? Token::INVALID_TYPE : TokenType(matched.back());
  if (last == P::LBRACK || last == P::COMMA) return {"expected a list item or `]`"};
  return {"expected `,` or `]` after the list item", false, {},
          {"separate list items with commas: `[a, b, c]`"}};
}

// Inside `type NAME { ... }` or `enum NAME { ... }`, whose braces belong to
// the declaration itself.
Explanation ExplainTypeBody(ParserRuleContext* ctx, antlr4::tree::TerminalNode* lbrace, const char* keyword,
                            const char* item, const Token* offending, const SyntaxReporter& reporter) {
  const std::string name = NameAt(ctx, 1);
  if (lbrace == nullptr || IsConjured(lbrace->getSymbol())) {
    if (name.empty()) return {std::string("expected a name after `") + keyword + "`"};
    return {"expected `{` after " + std::string(keyword) + " " + Quote(name)};
  }
  const diag::Note opened{TokenRange(lbrace->getSymbol(), reporter),
                          "the " + std::string(keyword) + " " + Quote(name) + " opened here"};
  if (EndsConstruct(offending)) return {"expected `}` to close " + std::string(keyword) + " " + Quote(name), false, {opened}};
  return {std::string("expected ") + item + " or `}`"};
}

Explanation Explain(ParserRuleContext* ctx, const Token* offending, const SyntaxReporter& reporter) {
  const size_t step = Matched(ctx).size();  // how far the rule got
  const size_t type = offending->getType();
  if (auto* block = dynamic_cast<P::BlockContext*>(ctx)) return ExplainBlock(block, offending, reporter);
  if (auto* list = dynamic_cast<P::ListExprContext*>(ctx)) return ExplainList(list, offending, reporter);
  switch (ctx->getRuleIndex()) {
    case P::RuleModule_: {
      if (type == P::RBRACE || type == P::RBRACK) return {"unexpected " + Describe(offending), true};
      Explanation e{"expected a declaration (`import`, `param`, `let`, `type`, `enum`, `cluster` or `job`)", true};
      if (type == P::IDENT) e.help.push_back("declare a top-level value with `let " + offending->getText() + " = ...`");
      e.expected += ", found " + Describe(offending);
      return e;
    }
    case P::RuleImportDecl:
      return {step <= 1 ? "expected a module name after `import`" : "expected a name after `as`"};
    case P::RuleDottedName:
      if (step == 0) return {"expected a module name after `import`"};
      return {"expected a name after `.`"};
    case P::RuleMemberName:
      return {"expected a name after `.`"};
    case P::RuleParamDecl: {
      const std::string name = Quote(NameAt(ctx, 1));
      if (step <= 1) return {"expected a parameter name after `param`"};
      if (step == 2) return {"expected `:` and a type after parameter " + name, false, {}, {"write `param " + NameAt(ctx, 1) + ": int = 1`"}};
      return {"expected a type after `:` in parameter " + name, false, {},
              {"the types are int, float, bool, string, duration, size, ip and cidr"}};
    }
    case P::RuleTypeDecl: {
      auto* type = static_cast<P::TypeDeclContext*>(ctx);
      return ExplainTypeBody(ctx, type->LBRACE(), "type", "a field (`name: type`)", offending, reporter);
    }
    case P::RuleEnumDecl: {
      auto* decl = static_cast<P::EnumDeclContext*>(ctx);
      return ExplainTypeBody(ctx, decl->LBRACE(), "enum", "a member name", offending, reporter);
    }
    case P::RuleEnumMember:
      return {"expected a member name"};
    case P::RuleFieldDecl: {
      const std::string field = Quote(NameAt(ctx, 0));
      if (step <= 1) {
        return {"expected `:` and a type after field " + field, false, {},
                {"a type declares its fields as `name: type`, e.g. `vcpus: int`"}};
      }
      return {"expected a type after `:` in field " + field};
    }
    case P::RuleTypeRef:
      if (step == 1 && TokenType(Matched(ctx).front()) == P::LBRACK) return {"expected a type name after `[`"};
      if (step >= 2) return {"expected `]` to close the list type"};
      if (auto* param = dynamic_cast<P::ParamDeclContext*>(ctx->parent)) {
        return {"expected a type after `:` in parameter " + Quote(NameAt(param, 1)), false, {},
                {"the types are int, float, bool, string, duration, size, ip and cidr"}};
      }
      if (auto* field = dynamic_cast<P::FieldDeclContext*>(ctx->parent)) {
        return {"expected a type after `:` in field " + Quote(NameAt(field, 0))};
      }
      return {"expected a type name"};
    case P::RuleConstraint:
    case P::RuleRange:
      return {"expected a range after `in`", false, {}, {"write `in 0..10`, `in 1..` (at least 1) or `in 0..<1` (below 1)"}};
    case P::RuleLetDecl:
      if (step <= 1) return {"expected a name after `let`"};
      return {"expected `=` after `let " + NameAt(ctx, 1) + "`"};
    case P::RuleClusterDecl:
      return {"expected a cluster name after `cluster`"};
    case P::RuleJobDecl: {
      if (step <= 1) return {"expected a job name after `job`"};
      if (step == 2) {
        return {"expected `on` and a cluster name after job " + Quote(NameAt(ctx, 1)), false, {},
                {"write `job " + NameAt(ctx, 1) + " on <cluster> { ... }`"}};
      }
      return {"expected a cluster name after `on`"};
    }
    case P::RuleField: {
      auto* field = static_cast<P::FieldContext*>(ctx);
      const std::string name = FieldNameText(field);
      Explanation e{"expected `=` or `{` after field name " + Quote(name)};
      if (type == P::COLON) e.help.push_back("fields are set with `=`: `" + name + " = ...`");
      return e;
    }
    case P::RuleFieldName:
    case P::RuleKeyword:
      return {"expected a field name"};
    case P::RuleExpr:
      if (dynamic_cast<P::ReferenceExprContext*>(ctx)) return {"expected a name after `.`"};
      if (dynamic_cast<P::ParenExprContext*>(ctx) != nullptr && step >= 2) {
        return {"expected `)` to close `(`"};
      }
      if (auto* add = dynamic_cast<P::AddExprContext*>(ctx->parent); add != nullptr && add->op != nullptr) {
        return {"expected a value after `" + add->op->getText() + "`"};
      }
      if (auto* mul = dynamic_cast<P::MulExprContext*>(ctx->parent); mul != nullptr && mul->op != nullptr) {
        return {"expected a value after `" + mul->op->getText() + "`"};
      }
      return {"expected a value for " + ValueOwner(ctx->parent)};
    case P::RuleLiteral:
      return {"expected a number after `-`"};
    default:
      return {"unexpected " + Describe(offending), true};
  }
}

// The last token on the default channel before `token`.
const Token* PreviousToken(antlr4::Parser& parser, const Token* token) {
  antlr4::TokenStream* stream = parser.getTokenStream();
  for (size_t i = token->getTokenIndex(); i-- > 0;) {
    const Token* previous = stream->get(i);
    if (previous->getChannel() == Token::DEFAULT_CHANNEL) return previous;
  }
  return nullptr;
}

// The first token on the default channel after `token`.
Token* NextToken(antlr4::Parser& parser, const Token* token) {
  antlr4::TokenStream* stream = parser.getTokenStream();
  for (size_t i = token->getTokenIndex() + 1; i < stream->size(); ++i) {
    Token* next = stream->get(i);
    if (next->getChannel() == Token::DEFAULT_CHANNEL) return next;
  }
  return nullptr;
}

}  // namespace

void ReportSyntaxError(antlr4::Parser& parser, Token* offending, SyntaxReporter& reporter) {
  ParserRuleContext* ctx = parser.getContext();
  if (offending == nullptr || ctx == nullptr) return;
  // A field chooses between `name LABEL { }` and `name = ...` at its first
  // token, so ANTLR blames the name; the mistake is in what follows it.
  if (dynamic_cast<P::FieldContext*>(ctx) != nullptr && offending == ctx->getStart() &&
      offending->getType() != Token::EOF) {
    if (Token* next = NextToken(parser, offending)) offending = next;
  }
  Explanation e = Explain(ctx, offending, reporter);
  const Token* previous = PreviousToken(parser, offending);
  const bool after_previous = !e.at_token && previous != nullptr &&
                              (offending->getType() == Token::EOF || offending->getLine() > previous->getLine());
  diag::SourceRange range;
  if (after_previous) {
    range = AfterToken(previous, reporter);
  } else {
    range = TokenRange(offending, reporter);
    if (!e.at_token) e.expected += ", found " + Describe(offending);
  }
  reporter.Error(diag::Kind::syntax_error, range, std::move(e.expected), std::move(e.help), std::move(e.notes),
                 static_cast<int>(offending->getLine()));
}

}  // namespace dml::syntax
