#include "compiler/syntax/ast_builder.h"

#include <antlr4-runtime.h>

#include "DmlParser.h"
#include "compiler/syntax/literal.h"
#include "compiler/syntax/reporter.h"
#include "compiler/syntax/tokens.h"

namespace dml::syntax {
namespace {

using P = dmlgen::DmlParser;
using antlr4::tree::TerminalNode;

class Builder {
 public:
  explicit Builder(SyntaxReporter& reporter) : reporter_(reporter) {}

  std::vector<ast::Decl> Module(P::Module_Context* module) {
    std::vector<ast::Decl> decls;
    const antlr4::Token* previous_end = nullptr;
    for (P::DeclContext* decl : module->decl()) {
      if (previous_end != nullptr) RequireNewLine(previous_end, decl->getStart(), "declaration", "");
      previous_end = decl->getStop();
      std::optional<ast::Decl> built = Decl(decl);
      if (built) decls.push_back(std::move(*built));
    }
    return decls;
  }

 private:
  std::optional<ast::Decl> Decl(P::DeclContext* decl) {
    if (auto* d = decl->importDecl()) return Import(d);
    if (auto* d = decl->paramDecl()) return Param(d);
    if (auto* d = decl->letDecl()) return Let(d);
    if (auto* d = decl->typeDecl()) return TypeDecl(d);
    if (auto* d = decl->enumDecl()) return EnumDecl(d);
    if (auto* d = decl->clusterDecl()) return Cluster(d);
    if (auto* d = decl->jobDecl()) return Job(d);
    return std::nullopt;
  }

  std::optional<ast::Decl> Import(P::ImportDeclContext* d) {
    ast::Import import;
    if (d->dottedName() == nullptr) return std::nullopt;
    for (TerminalNode* part : d->dottedName()->IDENT()) {
      std::optional<ast::Identifier> id = Ident(part);
      if (!id) return std::nullopt;
      import.path.push_back(std::move(*id));
    }
    if (import.path.empty()) return std::nullopt;
    if (d->AS() != nullptr) {
      import.alias = Ident(d->IDENT());
      if (!import.alias) return std::nullopt;
    }
    import.range = TreeRange(d, reporter_);
    return import;
  }

  std::optional<ast::Decl> Param(P::ParamDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT());
    std::optional<ast::TypeRef> type = TypeRef(d->typeRef());
    if (!name || !type) return std::nullopt;
    ast::Param param{std::move(*name), std::move(*type), nullptr, std::nullopt, TreeRange(d, reporter_)};
    if (d->EQ() != nullptr) {
      param.default_value = Expr(d->expr());
      if (!param.default_value) return std::nullopt;
    }
    if (d->constraint() != nullptr) {
      param.constraint = Constraint(d->constraint());
      if (!param.constraint) return std::nullopt;
    }
    return param;
  }

  std::optional<ast::Decl> TypeDecl(P::TypeDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT());
    if (!name || d->LBRACE() == nullptr || IsConjured(d->LBRACE()->getSymbol())) return std::nullopt;
    ast::TypeDecl type{std::move(*name), {}, TreeRange(d, reporter_)};
    const antlr4::Token* previous_end = nullptr;
    for (antlr4::tree::ParseTree* child : d->children) {
      if (IsComma(child)) previous_end = nullptr;
      auto* field = dynamic_cast<P::FieldDeclContext*>(child);
      if (field == nullptr) continue;
      if (previous_end != nullptr) RequireNewLine(previous_end, field->getStart(), "field", " or `,`");
      previous_end = field->getStop();
      std::optional<ast::FieldDecl> built = FieldDecl(field);
      if (built) type.fields.push_back(std::move(*built));
    }
    return type;
  }

  std::optional<ast::FieldDecl> FieldDecl(P::FieldDeclContext* f) {
    if (f->exception != nullptr || f->fieldName() == nullptr || f->fieldName()->getStart() == nullptr) {
      return std::nullopt;
    }
    const antlr4::Token* token = f->fieldName()->getStart();
    std::optional<ast::TypeRef> type = TypeRef(f->typeRef());
    if (!type || IsConjured(token)) return std::nullopt;
    ast::FieldDecl field{{token->getText(), TokenRange(token, reporter_)}, std::move(*type), nullptr,
                         std::nullopt, TreeRange(f, reporter_)};
    if (f->EQ() != nullptr) {
      field.default_value = Expr(f->expr());
      if (!field.default_value) return std::nullopt;
    }
    if (f->constraint() != nullptr) {
      field.constraint = Constraint(f->constraint());
      if (!field.constraint) return std::nullopt;
    }
    return field;
  }

