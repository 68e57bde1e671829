#include "compiler/driver/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

#include "compiler/driver/compile.h"
#include "compiler/driver/tool_commands.h"
#include "compiler/sema/defaults.h"
#include "runtime/plan/plan.h"

namespace dml::driver {
namespace {

constexpr const char* kDmlVersion = "0.1.0";  // CMakeLists.txt: project(dml VERSION ...)

constexpr const char* kDescription =
    "dmlc: the .dml compiler. Checks a cluster and job description and writes an\n"
    "OpenStack Heat template and a launch plan for each job.";

constexpr const char* kFooter =
    "Examples:\n"
    "  dmlc check samples/mnist.dml\n"
    "  dmlc build samples/mnist.dml -o out   # out/mnist.heat.yaml, out/mnist.plan.yaml\n"
    "  dmlc plan samples/mnist.dml           # nodes, ranks, addresses, totals, time estimate\n"
    "  dmlc graph samples/mnist.dml -o stack.dot && dot -Tsvg stack.dot > stack.svg\n"
    "  dmlc fmt -i samples/*.dml             # or --check in CI\n"
    "\n"
    "Imports: `import a.b` reads a/b.dml from each -I directory in order, then\n"
    "from the standard library built into dmlc.\n"
    "\n"
    "Exit codes:\n"
    "  0  success\n"
    "  1  the program has errors (or an input file cannot be read); the\n"
    "     diagnostics are on stderr. fmt --check: a file is not formatted\n"
    "  2  usage error, or an output file cannot be written\n"
    "  3  internal error in dmlc (please report it)";

void AddCommonOptions(CLI::App& command, Options& options, std::string& format) {
  command.add_option("FILE", options.input, "The .dml file")->required();
  command.add_option("-I,--include", options.include_dirs,
                     "Directory searched for imported modules before the standard library (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);  // `-I lib file.dml`: the file is not a second dir
  command.add_option("--diagnostics", format, "Diagnostics format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
}

// What `dmlc --version` prints: the source commit is also the default
// runtime ref of every template this dmlc writes.
std::string VersionText() {
  const std::string ref = sema::defaults::RuntimeGitRef();
  return "dmlc " + std::string(kDmlVersion) + "\nsource: " + ref +
         (sema::defaults::SourceHasUncommittedChanges() ? " (built with uncommitted changes, which nodes will not have)"
                                                        : "") +
         "\nruntime default: " + sema::defaults::kRuntimeGitUrl + " at " + ref +
         "\nlaunch plan version: " + std::to_string(plan::kPlanVersion);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(kDescription, "dmlc");
  app.footer(kFooter);
  app.set_version_flag("--version", VersionText());
  app.require_subcommand(1);

  Options options;
  std::string format = "text";
  CLI::App* check = app.add_subcommand("check", "Check a .dml file and print its diagnostics; write nothing");
  AddCommonOptions(*check, options, format);
  CLI::App* build = app.add_subcommand("build", "Check a .dml file, then write DIR/<job>.heat.yaml and DIR/<job>.plan.yaml");
  AddCommonOptions(*build, options, format);
  build->add_option("-o,--output", options.output_dir, "Output directory (created if missing)")
      ->required()
      ->type_name("DIR");

  CLI::App* plan = app.add_subcommand("plan",
                                      "Check a .dml file and summarize each job: nodes, ranks and addresses, vCPUs and "
                                      "RAM, node-hours, and a training job's estimated time and the node count that "
                                      "pays off (a warning past it)");
  AddCommonOptions(*plan, options, format);
  std::string graph_output;
  CLI::App* graph = app.add_subcommand("graph", "Check a .dml file and print each job's Heat resources and their dependencies as Graphviz DOT");
  AddCommonOptions(*graph, options, format);
  graph->add_option("-o,--output", graph_output, "Write the DOT here instead of stdout")->type_name("FILE");
  FmtOptions fmt_options;
  CLI::App* fmt = app.add_subcommand("fmt", "Print .dml files in the canonical layout (files with syntax errors are left alone)");
  fmt->add_option("FILE", fmt_options.files, "The .dml files")->required();
  CLI::Option* in_place = fmt->add_flag("-i,--in-place", fmt_options.in_place, "Rewrite the files that change instead of printing");
  fmt->add_flag("--check", fmt_options.check, "Print the names of the files that would change and exit 1 if any; write nothing")
      ->excludes(in_place);

  // CLI11 wants argv order reversed in its vector form.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  options.format = format == "json" ? DiagnosticFormat::kJson : DiagnosticFormat::kText;
  if (check->parsed()) return Check(options, out, err);
  if (plan->parsed()) return Plan(options, out, err);
  if (graph->parsed()) return Graph(options, graph_output, out, err);
  if (fmt->parsed()) return Fmt(fmt_options, out, err);
  return Build(options, out, err);
}

}  // namespace dml::driver
