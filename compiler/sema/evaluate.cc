#include "compiler/sema/evaluate.h"

#include <algorithm>

#include "compiler/sema/arithmetic.h"
#include "compiler/sema/suggest.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::sema {
namespace {

std::string JoinPath(const ast::Reference& reference, size_t count) {
  std::string text;
  for (size_t i = 0; i < count && i < reference.path.size(); ++i) {
    if (i > 0) text += '.';
    text += reference.path[i].name;
  }
  return text;
}

ValueKind LiteralValueKind(ast::LiteralKind kind) {
  switch (kind) {
    case ast::LiteralKind::kInt: return ValueKind::kInt;
    case ast::LiteralKind::kFloat: return ValueKind::kFloat;
    case ast::LiteralKind::kBool: return ValueKind::kBool;
    case ast::LiteralKind::kString: return ValueKind::kString;
    case ast::LiteralKind::kDuration: return ValueKind::kDuration;
    case ast::LiteralKind::kSize: return ValueKind::kSize;
    case ast::LiteralKind::kIp: return ValueKind::kIp;
    case ast::LiteralKind::kCidr: return ValueKind::kCidr;
  }
  return ValueKind::kString;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

bool Evaluator::DepthGuard::Enter(diag::SourceRange culprit) {
  if (evaluator_.depth_ <= kMaxEvalDepth) return true;
  if (!evaluator_.depth_reported_) {
    evaluator_.depth_reported_ = true;
    evaluator_.sink_.Report({diag::Kind::nesting_too_deep, culprit,
                             "evaluation nests more than " + std::to_string(kMaxEvalDepth) +
                                 " levels deep here: lets name lets that name lets, too many times over",
                             {}, {"compute the value in fewer steps: write it out, or name it from fewer lets"}});
  }
  return false;
}

std::optional<Value> Evaluator::Eval(const ast::Expr& expr, const ModuleScope& scope) {
  DepthGuard depth(*this);
  if (!depth.Enter(expr.range)) return std::nullopt;
  if (const auto* literal = std::get_if<ast::Literal>(&expr.node)) return EvalLiteral(*literal, expr.range, scope);
  if (const auto* reference = std::get_if<ast::Reference>(&expr.node)) {
    return EvalReference(*reference, expr.range, scope);
  }
  if (const auto* record = std::get_if<ast::RecordExpr>(&expr.node)) {
    return EvalRecord(*record, expr.range, scope);
  }
  if (const auto* binary = std::get_if<ast::BinaryExpr>(&expr.node)) {
    return EvalBinary(*binary, expr.range, scope);
  }
  const auto& list = std::get<ast::ListExpr>(expr.node);
  Value value;
  value.kind = ValueKind::kList;
  value.range = expr.range;
  bool ok = true;
  for (const ast::ExprPtr& item : list.items) {
    std::optional<Value> v = item ? Eval(*item, scope) : std::nullopt;
    if (v) value.items.push_back(std::move(*v));
    else ok = false;  // evaluate the rest anyway: each item may hold its own mistake
  }
  if (!ok) return std::nullopt;
  return value;
}

std::optional<Value> Evaluator::EvalLiteral(const ast::Literal& literal, diag::SourceRange range,
                                            const ModuleScope& scope) {
  Value value;
  value.kind = LiteralValueKind(literal.kind);
  value.range = range;
  value.int_value = literal.int_value;
  value.number = literal.float_value;
  value.bool_value = literal.bool_value;
  value.text = literal.string_value;
  if (literal.interpolations.empty()) return value;
  // Fill from the last to the first, so earlier offsets stay valid.
  bool ok = true;
  std::vector<std::string> texts(literal.interpolations.size());
  for (size_t i = 0; i < literal.interpolations.size(); ++i) {
    const ast::Interpolation& at = literal.interpolations[i];
    ast::Reference reference{at.path};
    std::optional<Value> part = EvalReference(reference, at.range, scope);
    ok = part && Interpolate(*part, at, &texts[i], &value.splices) && ok;
  }
  if (!ok) return std::nullopt;
  for (size_t i = literal.interpolations.size(); i-- > 0;) {
    value.text.insert(std::min(literal.interpolations[i].offset, value.text.size()), texts[i]);
  }
  return value;
}

bool Evaluator::Interpolate(const Value& value, const ast::Interpolation& at, std::string* text,
                            std::vector<Splice>* splices) {
  const std::string name = JoinPath(ast::Reference{at.path}, at.path.size());
  switch (value.kind) {
    case ValueKind::kParam:
      // Filled in at stack create; whether this string may hold it is up to
      // the field it sets (Conformer::ConformSpliced).
      *text = plan::ParamHole(value.text);
      splices->push_back({std::make_shared<const Value>(value), at.range});
      return true;
    case ValueKind::kString:
      *text = value.text;  // a let's string keeps the params it holds
      splices->insert(splices->end(), value.splices.begin(), value.splices.end());
      return true;
    case ValueKind::kList:
    case ValueKind::kRecord:
      sink_.Report({diag::Kind::type_mismatch, at.range,
                    "`" + name + "` is " + value.Describe() + "; only a single value goes into a string", {},
                    {value.kind == ValueKind::kRecord ? "name one of its fields: `${" + name + ".<field>}`"
                                                      : "write the items one by one"}});
      return false;
    case ValueKind::kEnum:
      if (ReportIfUndefined(value, types_, sink_)) return false;
      *text = value.text;
      return true;
    default:
      *text = value.UserText();
      return true;
  }
}

std::optional<Value> Evaluator::EvalBinary(const ast::BinaryExpr& binary, diag::SourceRange range,
                                           const ModuleScope& scope) {
  std::optional<Value> lhs = binary.lhs ? Eval(*binary.lhs, scope) : std::nullopt;
  std::optional<Value> rhs = binary.rhs ? Eval(*binary.rhs, scope) : std::nullopt;
  if (!lhs || !rhs) return std::nullopt;
  bool ok = true;
  for (const Value* operand : {&*lhs, &*rhs}) {
    if (operand->kind == ValueKind::kParam) {
      sink_.Report({diag::Kind::param_not_allowed, operand->range,
                    std::string("`") + OpText(binary.op) + "` is computed when dmlc compiles; param `" +
                        operand->text + "` is only known at stack create",
                    {{operand->param ? operand->param->range : diag::SourceRange{},
                      "`" + operand->text + "` is declared here"}},
                    {"use a `let` for a value fixed in the file"}});
      ok = false;
    } else if (ReportIfUndefined(*operand, types_, sink_)) {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return ApplyBinary({binary.op, &*lhs, &*rhs, binary.op_range, range}, sink_);
}

Value Evaluator::EvalBlock(const ast::RecordExpr& record, diag::SourceRange range,
                           const ModuleScope& scope) {
  Value value;
  value.kind = ValueKind::kRecord;
  value.range = range;
  for (const ast::Field& field : record.fields) {
    const std::string label = field.label ? field.label->name : "";
    const FieldValue* earlier = nullptr;
    for (const FieldValue* entry : value.Entries(field.name.name)) {
      if (entry->label == label) earlier = entry;
    }
    if (earlier != nullptr) {
      const std::string what = label.empty() ? "`" + field.name.name + "` is set twice"
                                             : "`" + field.name.name + " " + label + "` is declared twice";
      sink_.Report({diag::Kind::duplicate_field, field.label ? field.label->range : field.name.range, what,
                    {{label.empty() ? earlier->name_range : earlier->label_range, "first set here"}},
                    {label.empty() ? "remove one of them" : "give each " + field.name.name + " its own name"}});
      continue;
    }
    std::shared_ptr<Value> v;
    if (field.value) {
      if (std::optional<Value> result = Eval(*field.value, scope)) {
        v = std::make_shared<Value>(std::move(*result));
      }
    }
    value.fields.push_back({field.name.name, field.name.range, v, label,
                            field.label ? field.label->range : diag::SourceRange{}});
  }
  return value;
}

std::optional<Value> Evaluator::EvalRecord(const ast::RecordExpr& record, diag::SourceRange range,
                                           const ModuleScope& scope) {
  Value value = EvalBlock(record, range, scope);
  if (!record.type_name) return value;
  const std::string& type = record.type_name->name;
  const Schema* schema = types_.Record(type);
  if (schema == nullptr) {
    std::vector<std::string> help = DidYouMean(type, types_.RecordNames());
    if (types_.Enum(type) != nullptr) help = {"`" + type + "` is an enum: write one of its members"};
    sink_.Report({diag::Kind::undefined_name, record.type_name->range,
                  "there is no record type `" + type + "`", {}, help});
    return std::nullopt;
  }
  value.record_type = type;
  conformer_.ConformRecord(value, *schema, "record `" + type + "`", record.type_name->range);
  return value;
}

std::optional<Value> Evaluator::EvalUndeclared(const ast::Reference& reference, diag::SourceRange range,
                                               const ModuleScope& scope) {
  const ast::Identifier& head = reference.path.front();
  // `activation.relu`: a member named with its enum.
  if (const EnumType* type = types_.Enum(head.name); type != nullptr && reference.path.size() == 2) {
    const ast::Identifier& member = reference.path[1];
    if (!type->Has(member.name)) {
      sink_.Report({diag::Kind::unknown_choice, member.range,
                    "enum `" + type->name + "` has no member `" + member.name + "`", {},
                    DidYouMean(member.name, type->members)});
      return std::nullopt;
    }
    Value value = EnumValue(type->name, member.name);
    value.range = range;
    return value;
  }
  if (reference.path.size() == 1) {
    // A bare name: an enum member, if the place it goes has an enum type.
    Value value;
    value.kind = ValueKind::kEnum;
    value.text = head.name;
    value.range = range;
    std::vector<const EnumType*> enums = types_.EnumsWith(head.name);
    if (enums.size() == 1) value.enum_type = enums.front()->name;
    if (enums.empty()) value.undefined_help = DidYouMean(head.name, Concat(scope.Names(), types_.AllMembers()));
    return value;
  }
  sink_.Report({diag::Kind::undefined_name, head.range, "`" + head.name + "` is not declared", {},
                DidYouMean(head.name, scope.Names())});
  return std::nullopt;
}

std::optional<Value> Evaluator::EvalReference(const ast::Reference& reference,
                                              diag::SourceRange range, const ModuleScope& scope) {
  const ast::Identifier& head = reference.path.front();
  const Symbol* symbol = scope.Find(head.name);
  if (symbol == nullptr) return EvalUndeclared(reference, range, scope);
  switch (symbol->kind) {
    case Symbol::Kind::kParam: {
      if (reference.path.size() > 1) {
        sink_.Report({diag::Kind::type_mismatch, reference.path[1].range,
                      "param `" + head.name + "` is a " + symbol->param->type.name.name +
                          "; it has no field `" + reference.path[1].name + "`",
                      {{symbol->param->range, "declared here"}}, {}});
        return std::nullopt;
      }
      return ParamValue(*symbol->param, scope, range);
    }
    case Symbol::Kind::kLet: {
      std::optional<Value> value = LetValue(*symbol->let, scope, range);
      if (!value) return std::nullopt;
      return SelectFields(std::move(*value), reference, 1, range);
    }
    case Symbol::Kind::kImport: {
      if (symbol->module == nullptr) return std::nullopt;  // reported at the import
      if (reference.path.size() == 1) {
        sink_.Report({diag::Kind::type_mismatch, range,
                      "`" + head.name + "` is a module, not a value", {},
                      {"name one of its declarations: `" + head.name + ".<name>`"}});
        return std::nullopt;
      }
      const ast::Identifier& member = reference.path[1];
      const Symbol* inner = symbol->module->Find(member.name);
      if (inner == nullptr || inner->kind != Symbol::Kind::kLet) {
        sink_.Report({diag::Kind::undefined_name, member.range,
                      "module `" + head.name + "` has no `" + member.name + "`", {},
                      DidYouMean(member.name, symbol->module->Names(Symbol::Kind::kLet))});
        return std::nullopt;
      }
      std::optional<Value> value = LetValue(*inner->let, *symbol->module, range);
      if (!value) return std::nullopt;
      return SelectFields(std::move(*value), reference, 2, range);
    }
    case Symbol::Kind::kCluster:
    case Symbol::Kind::kJob:
      sink_.Report({diag::Kind::type_mismatch, range,
                    "`" + head.name + "` is a " + SymbolKindName(symbol->kind) + ", not a value",
                    {{symbol->name->range, "declared here"}}, {}});
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Value> Evaluator::SelectFields(Value value, const ast::Reference& reference,
                                             size_t first, diag::SourceRange range) {
  for (size_t i = first; i < reference.path.size(); ++i) {
    const ast::Identifier& name = reference.path[i];
    if (value.kind != ValueKind::kRecord) {
      sink_.Report({diag::Kind::type_mismatch, name.range,
                    "`" + JoinPath(reference, i) + "` is " + value.Describe() +
                        ", which has no fields",
                    {}, {}});
      return std::nullopt;
    }
    const FieldValue* field = value.FieldEntry(name.name);
    if (field == nullptr) {
      std::vector<std::string> names;
      for (const FieldValue& f : value.fields) names.push_back(f.name);
      // A field its type declares but this record leaves out (`disk: size?`).
      const Schema* schema = value.record_type.empty() ? nullptr : types_.Record(value.record_type);
      if (schema != nullptr && schema->Find(name.name) != nullptr) {
        sink_.Report({diag::Kind::missing_field, name.range,
                      "`" + JoinPath(reference, i) + "` (" + value.Describe() + ") does not set `" +
                          name.name + "`",
                      {}, {}});
        return std::nullopt;
      }
      sink_.Report({diag::Kind::unknown_field, name.range,
                    "`" + JoinPath(reference, i) + "` (" + value.Describe() + ") has no field `" +
                        name.name + "`",
                    {}, DidYouMean(name.name, names)});
      return std::nullopt;
    }
    if (!field->value) return std::nullopt;  // wrong where it was defined; reported there
    Value next = *field->value;
    value = std::move(next);
  }
  value.range = range;  // checks point at the use, not at the let
  return value;
}

bool Evaluator::CheckNames(const Value& value) {
  if (ReportIfUndefined(value, types_, sink_)) return false;
  bool ok = true;
  for (const Value& item : value.items) ok = CheckNames(item) && ok;
  for (const FieldValue& field : value.fields) {
    if (field.value) ok = CheckNames(*field.value) && ok;
  }
  return ok;
}

std::optional<Value> Evaluator::LetValue(const ast::Let& let, const ModuleScope& scope,
                                         diag::SourceRange use) {
  DepthGuard depth(*this);
  auto it = lets_.find(&let);
  if (it != lets_.end()) {
    if (it->second.state == State::kInProgress) {
      sink_.Report({diag::Kind::reference_cycle, use,
                    "the value of `" + let.name.name + "` depends on itself",
                    {{let.name.range, "`" + let.name.name + "` is declared here"}}, {}});
      return std::nullopt;
    }
    return it->second.value;
  }
  // Not entered: a let left unevaluated is evaluated afresh from elsewhere.
  if (!depth.Enter(use)) return std::nullopt;
  lets_[&let] = LetEntry{};
  std::optional<Value> value = let.value ? Eval(*let.value, scope) : std::nullopt;
  // A let has no type to settle a bare name by: it must be some enum's member.
  if (value && !CheckNames(*value)) value.reset();
  LetEntry& entry = lets_[&let];
  entry.state = State::kDone;
  entry.value = value;
  return value;
}

void Evaluator::CheckDeclarations(const ModuleScope& scope) {
  for (const Symbol& symbol : scope.symbols()) {
    if (symbol.kind == Symbol::Kind::kParam) ParamValue(*symbol.param, scope, symbol.name->range);
    if (symbol.kind == Symbol::Kind::kLet) LetValue(*symbol.let, scope, symbol.name->range);
  }
}

}  // namespace dml::sema
