#include "runtime/launch/cli.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runtime/launch/exit_codes.h"
#include "runtime/launch/launcher.h"
#include "runtime/launch/rank_process.h"
#include "runtime/plan/plan.h"

namespace dml::launch {
namespace {

// Bounds for numeric flags: generous, but they keep CLI11's messages short
// ("not in range 1 to 100000") and catch a typo'd extra digit or two.
constexpr int kMaxEpochs = 100000;
constexpr int kMaxThreads = 1024;
constexpr int kMaxNodeRank = 100000;

// Flags shared by `node` and `local` (and passed on to ranks).
void AddJobFlags(CLI::App& command, LaunchOptions& options) {
  command.add_option("plan", options.plan_path, "Launch plan (YAML written by dmlc build)")
      ->required();
  command.add_option("--epochs", options.epochs, "Train for N epochs instead of the plan's")
      ->check(CLI::Range(1, kMaxEpochs));
  command.add_option("--metrics", options.metrics_path,
                     "Write metrics as JSON lines to FILE (the last line: the final result)");
  command.add_option("--threads", options.threads,
                     "Torch threads per rank (default: the plan's, else cores / ranks here)")
      ->check(CLI::Range(1, kMaxThreads));
  command.add_option("--workdir", options.workdir,
                     "Command jobs: where the repository is cloned; training: holds <job>/output")
      ->capture_default_str();
  command.add_flag_callback("--no-pin", [&options] { options.pin = false; },
                            "Training: leave the ranks to the scheduler instead of giving each its own cores");
  command.add_flag("--resume", options.resume,
                   "Training: continue from the checkpoint (same weights as an uninterrupted run)");
  command.add_option("--checkpoint-dir", options.checkpoint_dir,
                     "Training: write (and --resume from) checkpoints here instead of the plan's "
                     "train.checkpoint.dir");
  command.add_option("--output", options.output_dir,
                     "Training: where rank 0 writes the trained model (model.pt, TorchScript), metrics.jsonl and "
                     "result.json (default: <workdir>/<job>/output)");
  command.add_option("--step-trace", options.step_trace_dir,
                     "Training: every rank writes its steps' timestamps (start, exchange start and end, end; "
                     "steady clock, ns) to DIR/rank-<R>.tsv at the end (bench/nodes reads them)");
}

// What `--version` prints: the release and the plan versions this dmlrun
// reads, which a node checks against its plan before it runs a preinstalled
// dmlrun.
std::string VersionText() {
  return std::string("dmlrun ") + DML_VERSION + " (reads plan version " +
         std::to_string(plan::kPlanVersion) + ")";
}

int PrintVersion(bool json) {
  if (json) {
    nlohmann::json out = {{"name", "dmlrun"},
                          {"version", DML_VERSION},
                          {"plan_versions", {plan::kPlanVersion}}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << VersionText() << "\n";
  }
  return kExitSuccess;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"dmlrun: runs a dml launch plan: data-parallel training over Gloo, or a user's "
               "program with torchrun's environment"};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());

  bool version_json = false;
  CLI::App* version = app.add_subcommand(
      "version", "Print the release and the launch plan versions this dmlrun reads");
  version->add_flag("--json", version_json,
                    "As JSON: {\"name\", \"version\", \"plan_versions\": [...]}");

  LaunchOptions node_options;
  CLI::App* node = app.add_subcommand(
      "node", "Run this machine's ranks as node R of the plan's cluster (what each VM runs)");
  AddJobFlags(*node, node_options);
  node->add_option("--node-rank", node_options.node_rank, "This node's rank (the master is 0)")
      ->required()
      ->check(CLI::Range(0, kMaxNodeRank));

  LaunchOptions local_options;
  local_options.local = true;
  CLI::App* local = app.add_subcommand(
      "local", "Run every node of the plan on this machine over loopback (127.0.0.1, lo)");
  AddJobFlags(*local, local_options);

  // Started by the supervisor only; hidden from --help (empty group).
  RankOptions rank_options;
  CLI::App* rank = app.add_subcommand(kRankCommand, "One rank (internal)");
  rank->group("");
  rank->add_option("plan", rank_options.plan_path)->required();
  rank->add_option("--node-rank", rank_options.node_rank)->required();
  rank->add_option("--local-rank", rank_options.local_rank)->required();
  rank->add_option("--threads", rank_options.threads);
  rank->add_option("--epochs", rank_options.epochs);
  rank->add_option("--metrics", rank_options.metrics_path);
  rank->add_option("--result", rank_options.result_path);
  rank->add_option("--checkpoint-dir", rank_options.checkpoint_dir);
  rank->add_option("--output", rank_options.output_dir);
  rank->add_option("--step-trace", rank_options.step_trace_dir);
  rank->add_option("--port", rank_options.port);
  rank->add_flag("--resume", rank_options.resume);
  rank->add_flag("--resume-if-present", rank_options.resume_if_present);
  rank->add_flag("--local", rank_options.local);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& shown) {
    return app.exit(shown);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kExitUsage;
  }

  if (*version) return PrintVersion(version_json);
  if (*rank) return RunRank(rank_options);
  return Launch(*node ? node_options : local_options);
}

}  // namespace dml::launch