  std::optional<ast::Decl> EnumDecl(P::EnumDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT());
    if (!name || d->LBRACE() == nullptr || IsConjured(d->LBRACE()->getSymbol())) return std::nullopt;
    ast::EnumDecl decl{std::move(*name), {}, TreeRange(d, reporter_)};
    const antlr4::Token* previous_end = nullptr;
    for (antlr4::tree::ParseTree* child : d->children) {
      if (IsComma(child)) previous_end = nullptr;
      auto* member = dynamic_cast<P::EnumMemberContext*>(child);
      if (member == nullptr) continue;
      if (previous_end != nullptr) RequireNewLine(previous_end, member->getStart(), "member", " or `,`");
      previous_end = member->getStop();
      std::optional<ast::Identifier> id = Ident(member->IDENT());
      if (id) decl.members.push_back(std::move(*id));
    }
    return decl;
  }

  std::optional<ast::TypeRef> TypeRef(P::TypeRefContext* t) {
    if (t == nullptr || t->exception != nullptr) return std::nullopt;
    std::optional<ast::Identifier> name = Ident(t->IDENT());
    if (!name) return std::nullopt;
    ast::TypeRef type{std::move(*name), t->LBRACK() != nullptr, t->QUESTION() != nullptr, TreeRange(t, reporter_)};
    if (type.list && (t->RBRACK() == nullptr || IsConjured(t->RBRACK()->getSymbol()))) return std::nullopt;
    return type;
  }

  std::optional<ast::RangeConstraint> Constraint(P::ConstraintContext* c) {
    P::RangeContext* range = c->range();
    if (c->exception != nullptr || range == nullptr || range->exception != nullptr || range->op == nullptr ||
        IsConjured(range->op)) {
      return std::nullopt;
    }
    ast::RangeConstraint out;
    out.range = TreeRange(c, reporter_);
    const size_t op = range->op->getType();
    out.low_exclusive = op == P::LTDOTDOT || op == P::LTDOTDOTLT;
    out.high_exclusive = op == P::DOTDOTLT || op == P::LTDOTDOTLT;
    if (range->low != nullptr && !(out.low = Expr(range->low))) return std::nullopt;
    if (range->high != nullptr && !(out.high = Expr(range->high))) return std::nullopt;
    if (!out.low && !out.high) {
      reporter_.Error(diag::Kind::syntax_error, TokenRange(range->op, reporter_),
                      "a range needs at least one bound", {"write `in 0..10`, `in 1..` or `in ..<1`"});
      return std::nullopt;
    }
    return out;
  }

  std::optional<ast::Decl> Let(P::LetDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT());
    ast::ExprPtr value = Expr(d->expr());
    if (!name || !value) return std::nullopt;
    return ast::Let{std::move(*name), std::move(value), TreeRange(d, reporter_)};
  }

  std::optional<ast::Decl> Cluster(P::ClusterDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT());
    std::optional<ast::RecordExpr> body = Block(d->block(), std::nullopt);
    if (!name || !body) return std::nullopt;
    return ast::Cluster{std::move(*name), std::move(*body), TreeRange(d, reporter_)};
  }

  std::optional<ast::Decl> Job(P::JobDeclContext* d) {
    std::optional<ast::Identifier> name = Ident(d->IDENT(0));
    std::optional<ast::Identifier> cluster = Ident(d->IDENT(1));
    std::optional<ast::RecordExpr> body = Block(d->block(), std::nullopt);
    if (!name || !cluster || !body) return std::nullopt;
    return ast::Job{std::move(*name), std::move(*cluster), std::move(*body), TreeRange(d, reporter_)};
  }

  std::optional<ast::RecordExpr> Block(P::BlockContext* block, std::optional<ast::Identifier> type) {
    if (block == nullptr || block->LBRACE() == nullptr || IsConjured(block->LBRACE()->getSymbol())) {
      return std::nullopt;
    }
    ast::RecordExpr record;
    record.type_name = std::move(type);
    record.open_brace = TokenRange(block->LBRACE()->getSymbol(), reporter_);
    // Fields need a newline or a comma between them (the grammar lets both go).
    const antlr4::Token* previous_end = nullptr;
    for (antlr4::tree::ParseTree* child : block->children) {
      if (IsComma(child)) previous_end = nullptr;
      auto* field = dynamic_cast<P::FieldContext*>(child);
      if (field == nullptr) continue;
      if (previous_end != nullptr) RequireNewLine(previous_end, field->getStart(), "field", " or `,`");
      previous_end = field->getStop();
      std::optional<ast::Field> built = Field(field);
      if (built) record.fields.push_back(std::move(*built));
    }
    return record;
  }

  std::optional<ast::Field> Field(P::FieldContext* field) {
    P::FieldNameContext* name_ctx = field->fieldName();
    if (name_ctx == nullptr || name_ctx->getStart() == nullptr || field->exception != nullptr) return std::nullopt;
    const antlr4::Token* token = name_ctx->getStart();
    ast::Identifier name{token->getText(), TokenRange(token, reporter_)};
    std::optional<ast::Identifier> label;
    ast::ExprPtr value;
    if (field->EQ() != nullptr) {
      value = Expr(field->expr());
    } else if (field->block() != nullptr) {
      if (field->label != nullptr) {
        if (IsConjured(field->label)) return std::nullopt;
        label = ast::Identifier{field->label->getText(), TokenRange(field->label, reporter_)};
      }
      std::optional<ast::RecordExpr> record = Block(field->block(), std::nullopt);
      if (record) value = MakeExpr(field->block(), std::move(*record));
    }
    if (!value) return std::nullopt;
    return ast::Field{std::move(name), std::move(label), std::move(value), TreeRange(field, reporter_)};
  }

  ast::ExprPtr Expr(P::ExprContext* expr) {
    if (expr == nullptr || expr->exception != nullptr) return nullptr;
    if (depth_ >= kMaxExprDepth) {
      reporter_.Error(diag::Kind::syntax_error, TreeRange(expr, reporter_),
                      "expression nests more than " + std::to_string(kMaxExprDepth) + " levels deep",
                      {"name parts of it with `let`"});
      return nullptr;
    }
    ++depth_;
    ast::ExprPtr built = ExprAtDepth(expr);
    --depth_;
    return built;
  }

  ast::ExprPtr Binary(antlr4::ParserRuleContext* e, P::ExprContext* lhs, const antlr4::Token* op,
                      P::ExprContext* rhs) {
    if (op == nullptr || IsConjured(op)) return nullptr;
    ast::BinaryExpr binary;
    switch (op->getType()) {
      case P::PLUS: binary.op = ast::BinaryOp::kAdd; break;
      case P::MINUS: binary.op = ast::BinaryOp::kSub; break;
      case P::STAR: binary.op = ast::BinaryOp::kMul; break;
      default: binary.op = ast::BinaryOp::kDiv; break;
    }
    binary.op_range = TokenRange(op, reporter_);
    binary.lhs = Expr(lhs);
    binary.rhs = Expr(rhs);
    if (!binary.lhs || !binary.rhs) return nullptr;
    return MakeExpr(e, std::move(binary));
  }

  ast::ExprPtr ExprAtDepth(P::ExprContext* expr) {
    if (auto* e = dynamic_cast<P::MulExprContext*>(expr)) return Binary(e, e->expr(0), e->op, e->expr(1));
    if (auto* e = dynamic_cast<P::AddExprContext*>(expr)) return Binary(e, e->expr(0), e->op, e->expr(1));
    if (auto* e = dynamic_cast<P::ParenExprContext*>(expr)) {
      if (e->RPAREN() == nullptr || IsConjured(e->RPAREN()->getSymbol())) return nullptr;
      ast::ExprPtr inner = Expr(e->expr());
      if (inner) inner->range = TreeRange(e, reporter_);  // messages point at the whole `( ... )`
      return inner;
    }
    if (auto* e = dynamic_cast<P::LiteralExprContext*>(expr)) return Literal(e->literal());
    if (auto* e = dynamic_cast<P::TypedRecordExprContext*>(expr)) {
      std::optional<ast::Identifier> type = Ident(e->IDENT());
      std::optional<ast::RecordExpr> record = type ? Block(e->block(), type) : std::nullopt;
      return record ? MakeExpr(e, std::move(*record)) : nullptr;
    }
    if (auto* e = dynamic_cast<P::RecordExprContext*>(expr)) {
      std::optional<ast::RecordExpr> record = Block(e->block(), std::nullopt);
      return record ? MakeExpr(e, std::move(*record)) : nullptr;
    }
    if (auto* e = dynamic_cast<P::ReferenceExprContext*>(expr)) {
      ast::Reference reference;
      std::optional<ast::Identifier> head = Ident(e->IDENT());
      if (!head) return nullptr;
      reference.path.push_back(std::move(*head));
      for (P::MemberNameContext* member : e->memberName()) {
        const antlr4::Token* token = member->getStart();
        if (token == nullptr || IsConjured(token) || member->exception != nullptr) return nullptr;
        reference.path.push_back({token->getText(), TokenRange(token, reporter_)});
      }
      return MakeExpr(e, std::move(reference));
    }
    if (auto* e = dynamic_cast<P::ListExprContext*>(expr)) {
      ast::ListExpr list;
      for (P::ExprContext* item : e->expr()) {
        ast::ExprPtr built = Expr(item);
        if (!built) return nullptr;
        list.items.push_back(std::move(built));
      }
      return MakeExpr(e, std::move(list));
    }
    return nullptr;
  }

  ast::ExprPtr Literal(P::LiteralContext* literal) {
    if (literal == nullptr || literal->exception != nullptr) return nullptr;
    DecodedLiteral decoded;
    const antlr4::Token* token = literal->getStop();
    if (literal->NUMBER() != nullptr) {
      token = literal->NUMBER()->getSymbol();
      decoded = DecodeNumber(token->getText(), literal->MINUS() != nullptr);
    } else if (literal->STRING() != nullptr) {
      decoded = DecodeString(token->getText());
    } else if (literal->UNTERMINATED_STRING() != nullptr) {
      decoded = DecodeString(token->getText(), /*terminated=*/false);  // reported by ScanTokens
    } else {
      ast::Literal boolean{ast::LiteralKind::kBool, token->getText()};
      boolean.bool_value = literal->TRUE() != nullptr;
      decoded.literal = std::move(boolean);
    }
    if (decoded.error) {
      ReportLiteralError(*decoded.error, literal, token);
      return nullptr;
    }
    PlaceInterpolations(*decoded.literal, token);
    return MakeExpr(literal, std::move(*decoded.literal));
  }

  void ReportLiteralError(const LiteralError& error, P::LiteralContext* literal, const antlr4::Token* token) {
    const int shift = literal->MINUS() != nullptr ? 1 : 0;
    diag::SourceRange range = TokenRange(token, reporter_);
    if (error.offset < shift) {
      range = TreeRange(literal, reporter_);
    } else {
      range.column += error.offset - shift;
    }
    range.length = error.length;
    reporter_.Error(diag::Kind::invalid_literal, range, error.message, error.help);
  }

  // Interpolation ranges come relative to the string's opening quote.
  void PlaceInterpolations(ast::Literal& literal, const antlr4::Token* token) {
    const diag::SourceRange at = TokenRange(token, reporter_);
    auto place = [&](diag::SourceRange& range) {
      range.file = at.file;
      range.line = at.line;
      range.column += at.column;
    };
    for (ast::Interpolation& interpolation : literal.interpolations) {
      place(interpolation.range);
      for (ast::Identifier& part : interpolation.path) place(part.range);
    }
  }

  template <typename Node>
  ast::ExprPtr MakeExpr(antlr4::tree::ParseTree* tree, Node node) {
    auto expr = std::make_unique<ast::Expr>();
    expr->range = TreeRange(tree, reporter_);
    expr->node = std::move(node);
    return expr;
  }

  std::optional<ast::Identifier> Ident(TerminalNode* node) {
    if (node == nullptr || IsConjured(node->getSymbol())) return std::nullopt;
    return ast::Identifier{node->getText(), TokenRange(node->getSymbol(), reporter_)};
  }

  static bool IsComma(antlr4::tree::ParseTree* child) {
    auto* terminal = dynamic_cast<TerminalNode*>(child);
    return terminal != nullptr && terminal->getSymbol()->getType() == P::COMMA;
  }

  // `a = 1 b = 2` parses, but one line must hold one field (or a comma).
  void RequireNewLine(const antlr4::Token* previous_end, const antlr4::Token* next, const char* what,
                      const char* or_comma) {
    if (previous_end == nullptr || next == nullptr || IsConjured(previous_end)) return;
    if (previous_end->getLine() != next->getLine()) return;
    reporter_.Error(diag::Kind::syntax_error, TokenRange(next, reporter_),
                    std::string("expected a new line") + or_comma + " before " + what + " `" + next->getText() + "`");
  }

  // Deep enough for any real expression, shallow enough for the stack.
  static constexpr int kMaxExprDepth = 200;

  SyntaxReporter& reporter_;
  int depth_ = 0;
};

}  // namespace

std::vector<ast::Decl> BuildDecls(antlr4::tree::ParseTree* module_tree, SyntaxReporter& reporter) {
  auto* module = dynamic_cast<P::Module_Context*>(module_tree);
  if (module == nullptr) return {};
  return Builder(reporter).Module(module);
}

}  // namespace dml::syntax
