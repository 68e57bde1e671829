#include "compiler/sema/declare_types.h"

#include <set>
#include <vector>

#include "compiler/sema/suggest.h"

namespace dml::sema {
namespace {

struct Declared {
  const ast::TypeDecl* decl = nullptr;
  const ModuleScope* scope = nullptr;
  Schema* schema = nullptr;
  std::vector<const ast::FieldDecl*> fields;  // parallel to schema->fields
};

TypeKind KindOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt: return TypeKind::kInt;
    case ValueKind::kFloat: return TypeKind::kFloat;
    case ValueKind::kBool: return TypeKind::kBool;
    case ValueKind::kDuration: return TypeKind::kDuration;
    case ValueKind::kSize: return TypeKind::kSize;
    case ValueKind::kIp: return TypeKind::kIp;
    case ValueKind::kCidr: return TypeKind::kCidr;
    default: return TypeKind::kString;
  }
}

std::string Quoted(const std::string& name) { return "`" + name + "`"; }

class Declarer {
 public:
  Declarer(Evaluator& evaluator, Conformer& conformer, TypeRegistry& types, diag::DiagnosticSink& sink)
      : evaluator_(evaluator), conformer_(conformer), types_(types), sink_(sink) {}

  void Run(const Program& program) {
    for (const ModuleScope* scope : program.Scopes()) {
      for (const ast::Decl& decl : scope->module().decls) {
        if (const auto* type = std::get_if<ast::TypeDecl>(&decl)) DeclareRecord(*type, *scope);
        if (const auto* e = std::get_if<ast::EnumDecl>(&decl)) DeclareEnum(*e);
      }
    }
    for (Declared& d : records_) BuildFields(d);
    for (Declared& d : records_) BuildLimitsAndDefaults(d);
  }

 private:
  bool NameIsFree(const ast::Identifier& name) {
    ValueKind scalar = ValueKind::kInt;
    if (ScalarKindByName(name.name, &scalar)) {
      sink_.Report({diag::Kind::duplicate_name, name.range, Quoted(name.name) + " is a built-in type", {},
                    {"give the type another name"}});
      return false;
    }
    const diag::SourceRange earlier = types_.Declared(name.name);
    if (!earlier.valid()) return true;
    sink_.Report({diag::Kind::duplicate_name, name.range,
                  "type " + Quoted(name.name) + " is already declared; type names are shared by every module",
                  {{earlier, "the earlier declaration is here"}}, {}});
    return false;
  }

  void DeclareRecord(const ast::TypeDecl& decl, const ModuleScope& scope) {
    if (!NameIsFree(decl.name)) return;
    Schema* schema = types_.AddRecord(decl.name.name, decl.name.range);
    if (schema != nullptr) records_.push_back({&decl, &scope, schema, {}});
  }

  void DeclareEnum(const ast::EnumDecl& decl) {
    if (!NameIsFree(decl.name)) return;
    EnumType* type = types_.AddEnum(decl.name.name, decl.name.range);
    if (type == nullptr) return;
    std::map<std::string, diag::SourceRange> seen;
    for (const ast::Identifier& member : decl.members) {
      auto [it, inserted] = seen.emplace(member.name, member.range);
      if (!inserted) {
        sink_.Report({diag::Kind::duplicate_name, member.range,
                      Quoted(member.name) + " is already a member of enum " + Quoted(decl.name.name),
                      {{it->second, "first listed here"}}, {}});
        continue;
      }
      type->members.push_back(member.name);
    }
    if (type->members.empty()) {
      sink_.Report({diag::Kind::missing_field, decl.name.range,
                    "enum " + Quoted(decl.name.name) + " has no members", {}, {"list them: `enum mode { fast, safe }`"}});
    }
  }

  // A field's type from its TypeRef; null (reported) when it names nothing.
  std::optional<Type> Resolve(const ast::TypeRef& ref) {
    const std::string& name = ref.name.name;
    ValueKind scalar = ValueKind::kInt;
    Type type;
    if (ScalarKindByName(name, &scalar)) {
      type = ref.list ? ListOf(KindOf(scalar)) : Type{};
      if (!ref.list) type.kind = KindOf(scalar);
    } else if (types_.Enum(name) != nullptr) {
      type = ref.list ? ListOfEnum(name) : EnumOf(name);
    } else if (types_.Record(name) != nullptr) {
      if (ref.list) {
        sink_.Report({diag::Kind::type_mismatch, ref.range, "a list holds single values, not records like " + Quoted(name),
                      {}, {"declare a list of ints, strings, sizes, ... or of an enum's members"}});
        return std::nullopt;
      }
      type = RecordOf({name});
    } else {
      std::vector<std::string> names = ScalarKindNames();
      for (const std::string& n : types_.RecordNames()) names.push_back(n);
      for (const std::string& n : types_.EnumNames()) names.push_back(n);
      sink_.Report({diag::Kind::undefined_name, ref.name.range, "there is no type " + Quoted(name), {},
                    DidYouMean(name, names)});
      return std::nullopt;
    }
    return type;
  }

  void BuildFields(Declared& d) {
    std::map<std::string, diag::SourceRange> seen;
    for (const ast::FieldDecl& field : d.decl->fields) {
      auto [it, inserted] = seen.emplace(field.name.name, field.name.range);
      if (!inserted) {
        sink_.Report({diag::Kind::duplicate_field, field.name.range,
                      Quoted(field.name.name) + " is declared twice in type " + Quoted(d.decl->name.name),
                      {{it->second, "first declared here"}}, {}});
        continue;
      }
      std::optional<Type> type = Resolve(field.type);
      if (!type) continue;
      FieldSpec spec = Field(field.name.name, *type);
      spec.required = !field.type.optional && !field.default_value;
      d.schema->fields.push_back(std::move(spec));
      d.fields.push_back(&field);
    }
  }

  void BuildLimitsAndDefaults(Declared& d) {
    for (size_t i = 0; i < d.fields.size(); ++i) {
      const ast::FieldDecl& field = *d.fields[i];
      FieldSpec& spec = d.schema->fields[i];
      const std::string subject = "field " + Quoted(d.decl->name.name + "." + field.name.name);
      if (field.constraint) {
        const TypeKind kind = spec.type.kind == TypeKind::kList ? spec.type.element : spec.type.kind;
        ValueKind value_kind = ValueKind::kString;
        if (!ScalarValueKind(kind, &value_kind)) value_kind = ValueKind::kRecord;
        std::optional<NumericRange> range = evaluator_.EvalRange(*field.constraint, value_kind, subject, *d.scope);
        if (range) {
          spec.min = range->min;
          spec.max = range->max;
        }
      }
      if (!field.default_value) continue;
      std::optional<Value> value = evaluator_.Eval(*field.default_value, *d.scope);
      if (!value) continue;
      if (!conformer_.ConformField(*value, spec)) continue;
      spec.Default(std::move(*value));
      if (field.type.optional) spec.required = false;
    }
  }

  Evaluator& evaluator_;
  Conformer& conformer_;
  TypeRegistry& types_;
  diag::DiagnosticSink& sink_;
  std::vector<Declared> records_;
};

}  // namespace

void DeclareTypes(const Program& program, Evaluator& evaluator, Conformer& conformer, TypeRegistry& types,
                  diag::DiagnosticSink& sink) {
  Declarer(evaluator, conformer, types, sink).Run(program);
}

}  // namespace dml::sema
