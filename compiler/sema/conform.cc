#include "compiler/sema/conform.h"

#include <algorithm>

#include "compiler/sema/suggest.h"

namespace dml::sema {
namespace {

// A bound in the unit of the value it limits: `4GiB`, `10m`, `1`.
std::string FormatBound(double bound, ValueKind kind) {
  if (kind == ValueKind::kSize) return SizeText(static_cast<int64_t>(bound));
  if (kind == ValueKind::kDuration) return DurationText(bound);
  return FloatValue(bound).ScalarText();
}

std::string Names(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i > 0 ? ", " : "") + names[i];
  return text;
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += "\"" + names[i] + "\"";
  }
  return text;
}

}  // namespace

bool ReportIfUndefined(const Value& value, const TypeRegistry& types, diag::DiagnosticSink& sink) {
  if (value.kind != ValueKind::kEnum || !types.EnumsWith(value.text).empty()) return false;
  sink.Report({diag::Kind::undefined_name, value.range, "`" + value.text + "` is not declared", {},
               value.undefined_help});
  return true;
}

bool ScalarValueKind(TypeKind type, ValueKind* kind) {
  switch (type) {
    case TypeKind::kSize: *kind = ValueKind::kSize; return true;
    case TypeKind::kEnum: *kind = ValueKind::kEnum; return true;
    case TypeKind::kInt: *kind = ValueKind::kInt; return true;
    case TypeKind::kFloat: *kind = ValueKind::kFloat; return true;
    case TypeKind::kBool: *kind = ValueKind::kBool; return true;
    case TypeKind::kString: *kind = ValueKind::kString; return true;
    case TypeKind::kDuration: *kind = ValueKind::kDuration; return true;
    case TypeKind::kIp: *kind = ValueKind::kIp; return true;
    case TypeKind::kCidr: *kind = ValueKind::kCidr; return true;
    default: return false;
  }
}

void Conformer::Mismatch(const Value& value, const FieldSpec& spec, const std::string& expected,
                         std::vector<std::string> help) {
  sink_.Report({diag::Kind::type_mismatch, value.range,
                "expected " + expected + " for `" + spec.name + "`, found " + value.Describe(), {},
                std::move(help)});
}

void Conformer::ConformRecord(Value& record, const Schema& schema, const std::string& what,
                              diag::SourceRange where) {
  // Unknown fields first: they leave the record, with a suggestion.
  std::vector<std::string> known = schema.FieldNames();
  for (auto it = record.fields.begin(); it != record.fields.end();) {
    const FieldSpec* spec = schema.Find(it->name);
    if (spec == nullptr) {
      sink_.Report({diag::Kind::unknown_field, it->name_range,
                    what + " has no field `" + it->name + "`", {}, DidYouMean(it->name, known)});
      it = record.fields.erase(it);
      continue;
    }
    // A null value failed to evaluate and was reported then: keep it as a
    // present-but-unusable field so that it is not also "missing".
    if (!CheckLabel(*it, *spec)) {
      it->value.reset();
    } else if (it->value && !ConformField(*it->value, *spec, it->name_range)) {
      it->value.reset();
    }
    ++it;
  }
  CheckExactlyOneOf(record, schema, what, where);
  for (const FieldSpec& spec : schema.fields) {
    if (record.FieldEntry(spec.name) != nullptr) continue;
    if (spec.required) {
      sink_.Report({diag::Kind::missing_field, where,
                    what + " needs the field `" + spec.name + "` (" + spec.type.Describe() + ")",
                    {}, {}});
    } else if (spec.default_value) {
      auto value = std::make_shared<Value>(*spec.default_value);
      value->range = where;
      record.fields.push_back({spec.name, where, value});
    } else if (spec.default_block && spec.type.block != nullptr) {
      auto block = std::make_shared<Value>();
      block->kind = ValueKind::kRecord;
      block->range = where;
      ConformRecord(*block, *spec.type.block, "block `" + spec.name + "`", where);
      record.fields.push_back({spec.name, where, block});
    }
  }
}

bool Conformer::CheckLabel(const FieldValue& field, const FieldSpec& spec) {
  if (spec.labelled && field.label.empty()) {
    sink_.Report({diag::Kind::type_mismatch, field.name_range,
                  "`" + spec.name + "` needs a name: `" + spec.name + " NAME { ... }`", {},
                  {"for example `" + spec.name + " workers { ... }`"}});
    return false;
  }
  if (!spec.labelled && !field.label.empty()) {
    sink_.Report({diag::Kind::type_mismatch, field.label_range,
                  "`" + spec.name + "` takes no name: write `" + spec.name + " { ... }`", {}, {}});
    return false;
  }
  return true;
}

