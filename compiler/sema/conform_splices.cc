// Strings that hold a deploy-time param (`"https://github.com/${org}/x.git"`):
// the Conformer lets them into plan-text fields only (FieldSpec::deploy_text),
// for params whose text Heat writes as dmlc would, that have a default (the
// standalone plan holds it) which Heat's allowed_pattern would not refuse.
#include <set>

#include "compiler/sema/conform.h"
#include "compiler/sema/text_patterns.h"

namespace dml::sema {

bool Conformer::ConformSplices(const Value& value, const FieldSpec& spec) {
  const bool text = spec.deploy_text && (spec.type.kind == TypeKind::kString ||
                                         (spec.type.kind == TypeKind::kList && spec.type.element == TypeKind::kString));
  bool ok = true;
  std::set<std::string> reported;  // one message per param and string, whatever it repeats
  for (const Splice& splice : value.splices) {
    const Value& param = *splice.param;
    const std::string& name = param.text;
    std::vector<diag::Note> notes = {{param.param ? param.param->range : diag::SourceRange{},
                                      "`" + name + "` is declared here"}};
    // A string from a let: show where it is used, too.
    if (value.range.file != splice.range.file || value.range.line != splice.range.line) {
      notes.insert(notes.begin(), {value.range, "the string is used here"});
    }
    if (param.param_url) {
      sink_.Report({diag::Kind::param_not_allowed, splice.range,
                    "param `" + name + "` is a url, which only `output.upload` takes", notes,
                    {"a url param is a secret (Heat hides it): it must not go into other text"}});
      ok = false;
      continue;
    }
    if (!text) {
      std::vector<std::string> help;
      if (spec.deploy_time && value.UserText() == "${" + name + "}") {
        help.push_back("`" + spec.name + "` itself may be a param: write `" + spec.name + " = " + name + "`");
      }
      help.push_back("a string may hold a param only in " + DeployTextPlaces() +
                     ", which Heat fills in at stack create; use a `let` for a value fixed in the file");
      sink_.Report({diag::Kind::param_not_allowed, splice.range,
                    "`" + spec.name + "` is fixed when dmlc compiles; param `" + name +
                        "` is only known at stack create",
                    notes, help});
      ok = false;
      continue;
    }
    if (!reported.insert(name).second) continue;
    if (param.param_type == ValueKind::kDuration || param.param_type == ValueKind::kSize) {
      const bool duration = param.param_type == ValueKind::kDuration;
      sink_.Report({diag::Kind::type_mismatch, splice.range,
                    "param `" + name + "` is a " + ValueKindName(param.param_type) +
                        ": Heat would put it into the string as a bare number of " +
                        (duration ? "seconds (`90`, not `90s`)" : "bytes (`4294967296`, not `4GiB`)"),
                    notes,
                    {std::string("declare it as a string (`param ") + name + ": string = \"" +
                     (duration ? "90s" : "4GiB") + "\"`) or as an int of the unit the program expects"}});
      ok = false;
    } else if (!param.param_default) {
      sink_.Report({diag::Kind::param_not_allowed, splice.range,
                    "param `" + name + "` goes into `" + spec.name + "` but has no default", notes,
                    {"give it a default: the plan that `dmlrun local` runs holds it in place of `${" + name + "}`"}});
      ok = false;
    } else if (param.param_default->kind == ValueKind::kString && !FitsPlanText(param.param_default->text)) {
      // The Heat parameter's allowed_pattern would refuse its own default.
      notes.push_back({splice.range, "`${" + name + "}` puts it into `" + spec.name + "` here"});
      sink_.Report({diag::Kind::value_out_of_range, param.param_default->range,
                    "the default of param `" + name + "` goes into the launch plan's text at stack create, "
                    "which cannot hold a double quote, backslash, @ or control character",
                    notes, {"Heat pastes the value into a quoted string of the plan, and `@` marks its placeholders; leave those characters out"}});
      ok = false;
    }
  }
  return ok;
}

}  // namespace dml::sema
