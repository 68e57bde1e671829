// The Evaluator's declarations with constraints: `param NAME: TYPE = DEFAULT
// in LOW..HIGH`, and the `in ...` ranges that params and type fields share.
#include "compiler/sema/evaluate.h"

#include "compiler/sema/suggest.h"
#include "runtime/plan/field_rules.h"

namespace dml::sema {
namespace {

// The kinds a range may constrain, and the bound kinds each accepts.
bool Rangeable(ValueKind kind) {
  return kind == ValueKind::kInt || kind == ValueKind::kFloat || kind == ValueKind::kSize ||
         kind == ValueKind::kDuration;
}

bool BoundFits(ValueKind bound, ValueKind kind) {
  return bound == kind || (kind == ValueKind::kFloat && bound == ValueKind::kInt);
}

std::string BoundText(double value, ValueKind kind) {
  if (kind == ValueKind::kSize) return SizeText(static_cast<int64_t>(value));
  if (kind == ValueKind::kDuration) return DurationText(value);
  return NumberText(value);
}

}  // namespace

std::optional<NumericRange> Evaluator::EvalRange(const ast::RangeConstraint& range, ValueKind kind,
                                                 const std::string& subject, const ModuleScope& scope) {
  if (!Rangeable(kind)) {
    sink_.Report({diag::Kind::type_mismatch, range.range,
                  subject + " is " + std::string(ValueKindName(kind)) +
                      ": `in` ranges constrain ints, floats, sizes and durations",
                  {}, {}});
    return std::nullopt;
  }
  NumericRange out;
  bool ok = true;
  auto bound = [&](const ast::ExprPtr& expr, bool exclusive, std::optional<Bound>& into) {
    if (!expr) return;
    std::optional<Value> v = Eval(*expr, scope);
    if (!v) {
      ok = false;
      return;
    }
    if (v->kind == ValueKind::kParam) {
      sink_.Report({diag::Kind::param_not_allowed, v->range,
                    "a range is fixed when dmlc compiles; param `" + v->text + "` is only known at stack create",
                    {}, {"use a number or a `let`"}});
      ok = false;
      return;
    }
    if (ReportIfUndefined(*v, types_, sink_)) {
      ok = false;
      return;
    }
    if (!BoundFits(v->kind, kind)) {
      std::vector<std::string> help;
      if (kind == ValueKind::kSize && v->kind == ValueKind::kInt) help.push_back("give the bound a unit: `4GiB`");
      if (kind == ValueKind::kDuration && v->kind == ValueKind::kInt) help.push_back("give the bound a unit: `90s`");
      sink_.Report({diag::Kind::type_mismatch, v->range,
                    std::string("expected ") + ValueKindName(kind) + " for a bound of " + subject + ", found " +
                        v->Describe(),
                    {}, help});
      ok = false;
      return;
    }
    into = Bound{v->AsNumber(), exclusive};
  };
  bound(range.low, range.low_exclusive, out.min);
  bound(range.high, range.high_exclusive, out.max);
  if (!ok) return std::nullopt;
  if (out.min && out.max &&
      (out.min->value > out.max->value ||
       (out.min->value == out.max->value && (out.min->exclusive || out.max->exclusive)))) {
    sink_.Report({diag::Kind::value_out_of_range, range.range,
                  "the range of " + subject + " holds no value: " + BoundText(out.min->value, kind) +
                      (out.min->exclusive ? " (excluded)" : "") + " to " + BoundText(out.max->value, kind) +
                      (out.max->exclusive ? " (excluded)" : ""),
                  {}, {}});
    return std::nullopt;
  }
  return out;
}

bool Evaluator::CheckParamDefault(const ast::Param& param, Value& value, const ModuleScope& scope) {
  std::optional<Value> def = Eval(*param.default_value, scope);
  if (!def) return false;
  if (!def->splices.empty()) {
    const Splice& splice = def->splices.front();
    sink_.Report({diag::Kind::param_not_allowed, splice.range,
                  "the default of param `" + param.name.name + "` is fixed when dmlc compiles; param `" +
                      splice.param->text + "` is only known at stack create",
                  {{splice.param->param ? splice.param->param->range : diag::SourceRange{},
                    "`" + splice.param->text + "` is declared here"}},
                  {"use a `let` for a value fixed in the file"}});
    return false;
  }
  const bool widen = def->kind == ValueKind::kInt && value.param_type == ValueKind::kFloat;
  if (widen) {
    def->number = static_cast<double>(def->int_value);
    def->kind = ValueKind::kFloat;
  }
  if (def->kind != value.param_type) {
    if (!ReportIfUndefined(*def, types_, sink_)) {
      sink_.Report({diag::Kind::type_mismatch, def->range,
                    std::string("expected ") + ValueKindName(value.param_type) + " for the default of param `" +
                        param.name.name + "`, found " + def->Describe(),
                    {}, {}});
    }
    return false;
  }
  value.param_default = std::make_shared<Value>(std::move(*def));
  return true;
}

bool Evaluator::CheckUrlDefault(const ast::Param& param, const Value& def) {
  const plan::RuleResult problem = plan::CheckDownloadUrl(def.text);
  if (!problem) return true;
  const bool https = plan::IsHttpsUrl(def.text);
  sink_.Report({https ? diag::Kind::value_out_of_range : diag::Kind::insecure_download_url, def.range,
                "the default of param `" + param.name.name + "` (a url) " +
                    (https ? *problem : std::string("is not an https URL")),
                {}, {"a `url` param holds an https URL (a presigned one, usually given at stack create)"}});
  return false;
}

std::optional<Value> Evaluator::ParamValue(const ast::Param& param, const ModuleScope& scope,
                                           diag::SourceRange use) {
  auto it = params_.find(&param);
  if (it == params_.end()) {
    ParamEntry entry;
    Value& value = entry.value;
    value.kind = ValueKind::kParam;
    value.param = &param;
    value.text = param.name.name;
    const ast::TypeRef& type = param.type;
    // `url`: a string that Heat keeps hidden (a presigned URL is a secret).
    value.param_url = type.name.name == kUrlParamType;
    if (value.param_url) value.param_type = ValueKind::kString;
    entry.ok = !type.list && !type.optional &&
               (value.param_url || ScalarKindByName(type.name.name, &value.param_type));
    if (!entry.ok) {
      std::vector<std::string> names = ScalarKindNames();
      names.push_back(kUrlParamType);
      std::vector<std::string> help = DidYouMean(type.name.name, names);
      if (type.list || type.optional || types_.Record(type.name.name) || types_.Enum(type.name.name)) {
        help = {"Heat parameters are single values: int, float, bool, string, duration, size, ip, cidr or url"};
      }
      sink_.Report({diag::Kind::undefined_name, type.range,
                    "there is no param type `" + type.name.name + (type.list ? "` list" : "`"), {}, help});
    }
    std::optional<NumericRange> range;
    if (entry.ok && param.constraint && !Rangeable(value.param_type)) {
      sink_.Report({diag::Kind::type_mismatch, param.constraint->range,
                    "param `" + param.name.name + "` is " + ValueKindName(value.param_type) +
                        ": `in` ranges on params constrain ints, floats, sizes and durations (Heat's range "
                        "constraint on a number)",
                    {}, {}});
      entry.ok = false;
    }
    if (entry.ok && param.constraint) {
      range = EvalRange(*param.constraint, value.param_type, "param `" + param.name.name + "`", scope);
      entry.ok = range.has_value();
    }
    if (entry.ok && param.default_value) entry.ok = CheckParamDefault(param, value, scope);
    if (entry.ok && value.param_url && value.param_default) entry.ok = CheckUrlDefault(param, *value.param_default);
    if (entry.ok && range) {
      FieldSpec spec = Field(param.name.name, IntType());
      spec.min = range->min;
      spec.max = range->max;
      if (range->min) {
        value.param_min = range->min->value;
        value.param_min_exclusive = range->min->exclusive;
      }
      if (range->max) {
        value.param_max = range->max->value;
        value.param_max_exclusive = range->max->exclusive;
      }
      // A default outside the param's own range is an error at the default.
      if (value.param_default && !conformer_.CheckRange(*value.param_default, spec, param)) entry.ok = false;
    }
    it = params_.emplace(&param, std::move(entry)).first;
  }
  if (!it->second.ok) return std::nullopt;
  Value value = it->second.value;
  value.range = use;
  return value;
}

}  // namespace dml::sema