void Conformer::CheckExactlyOneOf(Value& record, const Schema& schema, const std::string& what,
                                  diag::SourceRange where) {
  for (const std::vector<std::string>& group : schema.exactly_one_of) {
    const FieldValue* first = nullptr;
    for (const std::string& name : group) {
      const FieldValue* entry = record.FieldEntry(name);
      if (entry == nullptr) continue;
      if (first == nullptr) {
        first = entry;
        continue;
      }
      sink_.Report({diag::Kind::conflicting_fields, entry->name_range,
                    what + " sets both `" + first->name + "` and `" + entry->name +
                        "`; it may set only one",
                    {{first->name_range, "`" + first->name + "` is set here"}}, {}});
    }
    if (first == nullptr) {
      std::string names;
      for (size_t i = 0; i < group.size(); ++i) {
        if (i > 0) names += i + 1 == group.size() ? " or " : ", ";
        names += "`" + group[i] + "`";
      }
      sink_.Report({diag::Kind::missing_field, where, what + " needs a " + names + " block", {}, {}});
    }
  }
}

bool Conformer::RejectEnumValue(const Value& value, const FieldSpec& spec, const std::string& what) {
  if (!ReportIfUndefined(value, types_, sink_)) Mismatch(value, spec, what);
  return false;
}

bool Conformer::ConformEnum(Value& value, const std::string& enum_name, const FieldSpec& spec) {
  const EnumType* type = types_.Enum(enum_name);
  if (type == nullptr) {
    sink_.Report({diag::Kind::internal_error, value.range,
                  "no enum `" + enum_name + "` is declared (stdlib/prelude.dml should)", {}, {}});
    return false;
  }
  if (value.kind != ValueKind::kEnum && value.kind != ValueKind::kString) {
    Mismatch(value, spec, "`" + enum_name + "`", {"`" + enum_name + "` is one of " + Names(type->members)});
    return false;
  }
  if (!type->Has(value.text)) {
    const bool quoted = value.kind == ValueKind::kString;
    std::vector<std::string> help;
    if (auto match = ClosestMatch(value.text, type->members)) help.push_back("did you mean `" + *match + "`?");
    help.push_back("`" + spec.name + "` is one of " + Names(type->members));
    sink_.Report({diag::Kind::unknown_choice, value.range,
                  (quoted ? "\"" + value.text + "\"" : "`" + value.text + "`") +
                      " is not a known choice for `" + spec.name + "`" +
                      (spec.name == enum_name ? std::string() : " (enum `" + enum_name + "`)"),
                  {}, help});
    return false;
  }
  value.kind = ValueKind::kEnum;
  value.enum_type = enum_name;
  return true;
}

bool Conformer::ConformField(Value& value, const FieldSpec& spec, diag::SourceRange name_range) {
  if (spec.url_param && !(value.kind == ValueKind::kParam && value.param_url)) {
    std::vector<diag::Note> notes;
    if (value.kind == ValueKind::kParam && value.param) {
      notes.push_back({value.param->range, "`" + value.text + "` is declared here"});
    }
    sink_.Report({diag::Kind::upload_not_url_param, value.range,
                  "`" + spec.name + "` must name a param of type url, found " + value.Describe(), notes,
                  {"declare `param upload_url: url` and write `" + spec.name +
                   " = upload_url`: the URL (a presigned one is a secret) is given at stack create, and Heat "
                   "keeps it hidden"}});
    return false;
  }
  if (value.kind == ValueKind::kParam) return ConformParam(value, spec);
  if (!value.splices.empty() && !ConformSplices(value, spec)) return false;
  if (spec.type.kind == TypeKind::kEnum) return ConformEnum(value, spec.type.enum_name, spec);
  if (value.kind == ValueKind::kEnum) return RejectEnumValue(value, spec, spec.type.Describe());
  switch (spec.type.kind) {
    case TypeKind::kList: {
      if (value.kind != ValueKind::kList) {
        Mismatch(value, spec, spec.type.Describe());
        return false;
      }
      bool ok = true;
      for (Value& item : value.items) {
        if (!item.splices.empty() && !ConformSplices(item, spec)) {
          ok = false;
        } else if (item.kind == ValueKind::kParam) {
          Mismatch(item, spec, spec.type.Describe(),
                   {spec.deploy_text ? "put it into a string: `\"${" + item.text + "}\"`, which Heat fills in"
                                     : "a list cannot hold deploy-time params"});
          ok = false;
        } else if (spec.type.element == TypeKind::kEnum) {
          ok = ConformEnum(item, spec.type.enum_name, spec) && ok;
        } else if (item.kind == ValueKind::kEnum) {
          ok = RejectEnumValue(item, spec, spec.type.Describe()) && ok;
        } else {
          ok = ConformScalar(item, spec.type.element, spec) && ok;
        }
      }
      return ok;
    }
    case TypeKind::kRecord:
    case TypeKind::kBlock:
      return ConformRecordValue(value, spec, name_range);
    default:
      return ConformScalar(value, spec.type.kind, spec);
  }
}

