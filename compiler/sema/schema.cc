// The schema tables: every block of the language, field by field.
// docs/language.md documents the same rows; keep them in step. Record types
// are declared in stdlib/prelude.dml; the blocks name them.
#include "compiler/sema/schema.h"

#include <algorithm>

#include "compiler/sema/defaults.h"

namespace dml::sema {
namespace {

Value TextValue(ValueKind kind, std::string text) {
  Value v;
  v.kind = kind;
  v.text = std::move(text);
  return v;
}

// Counts land in the plan's 32-bit ints; anything near this is a typo anyway.
constexpr double kMaxInt32 = 2147483647.0;

// ---- blocks ----

Schema MakeNetwork() {
  return {"network", "The private network every node joins.", {
      Field("cidr", CidrType()).Required().Doc("the subnet, e.g. 10.8.1.0/24"),
      Field("master_ip", IpType()).DefaultDoc("the last usable host (broadcast - 1)")
          .Doc("the master's fixed address: inside the subnet, not network/gateway/broadcast"),
      Field("dns", ListOf(TypeKind::kIp))
          .Default(ListValue({TextValue(ValueKind::kIp, defaults::kDnsServer)}))
          .Doc("DNS servers handed out by DHCP: each once, none inside the subnet"),
      Field("public_cidr", BoolType()).Default(BoolValue(false))
          .Doc("true allows a `cidr` outside the private ranges (10/8, 172.16/12, 192.168/16, 100.64/10)"),
  }};
}

enum class NodesKind { kMaster, kWorkers, kGroup };

Schema MakeNodes(const char* name, const char* doc, NodesKind kind) {
  Schema schema{name, doc, {}};
  if (kind == NodesKind::kWorkers) {
    schema.fields.push_back(Field("count", IntType()).Required().DeployTime().ParamNeedsDefault().Min(0).Max(kMaxInt32)
        .Doc("how many nodes; a param makes it a Heat parameter with a checked range"));
  } else if (kind == NodesKind::kGroup) {
    schema.fields.push_back(Field("count", IntType()).Default(IntValue(1)).DeployTime().ParamNeedsDefault().Min(0)
        .Max(kMaxInt32).Doc("how many nodes (the first group's: a number, at least 1); a param makes it a "
                            "Heat parameter with a checked range"));
  }
  schema.fields.push_back(Field("flavor", RecordOf({"flavor"}, true)).Required().DeployTime()
      .Doc("a `flavor` record (e.g. chameleon.m1_medium), a flavor name, or a param"));
  schema.fields.push_back(Field("image", RecordOf({"image"}, true)).Required().DeployTime()
      .Doc("an `image` record (e.g. chameleon.debian12), a Glance image name, or a param"));
  schema.fields.push_back(Field("procs", IntType()).Default(IntValue(1)).Min(1).Max(kMaxInt32)
      .Doc("training processes (ranks) per node"));
  schema.fields.push_back(Field("reservation", StringType()).DeployTime()
      .Doc("a Blazar reservation id (Chameleon bare metal): the servers' `scheduler_hints`"));
  return schema;
}

Schema MakeRuntime() {
  return {"runtime", "How the dml runtime gets onto every node.", {
      Field("source", EnumOf("runtime_source")).Default(EnumValue("runtime_source", "git"))
          .Doc("git: the master clones and builds a package; deb: the master downloads a package; "
               "the master installs it and serves it to the workers. preinstalled: the image has dmlrun"),
      Field("url", StringType())
          .DefaultDoc(std::string("\"") + defaults::kRuntimeGitUrl + "\" for git; required for deb")
          .Doc("the https URL of the repository or the .deb"),
      Field("ref", StringType()).DefaultDoc("the commit dmlc was built from (`dmlc --version`)")
          .Doc("git: the tag, branch or commit to build"),
      Field("sha256", StringType()).Doc("deb: the package's sha256 (required for deb)"),
  }};
}

Schema MakeCluster(const Schema& network, const Schema& master, const Schema& workers,
                   const Schema& group, const Schema& runtime) {
  Schema cluster{"cluster", "Node groups on a private network: `master { }` and `workers { }`, or `group NAME { }` blocks.", {
      Field("site", RecordOf({"site"})).Required().Doc("where: a `site` record (chameleon.kvm_tacc)"),
      Field("key_pair", StringType()).Required().DeployTime()
          .Doc("the Nova key pair for SSH; usually a param"),
      Field("ssh_from", CidrType()).Default(TextValue(ValueKind::kCidr, defaults::kSshFrom))
          .DeployTime().Doc("the addresses that may reach the master's port 22"),
      Field("network", BlockOf(network)).Required().Doc("the private network"),
      Field("master", BlockOf(master)).Doc("the master node (node rank 0); or use `group` blocks"),
      Field("workers", BlockOf(workers))
          .DefaultDoc("none: the master alone (a worker group of 0 nodes)")
          .Doc("the worker nodes (node ranks 1..); goes with `master`"),
      Field("group", BlockOf(group)).Labelled()
          .Doc("`group NAME { ... }`, one or more, in node-rank order; the master is the first node of the first"),
      Field("runtime", BlockOf(runtime)).DefaultBlock().Doc("how nodes install the runtime"),
      Field("power_off", BoolType()).Default(BoolValue(true))
          .Doc("shut every node down when its part of the job ends"),
      Field("port", IntType()).Default(IntValue(defaults::kStorePort)).Min(1)
          .Max(defaults::kMaxPort).Doc("the rendezvous (TCPStore) port on the master"),
      Field("quota", RecordOf({"quota"})).Doc("the project's quota the cluster must fit (besides the site's)"),
  }};
  cluster.exactly_one_of.push_back({"master", "group"});
  return cluster;
}

Schema MakeCheckpoint() {
  return {"checkpoint", "Where and how often training saves its state.", {
      Field("dir", StringType()).Required().DeployText().Doc("a directory on every node"),
      Field("every", IntType()).Default(IntValue(1)).Min(1).Max(kMaxInt32).Doc("save every this many epochs"),
  }};
}

Schema MakeTrain(const Schema& checkpoint) {
  return {"train", "A built-in data-parallel training run.", {
      Field("dataset", RecordOf({"dataset"})).Required().Doc("e.g. datasets.fashion_mnist"),
      Field("model", RecordOf({"mlp", "cnn", "torchscript"})).Required()
          .Doc("the network: mlp { layers = [...] }, cnn { ... } or torchscript { ... }"),
      Field("loss", EnumOf("loss")).Default(EnumValue("loss", "cross_entropy")).Doc("the loss function"),
      Field("optimizer", RecordOf({"adam", "adamw", "sgd"})).Required()
          .Doc("adam { ... }, adamw { ... } or sgd { ... }"),
      // One of these two (checks_job.cc: CheckBatchFields).
      Field("batch", IntType()).Min(1).Max(kMaxInt32)
          .Doc("samples per step per rank: a step grows with the ranks (DDP's way)"),
      Field("global_batch", IntType()).Min(1).Max(kMaxInt32)
          .Doc("samples per step over all ranks, split among them: the same training at any size"),
      Field("epochs", IntType()).Required().Min(1).Max(kMaxInt32).Doc("passes over the training set"),
      Field("seed", IntType()).Default(IntValue(0)).Min(0).Doc("seeds weights and shuffling"),
      Field("threads", IntType()).Default(IntValue(0)).Min(0).Max(kMaxInt32)
          .Doc("intra-op threads per rank; 0: the node's cores shared among its ranks"),
      Field("checkpoint", BlockOf(checkpoint)).Doc("save state every few epochs"),
  }};
}

Schema MakeRun() {
  return {"run", "A user's own program from a git repository.", {
      Field("repo", StringType()).Required().DeployText().Doc("the https git URL"),
      Field("ref", StringType()).Default(StringValue("")).DeployText()
          .Doc("branch, tag or commit; \"\": default branch"),
      Field("requirements", StringType()).Default(StringValue("")).DeployText()
          .Doc("directory in the repo holding requirements.txt; \"\": install nothing"),
      Field("entrypoint", StringType()).Required().DeployText().Doc("path in the repo; *.py runs with `python`"),
      Field("args", ListOf(TypeKind::kString)).Default(ListValue({})).DeployText().Doc("arguments"),
      Field("python", StringType()).Default(StringValue(defaults::kPython)).Doc("the interpreter"),
  }};
}

Schema MakeTimeouts() {
  return {"timeouts", "Limits that turn a hang into a clear failure.", {
      Field("rendezvous", DurationType()).Default(DurationValue(defaults::kRendezvousSeconds))
          .Min(0, true).Doc("every rank must join within this"),
      Field("collective", DurationType()).Default(DurationValue(defaults::kCollectiveSeconds))
          .Min(0, true).Doc("one collective operation may take at most this"),
      Field("job", DurationType()).Default(DurationValue(defaults::kJobSeconds)).Min(0, true)
          .Doc("the whole job"),
      Field("heartbeat", DurationType()).Default(DurationValue(defaults::kHeartbeatSeconds)).Min(0, true)
          .Doc("a rank silent this long is declared dead and the job stops (shorter than `collective`)"),
  }};
}

Schema MakeOutput() {
  return {"output", "What happens to the job's output directory (model.pt, metrics) when it ends.", {
      Field("upload", StringType()).UrlParam()
          .Doc("a param of type `url` (a presigned https URL, given at stack create): the master PUTs an "
               "archive of the output directory there"),
  }};
}

Schema MakeJob(const Schema& train, const Schema& run, const Schema& timeouts, const Schema& output) {
  Schema job{"job", "What runs on a cluster: exactly one of `train` or `run`.", {
      Field("train", BlockOf(train)).Doc("a built-in training run"),
      Field("run", BlockOf(run)).Doc("a user's program"),
      Field("timeouts", BlockOf(timeouts)).DefaultBlock().Doc("time limits"),
      Field("output", BlockOf(output)).Doc("upload the output directory when the job ends"),
      Field("max_restarts", IntType()).Default(IntValue(0)).Min(0).Max(defaults::kMaxRestarts)
          .Doc("after a failure each node restarts its ranks up to this many times (from the last checkpoint)"),
  }};
  job.exactly_one_of.push_back({"train", "run"});
  return job;
}

struct Registry {
  Schema network = MakeNetwork();
  Schema master = MakeNodes("master", "The master node: node rank 0, hosts the rendezvous.", NodesKind::kMaster);
  Schema workers = MakeNodes("workers", "The worker nodes: node ranks 1 to count.", NodesKind::kWorkers);
  Schema group = MakeNodes("group", "A group of identical nodes, `group NAME { ... }`.", NodesKind::kGroup);
  Schema runtime = MakeRuntime();
  Schema cluster = MakeCluster(network, master, workers, group, runtime);
  Schema checkpoint = MakeCheckpoint();
  Schema train = MakeTrain(checkpoint);
  Schema run = MakeRun();
  Schema timeouts = MakeTimeouts();
  Schema output = MakeOutput();
  Schema job = MakeJob(train, run, timeouts, output);
};

const Registry& TheRegistry() {
  static const Registry* registry = new Registry();  // never destroyed: no exit-order issues
  return *registry;
}

}  // namespace

const Schema& ClusterSchema() { return TheRegistry().cluster; }
const Schema& JobSchema() { return TheRegistry().job; }

std::vector<const Schema*> AllSchemas() {
  const Registry& r = TheRegistry();
  return {&r.cluster, &r.network, &r.master, &r.workers, &r.group, &r.runtime,
          &r.job,     &r.train,   &r.checkpoint, &r.run, &r.timeouts, &r.output};
}

std::string DeployTextPlaces() {
  std::vector<std::string> names;
  for (const Schema* schema : AllSchemas()) {
    for (const FieldSpec& field : schema->fields) {
      if (field.deploy_text) names.push_back("`" + schema->name + "." + field.name + "`");
    }
  }
  std::string places;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) places += i + 1 == names.size() ? " and " : ", ";
    places += names[i];
  }
  return places;
}

std::vector<std::string> BlockRecordTypes() {
  std::vector<std::string> names;
  for (const Schema* schema : AllSchemas()) {
    for (const FieldSpec& field : schema->fields) {
      for (const std::string& record : field.type.records) {
        if (std::find(names.begin(), names.end(), record) == names.end()) names.push_back(record);
      }
    }
  }
  return names;
}

std::vector<std::string> BlockEnumTypes() {
  std::vector<std::string> names;
  for (const Schema* schema : AllSchemas()) {
    for (const FieldSpec& field : schema->fields) {
      const std::string& name = field.type.enum_name;
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

}  // namespace dml::sema
