#include "compiler/sema/checks.h"

#include <cstdio>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace dml::sema {
namespace {

constexpr const char* kHttps = "https://";
constexpr size_t kSha256HexDigits = 64;
// Hosts known to serve every repository over https at the same path.
constexpr const char* kKnownGitHosts[] = {"github.com", "gitlab.com", "bitbucket.org"};

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void CheckRepoUrl(const Value* url, const char* what, diag::DiagnosticSink& sink) {
  if (url == nullptr || url->kind != ValueKind::kString || IsHttpsUrl(url->text)) return;
  std::vector<std::string> help;
  std::string https = HttpsForm(url->text);
  if (!https.empty()) help.push_back("use the https form: \"" + https + "\"");
  else help.push_back("nodes clone without credentials or host keys: use an https:// URL");
  sink.Report({diag::Kind::insecure_repo_url, url->range,
               std::string(what) + " \"" + url->text + "\" is not an https URL", {}, help});
}

void CheckProcsAgainstFlavor(const GroupShape& group, diag::DiagnosticSink& sink) {
  const Value* procs = group.block ? group.block->Field("procs") : nullptr;
  std::optional<int64_t> vcpus = group.Vcpus();
  if (!procs || !vcpus || *vcpus <= 0 || procs->int_value <= *vcpus) return;
  sink.Report({diag::Kind::procs_exceed_vcpus, procs->range,
               Plural(procs->int_value, "process", "processes") + " per node on flavor `" + group.FlavorName() +
                   "` with " + Plural(*vcpus, "vCPU", "vCPUs") + ": ranks will share cores",
               {}, {}});
}

// A preinstalled runtime is already on the image: a `url`, `ref` or
// `sha256` would name something no node fetches, so it is an error rather
// than silently ignored.
void CheckPreinstalledRuntime(const Value& runtime, diag::DiagnosticSink& sink) {
  const FieldValue* source = runtime.FieldEntry("source");
  for (const char* field : {"url", "ref", "sha256"}) {
    const FieldValue* entry = runtime.FieldEntry(field);
    if (entry == nullptr) continue;
    std::vector<diag::Note> notes;
    if (source != nullptr) notes.push_back({source->name_range, "the source is set here"});
    sink.Report({diag::Kind::conflicting_fields, entry->name_range,
                 std::string("a `preinstalled` runtime takes no `") + field +
                     "`: the nodes' image already has dmlrun",
                 notes,
                 {"remove it, or use `source = git` (build on the master) or `source = deb` "
                  "(install a package)"}});
  }
}

// The first group's first node is the master: the group has at least one
// node, and a count fixed when dmlc compiles (the plan is written then).
void CheckFirstGroup(const ClusterShape& shape, diag::DiagnosticSink& sink) {
  if (!shape.groups_syntax || shape.groups.empty()) return;
  const GroupShape& first = shape.groups.front();
  if (first.count == nullptr) return;
  if (first.count->kind == ValueKind::kParam) {
    sink.Report({diag::Kind::param_not_allowed, first.count->range,
                 "the first group (`" + first.name + "`) holds the master: its count is fixed when dmlc "
                 "compiles, but param `" + first.count->text + "` is only known at stack create",
                 {}, {"put a group of one master node first: `group master { count = 1, ... }`"}});
  } else if (first.nodes && *first.nodes < 1) {
    sink.Report({diag::Kind::value_out_of_range, first.count->range,
                 "the first group (`" + first.name + "`) holds the master: its count must be at least 1, found " +
                     std::to_string(*first.nodes),
                 {}, {}});
  }
}

// The node count's place: the last group whose count is written out.
const GroupShape* CountSite(const ClusterShape& shape) {
  const GroupShape* site = nullptr;
  for (const GroupShape& g : shape.groups) {
    if (g.count != nullptr && g.nodes.value_or(0) > 0) site = &g;
  }
  return site;
}

void CheckSubnet(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  if (!shape.cidr) return;
  const net::Cidr& cidr = *shape.cidr;
  const Value* network = BlockField(cluster, "network");
  const Value* cidr_value = network ? network->Field("cidr") : nullptr;
  if (cidr.HasHostBits() && cidr_value) {
    sink.Report({diag::Kind::value_out_of_range, cidr_value->range,
                 cidr_value->text + " has host bits set; the network is " + cidr.ToString(), {},
                 {"write " + cidr.ToString()}});
  }
  std::string takes = "network, broadcast, gateway, DHCP and the master take " +
                      std::to_string(net::kReservedAddresses);
  int64_t capacity = net::WorkerCapacity(cidr);
  if (capacity < 0) {
    sink.Report({diag::Kind::subnet_too_small, shape.cidr_range,
                 cidr.ToString() + " cannot hold the master: it has " +
                     Plural(cidr.Size(), "address", "addresses") + "; " + takes,
                 {}, {"use a prefix of /29 or shorter (e.g. /24)"}});
    return;
  }
  std::optional<int64_t> nodes = shape.Nodes();
  const GroupShape* site = CountSite(shape);
  if (nodes && *nodes - 1 > capacity && site != nullptr) {
    std::vector<diag::Note> notes;
    for (const GroupShape& g : shape.groups) {
      if (g.CountParam() != nullptr && g.count->param != nullptr) {
        notes.push_back({g.count->param->range, "the count is the default of param `" + *g.CountParam() + "`"});
      }
    }
    const int64_t others = *nodes - 1;
    std::string who = shape.groups_syntax
                          ? Plural(others, "node", "nodes") + " besides the master (" + NodesBreakdown(shape) + ")" +
                                (others == 1 ? " does" : " do")
                          : Plural(others, "worker does", "workers do");
    sink.Report({diag::Kind::subnet_too_small, site->count->range,
                 who + " not fit " + cidr.ToString() + ": it has " + Plural(cidr.Size(), "address", "addresses") +
                     "; " + takes + ", leaving " + std::to_string(capacity),
                 notes, {std::string("use a larger subnet (a shorter prefix) or fewer ") +
                         (shape.groups_syntax ? "nodes" : "workers")}});
  }
  const Value* given = network ? network->Field("master_ip") : nullptr;
  if (given && shape.master_ip) {
    std::string problem = net::MasterIpProblem(cidr, *shape.master_ip);
    if (!problem.empty()) {
      sink.Report({diag::Kind::ip_outside_subnet, given->range,
                   "master_ip " + problem, {},
                   {"pick a host from " + net::FormatIp(cidr.Gateway() + 1) + " to " +
                    net::FormatIp(cidr.LastHost()) + ", or leave master_ip out to use " +
                    net::FormatIp(cidr.LastHost())}});
    }
  }
}

}  // namespace