bool Conformer::ConformScalar(Value& value, TypeKind expected, const FieldSpec& spec) {
  ValueKind want = ValueKind::kString;
  ScalarValueKind(expected, &want);
  if (want == ValueKind::kFloat && value.kind == ValueKind::kInt) {
    value.number = static_cast<double>(value.int_value);
    value.kind = ValueKind::kFloat;  // ints widen to floats: `lr = 1` is fine
  }
  if (value.kind != want) {
    std::vector<std::string> help;
    if (want == ValueKind::kDuration && value.kind == ValueKind::kInt) {
      help.push_back("a duration has a unit: write `" + std::to_string(value.int_value) + "s`");
    } else if (want == ValueKind::kSize && value.kind == ValueKind::kInt) {
      help.push_back("a size has a unit: write `" + std::to_string(value.int_value) + "MiB` or `" +
                     std::to_string(value.int_value) + "GiB`");
    } else if (want == ValueKind::kString &&
               (value.kind == ValueKind::kIp || value.kind == ValueKind::kCidr)) {
      help.push_back("write it in quotes: \"" + value.text + "\"");
    } else if ((want == ValueKind::kIp || want == ValueKind::kCidr) &&
               value.kind == ValueKind::kString) {
      help.push_back(std::string("write the ") + ValueKindName(want) + " without quotes: " +
                     value.text);
    }
    Mismatch(value, spec, ValueKindName(want), std::move(help));
    return false;
  }
  return CheckLimits(value, spec, nullptr);
}

bool Conformer::CheckLimits(const Value& value, const FieldSpec& spec, const Value* param_site) {
  const diag::SourceRange& at = param_site ? param_site->range : value.range;
  std::vector<diag::Note> notes;
  std::string subject = "`" + spec.name + "`";
  if (param_site != nullptr && param_site->param != nullptr) {
    notes.push_back({param_site->param->range, "the default of param `" +
                                                   param_site->param->name.name + "` is here"});
    subject = "the default of param `" + param_site->param->name.name + "` (for `" + spec.name + "`)";
  }
  if (!spec.choices.empty() && value.kind == ValueKind::kString &&
      std::find(spec.choices.begin(), spec.choices.end(), value.text) == spec.choices.end()) {
    std::vector<std::string> help;
    if (auto match = ClosestMatch(value.text, spec.choices)) help.push_back("did you mean \"" + *match + "\"?");
    help.push_back("`" + spec.name + "` is one of " + Quoted(spec.choices));
    sink_.Report({diag::Kind::unknown_choice, at,
                  "\"" + value.text + "\" is not a known choice for `" + spec.name + "`", notes,
                  help});
    return false;
  }
  return CheckBounds(value, spec, at, subject, notes);
}

bool Conformer::CheckRange(const Value& value, const FieldSpec& spec, const ast::Param& param) {
  std::vector<diag::Note> notes;
  if (param.constraint) notes.push_back({param.constraint->range, "the range of `" + param.name.name + "` is here"});
  return CheckBounds(value, spec, value.range, "the default of param `" + param.name.name + "`", notes);
}

bool Conformer::CheckBounds(const Value& value, const FieldSpec& spec, diag::SourceRange at,
                            const std::string& subject, const std::vector<diag::Note>& notes) {
  bool numeric = value.kind == ValueKind::kInt || value.kind == ValueKind::kFloat ||
                 value.kind == ValueKind::kDuration || value.kind == ValueKind::kSize;
  if (!numeric) return true;
  double number = value.AsNumber();
  const bool unit = value.kind == ValueKind::kSize || value.kind == ValueKind::kDuration;
  auto fail = [&](const std::string& relation, double bound) {
    sink_.Report({diag::Kind::value_out_of_range, at,
                  subject + " must be " + relation + " " + FormatBound(bound, value.kind) + ", found " +
                      (unit ? value.UserText() : value.ScalarText()),
                  notes, {}});
    return false;
  };
  if (spec.min) {
    if (spec.min->exclusive && !(number > spec.min->value)) return fail("greater than", spec.min->value);
    if (!spec.min->exclusive && !(number >= spec.min->value)) return fail("at least", spec.min->value);
  }
  if (spec.max) {
    if (spec.max->exclusive && !(number < spec.max->value)) return fail("less than", spec.max->value);
    if (!spec.max->exclusive && !(number <= spec.max->value)) return fail("at most", spec.max->value);
  }
  return true;
}

