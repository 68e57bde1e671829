// The launch plan: the one contract between dmlc (which writes it) and dmlrun
// (which executes it). Neither side includes the other's internals; both
// include only this folder. The on-disk form is versioned YAML (plan_yaml.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace dml::plan {

// Bumped on any change a reader of the previous version would misread (an
// added field is not: an older reader refuses it as unknown; docs/plan.md).
inline constexpr int kPlanVersion = 2;

// A group of identical nodes. The master is node 0: the first node of the
// first group. When `count_param` is set, the count came from a deploy-time
// parameter (a Heat parameter of that name) and `count` holds its default.
struct NodeGroup {
  std::string name;
  int count = 1;
  int procs_per_node = 1;
  std::string count_param;
};

struct Cluster {
  std::string subnet;       // CIDR of the private network, e.g. "10.8.1.0/24"
  std::string master_addr;  // fixed IP of node 0, inside `subnet`
  int port = 29500;         // TCPStore port on the master
  std::vector<NodeGroup> groups;
};

struct Timeouts {
  double rendezvous_s = 600;  // every rank must join within this
  double collective_s = 300;  // one collective may take at most this
  double job_s = 7200;        // the whole job
  // A rank (or the store on rank 0) silent for this long is declared dead and
  // every other rank stops: a killed, hung or cut-off node never blocks the
  // job until collective_s.
  double heartbeat_s = 5;
};

// A file the nodes download before the job starts: from `url` (https),
// checked against `sha256`, to `path` (absolute, or relative to the
// dataset's dir for a dataset file). On a stack the master fetches it once and
// serves it to the workers; `dmlrun local` fetches what is missing.
struct Download {
  std::string path;
  std::string url;
  std::string sha256;  // 64 lowercase hex digits
};

// A dataset's files under `dir`. Formats (kDatasetFormats):
//   idx:   MNIST's IDX files (gzip or plain), the four named ones;
//   cifar: CIFAR-10's binary batches (each record a label byte, then 3x32x32
//          pixel bytes, channel-major), `train_batches` and `test_batches`.
struct Dataset {
  std::string name;
  std::string format = "idx";
  std::string dir;
  std::string train_images;  // idx
  std::string train_labels;
  std::string test_images;
  std::string test_labels;
  std::vector<std::string> train_batches;  // cifar
  std::vector<std::string> test_batches;
  int64_t train_size = 0;  // as declared; the loader checks the files agree
  int64_t test_size = 0;
  std::vector<int64_t> shape;  // one sample: {channels, height, width}; the loader checks the files agree
  int64_t classes = 10;        // labels lie in [0, classes)
};

// An idx dataset's four files under `dir`; sizes 0: not declared.
Dataset IdxFiles(std::string name, std::string dir, std::string train_images, std::string train_labels,
                 std::string test_images, std::string test_labels, int64_t train_size = 0, int64_t test_size = 0);

// A model (kModelKinds). Batches reach it as [N, features] (mlp: features
// = layers.front(), the sample flattened) or [N, C, H, W] (cnn, torchscript).
struct Model {
  std::string kind = "mlp";
  std::vector<int64_t> layers;       // mlp: sizes, input first: {784, 100, 10}
  std::string activation = "relu";   // mlp, cnn
  std::vector<int64_t> input;        // cnn, torchscript: one sample {C, H, W}
  std::vector<int64_t> channels;     // cnn: each conv layer's output channels
  int64_t kernel = 3;                // cnn: square kernel, stride 1, no padding; then 2x2 max pooling
  int64_t classes = 10;              // cnn, torchscript: outputs
  std::string file;                  // torchscript: the saved module (torch.jit.save) on the node
};

struct Optimizer {
  std::string kind = "adam";  // kOptimizerKinds: "adam" | "adamw" | "sgd"
  double lr = 1e-3;
  double momentum = 0.0;      // sgd
  double weight_decay = 0.0;  // sgd, adam: L2 added to the gradient; adamw: decoupled
  double beta1 = 0.9;         // adam, adamw
  double beta2 = 0.999;
  double eps = 1e-8;
};

struct Checkpoint {
  std::string dir;        // empty: no checkpoints
  int every_epochs = 1;
};

struct TrainSpec {
  Dataset dataset;
  Model model;
  std::string loss = "cross_entropy";
  Optimizer optimizer;
  // A step's batch: `batch_per_rank` rows on every rank (DDP's way: the
  // step grows with the world), or, when `global_batch` > 0, that many rows
  // a step over all ranks, split as evenly as rows allow (the step, and so
  // the training's arithmetic, the same at every world size); then
  // `batch_per_rank` is unused.
  int batch_per_rank = 64;
  int global_batch = 0;
  int epochs = 1;
  uint64_t seed = 0;
  int threads_per_rank = 0;  // 0: the node's cores divided among its local ranks
  Checkpoint checkpoint;
  // Fetched before training: https dataset files, a torchscript model.
  std::vector<Download> downloads;
};

// A user's own program (the prototype's job): cloned, requirements installed,
// entrypoint started once per local rank with torchrun's environment.
struct CommandSpec {
  std::string repo;               // git URL (dmlc insists on https)
  std::string ref;                // branch, tag or commit; empty: default branch
  std::string requirements_dir;   // directory (in the repo) holding requirements.txt
  std::string entrypoint;         // path in the repo; *.py runs with python3
  std::vector<std::string> args;
  std::string python = "python3";
};

enum class JobKind { kTrain, kCommand };

struct Plan {
  int version = kPlanVersion;
  std::string job;  // job name
  JobKind kind = JobKind::kTrain;
  // After a failure each node's supervisor restarts its ranks up to this many
  // times (training resumes from the last checkpoint), as torchrun does.
  int max_restarts = 0;
  Cluster cluster;
  Timeouts timeouts;
  std::optional<TrainSpec> train;      // set iff kind == kTrain
  std::optional<CommandSpec> command;  // set iff kind == kCommand
};

// One node of the expanded cluster.
struct NodeInfo {
  int node_rank = 0;
  std::string group;
  int index_in_group = 0;
  int procs = 1;
  int first_global_rank = 0;
};

std::vector<NodeInfo> ExpandNodes(const Plan& plan);
int NodeCount(const Plan& plan);
int WorldSize(const Plan& plan);

// The most rows one rank takes in a step at `world_size` ranks.
int64_t MaxRowsPerRank(const TrainSpec& train, int world_size);
// "batch 64 per rank" or "global batch 64".
std::string DescribeBatch(const TrainSpec& train);

// Semantic checks that hold for any plan whatever its source; the YAML reader
// runs them, and dmlc runs them on what it is about to write. Each error is
// placed at its file and field: "plan.yaml: train.epochs: must be >= 1".
std::vector<base::Error> Validate(const Plan& plan, const std::string& file = "<plan>");

const char* JobKindName(JobKind kind);

}  // namespace dml::plan