std::string HttpsForm(const std::string& url) {
  std::string host_and_path;
  for (const char* prefix : {"http://", "git://", "ssh://git@", "ssh://", "git+ssh://git@"}) {
    std::string p = prefix;
    if (url.compare(0, p.size(), p) == 0) {
      host_and_path = url.substr(p.size());
      break;
    }
  }
  if (host_and_path.empty() && url.compare(0, 4, "git@") == 0) {
    host_and_path = url.substr(4);  // git@github.com:user/repo.git
    size_t colon = host_and_path.find(':');
    if (colon == std::string::npos) return "";
    host_and_path[colon] = '/';
  }
  for (const char* host : kKnownGitHosts) {
    std::string h = std::string(host) + "/";
    if (host_and_path.compare(0, h.size(), h) == 0) return kHttps + host_and_path;
  }
  return "";
}

// LibTorch below this cannot build dmlrun (Debian 12's 1.13 is the oldest
// it is built and tested with).
constexpr int kMinLibTorchMajor = 1;
constexpr int kMinLibTorchMinor = 13;

bool LibTorchTooOld(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) < 1) return true;  // "": none
  return major < kMinLibTorchMajor || (major == kMinLibTorchMajor && minor < kMinLibTorchMinor);
}

// A group whose image's archive has no LibTorch dmlrun builds against: the
// nodes would fail at their first apt step. A preinstalled runtime brings
// its own.
void CheckImages(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  const Value* runtime = BlockField(cluster, "runtime");
  const Value* source = runtime ? runtime->Field("source") : nullptr;
  if (source != nullptr && source->text == "preinstalled") return;
  for (const GroupShape& group : shape.groups) {
    const Value* image = group.block ? group.block->Field("image") : nullptr;
    if (image == nullptr || image->kind != ValueKind::kRecord) continue;
    const Value* libtorch = image->Field("libtorch");
    const std::string version = libtorch ? libtorch->text : "";
    if (!LibTorchTooOld(version)) continue;
    const Value* name = image->Field("name");
    const Value* distribution = image->Field("distribution");
    const Value* release = image->Field("release");
    sink.Report({diag::Kind::unsupported_image, image->range,
                 "group `" + group.name + "` boots " + (name ? name->text : "an image") + " (" +
                     (distribution ? distribution->text : "?") + " " + (release ? release->text : "?") + "), whose archive has " +
                     (version.empty() ? "no LibTorch" : "LibTorch " + version) + ": dmlrun needs " +
                     std::to_string(kMinLibTorchMajor) + "." + std::to_string(kMinLibTorchMinor) + " or later",
                 {},
                 {"boot chameleon.debian12 or chameleon.debian13 (upload it once per site: `dmlc plan` prints how)",
                  "or bake dmlrun into an image and set `runtime { source = preinstalled }`"}});
  }
}