bool Conformer::ConformParam(Value& value, const FieldSpec& spec) {
  const std::string name = value.param ? value.param->name.name : value.text;
  if (value.param_url && !spec.url_param) {
    sink_.Report({diag::Kind::param_not_allowed, value.range,
                  "param `" + name + "` is a url, which only `output.upload` takes",
                  {{value.param ? value.param->range : diag::SourceRange{}, "`" + name + "` is declared here"}},
                  {"a url param is a secret (Heat hides it); declare a string param for `" + spec.name + "`"}});
    return false;
  }
  if (!spec.deploy_time) {
    // A plan-text field takes the param inside a string instead.
    const bool text = spec.deploy_text && spec.type.kind == TypeKind::kString;
    sink_.Report({diag::Kind::param_not_allowed, value.range,
                  text ? "`" + spec.name + "` takes a param only inside its text"
                       : "`" + spec.name + "` is fixed when dmlc compiles; param `" + name +
                             "` is only known at stack create",
                  {{value.param ? value.param->range : diag::SourceRange{}, "`" + name + "` is declared here"}},
                  {text ? "write `" + spec.name + " = \"${" + name + "}\"`: Heat fills it in at stack create"
                        : "use a `let` for a value shared across the file"}});
    return false;
  }
  ValueKind want = ValueKind::kString;
  bool scalar = ScalarValueKind(spec.type.kind, &want);
  if (spec.type.kind == TypeKind::kRecord && spec.type.name_string) {
    scalar = true;  // a param names the record (a flavor name)
    want = ValueKind::kString;
  }
  bool widen = want == ValueKind::kFloat && value.param_type == ValueKind::kInt;
  if (!scalar || (value.param_type != want && !widen)) {
    Mismatch(value, spec, spec.type.Describe());
    return false;
  }
  if (spec.param_needs_default && !value.param_default) {
    sink_.Report({diag::Kind::param_not_allowed, value.range,
                  "param `" + name + "` sets `" + spec.name + "` but has no default",
                  {{value.param ? value.param->range : diag::SourceRange{}, "`" + name + "` is declared here"}},
                  {"give it a default (`param " + name + ": int = 1`): dmlc checks the cluster "
                   "with it and `dmlrun local` runs it"}});
    return false;
  }
  if (value.param_default) return CheckLimits(*value.param_default, spec, &value);
  return true;
}

bool Conformer::ConformRecordValue(Value& value, const FieldSpec& spec,
                                   diag::SourceRange name_range) {
  const diag::SourceRange& where = name_range.valid() ? name_range : value.range;
  if (value.kind == ValueKind::kString && spec.type.kind == TypeKind::kRecord &&
      spec.type.name_string) {
    return true;  // a flavor given by name
  }
  if (value.kind != ValueKind::kRecord) {
    Mismatch(value, spec, spec.type.Describe());
    return false;
  }
  if (spec.type.kind == TypeKind::kBlock) {
    if (!value.record_type.empty()) {
      Mismatch(value, spec, spec.type.Describe(),
               {"write the block as `" + spec.name + " { ... }`"});
      return false;
    }
    ConformRecord(value, *spec.type.block, "block `" + spec.name + "`", where);
    return true;
  }
  const std::vector<std::string>& accepted = spec.type.records;
  if (value.record_type.empty()) {
    // An untyped `{ ... }` where exactly one record type fits takes that type.
    if (accepted.size() != 1) {
      Mismatch(value, spec, spec.type.Describe(),
               {"name the type: `" + accepted.front() + " { ... }`"});
      return false;
    }
    const Schema* schema = types_.Record(accepted.front());
    if (schema == nullptr) {
      sink_.Report({diag::Kind::internal_error, value.range,
                    "no record type `" + accepted.front() + "` is declared (stdlib/prelude.dml should)", {}, {}});
      return false;
    }
    value.record_type = accepted.front();
    ConformRecord(value, *schema, "record `" + value.record_type + "`", where);
    return true;
  }
  if (std::find(accepted.begin(), accepted.end(), value.record_type) == accepted.end()) {
    Mismatch(value, spec, spec.type.Describe());
    return false;
  }
  return true;  // typed records were checked against their schema when built
}

}  // namespace dml::sema