void CheckCluster(const Value& cluster, const ClusterShape& shape, diag::DiagnosticSink& sink) {
  const FieldValue* workers = cluster.FieldEntry("workers");
  const std::vector<const FieldValue*> groups = cluster.Entries("group");
  if (workers != nullptr && !groups.empty()) {
    sink.Report({diag::Kind::conflicting_fields, workers->name_range,
                 "`workers` goes with `master`; with `group` blocks, declare the workers as a group",
                 {{groups.front()->name_range, "the first group is here"}},
                 {"write `group workers { count = ..., flavor = ..., image = ... }`"}});
  }
  CheckFirstGroup(shape, sink);
  CheckSubnet(cluster, shape, sink);
  CheckNetwork(cluster, shape, sink);
  for (const GroupShape& group : shape.groups) CheckProcsAgainstFlavor(group, sink);
  CheckImages(cluster, shape, sink);
  CheckQuotas(cluster, shape, sink);
  const Value* runtime = BlockField(cluster, "runtime");
  if (runtime == nullptr) return;
  CheckRepoUrl(runtime->Field("url"), "runtime url", sink);
  CheckRuntimeText(*runtime, sink);
  const Value* source = runtime->Field("source");
  if (source && source->text == "preinstalled") CheckPreinstalledRuntime(*runtime, sink);
  if (!source || source->text != "deb") return;
  for (const char* field : {"url", "sha256"}) {
    if (runtime->FieldEntry(field) == nullptr) {
      sink.Report({diag::Kind::missing_field, runtime->range,
                   std::string("a `deb` runtime needs the field `") + field + "`", {}, {}});
    }
  }
  const Value* sha = runtime->Field("sha256");
  const std::string problem = sha ? Sha256Problem(sha->text) : "";
  if (!problem.empty()) {
    sink.Report({diag::Kind::value_out_of_range, sha->range, "`sha256` must be 64 hexadecimal digits, but " + problem,
                 {}, {"print it with `sha256sum FILE.deb`"}});
  }
}

std::string Sha256Problem(const std::string& text) {
  if (text.size() != kSha256HexDigits) {
    return "it has " + Plural(static_cast<int64_t>(text.size()), "character", "characters");
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return "character " + std::to_string(i + 1) + " is `" + text.substr(i, 1) + "`";
    }
  }
  return "";
}

}  // namespace dml::sema
