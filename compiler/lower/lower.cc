#include "compiler/lower/lower.h"

#include <algorithm>

#include "compiler/lower/field.h"
#include "compiler/lower/heat_params.h"
#include "compiler/lower/scaling_facts.h"
#include "compiler/sema/cluster_shape.h"
#include "compiler/sema/defaults.h"
#include "compiler/sema/net.h"

namespace dml::lower {

using sema::ClusterShape;
using sema::GroupShape;
using sema::Value;
using sema::ValueKind;
namespace defaults = sema::defaults;
namespace net = sema::net;

namespace {

// The text OpenStack wants for a flavor: its name, whether given as a
// `flavor` record or a plain string.
std::string FlavorName(const Value& flavor) {
  if (flavor.kind == ValueKind::kRecord) return Field<std::string>(flavor, "name");
  return flavor.text;
}

// An image's Glance name: a record's `name`, or the name itself.
std::string ImageName(const Value& image) {
  if (image.kind == ValueKind::kRecord) return Field<std::string>(image, "name");
  return image.text;
}

bool SameLiteral(const Value& a, const Value& b) {
  return a.kind != ValueKind::kParam && b.kind != ValueKind::kParam && ImageName(a) == ImageName(b);
}

ir::Network LowerNetwork(const Value& cluster, const ClusterShape& shape, HeatParams& heat) {
  const Value& network = Field<Record>(cluster, "network");
  // The checks' shape holds the parsed subnet; no subnet there is a hole too.
  if (!shape.cidr) throw FieldError("the network's `cidr` is not a subnet (lowering reads a cidr)", network.range);
  const net::Cidr cidr = *shape.cidr;
  net::Ipv4 master = shape.master_ip.value_or(cidr.LastHost());

  ir::Network out;
  out.cidr = cidr.ToString();
  out.gateway = net::FormatIp(cidr.Gateway());
  out.master_ip = net::FormatIp(master);
  for (const net::Range& pool : net::AllocationPools(cidr, master)) {
    out.allocation_pools.push_back({net::FormatIp(pool.start), net::FormatIp(pool.end)});
  }
  for (const Value& dns : Field<List>(network, "dns")) out.dns_nameservers.push_back(dns.text);

  const Value& site = Field<Record>(cluster, "site");
  const Value& external = Field<Setting>(site, "external_network");
  out.external_network = heat.Bind(external, external.text,
                                   {"external_network", kNetworkConstraint,
                                    "the external network for the router and the floating IP (" +
                                        Field<std::string>(site, "name") + ")"});
  const Value& ssh = Field<Setting>(cluster, "ssh_from");
  out.ssh_from = heat.Bind(ssh, ssh.text,
                           {"ssh_from", kCidrConstraint, "the addresses that may reach SSH (port 22)"});
  return out;
}

constexpr int64_t kBytesPerMiB = int64_t{1} << 20;

// A group's Heat knobs are named by its role: `master_flavor`,
// `worker_image` for the master/workers blocks, `<name>_flavor` for groups.
std::string KnobPrefix(const ClusterShape& shape, const GroupShape& group) {
  if (shape.groups_syntax) return group.name;
  return group.name == "master" ? "master" : "worker";
}

ir::NodeGroup LowerGroup(const ClusterShape& shape, const GroupShape& g, const Value& nodes, bool one_image,
                         HeatParams& heat) {
  const std::string prefix = KnobPrefix(shape, g);
  ir::NodeGroup group;
  group.name = g.name;
  const Value& flavor = Field<Setting>(nodes, "flavor");
  group.flavor = heat.Bind(flavor, FlavorName(flavor),
                           {prefix + "_flavor", kFlavorConstraint, "the Nova flavor of the " + g.name});
  const Value& image = Field<Setting>(nodes, "image");
  group.image = heat.Bind(image, ImageName(image),
                          {one_image ? "image" : prefix + "_image", kImageConstraint, "the Glance image the nodes boot"});
  if (image.kind == ValueKind::kRecord) {
    group.login = Field<std::string>(image, "login");
    if (!Field<bool>(image, "provided")) group.image_upload = Field<std::string>(image, "upload");
  }
  group.procs_per_node = static_cast<int>(Field<int64_t>(nodes, "procs"));
  group.vcpus = g.Vcpus();
  if (std::optional<int64_t> ram = g.RamBytes()) group.ram_mb = *ram / kBytesPerMiB;
  if (const Value* reservation = nodes.Field("reservation")) {
    group.reservation = heat.Bind(*reservation, reservation->text,
                                  {prefix + "_reservation", "",
                                   "the Blazar reservation (lease) the " + g.name + " nodes run on"});
  }
  return group;
}

// Every group's image is the same literal: one `image` parameter for all.
bool OneImage(const ClusterShape& shape) {
  const Value* first = nullptr;
  for (const GroupShape& g : shape.groups) {
    const Value* image = g.block ? g.block->Field("image") : nullptr;
    if (image == nullptr) continue;
    if (first == nullptr) first = image;
    else if (!SameLiteral(*first, *image)) return false;
  }
  return true;
}

// The groups in node-rank order. The first holds the master alone: a first
// group of N nodes becomes two, `<name>` (the master) and `<name>_others`.
void LowerGroups(const LowerInput& input, const ClusterShape& shape, HeatParams& heat, ir::Deployment& out) {
  const bool one_image = OneImage(shape);
  const Value& master_block = *shape.groups.front().block;
  int first_rank = 0;
  for (size_t i = 0; i < shape.groups.size(); ++i) {
    const GroupShape& g = shape.groups[i];
    // An absent `workers` block: an empty group on the master's flavor and
    // image keeps groups[1] present, as the emitters expect.
    const Value& nodes = g.block != nullptr ? *g.block : master_block;
    ir::NodeGroup group = LowerGroup(shape, g, nodes, one_image, heat);
    group.core_gmacs = CoreGmacs(shape, g);  // `<name>_others` below inherits it
    group.first_node_rank = first_rank;
    if (g.block == nullptr) {
      group.count = 0;
    } else if (const std::string* param = g.CountParam()) {
      group.count_param = *param;
      group.count = static_cast<int>(g.nodes.value_or(0));
      auto limit = input.count_limits->find(*param);
      ir::HeatParam* heat_param = heat.Find(*param);
      if (heat_param != nullptr && limit != input.count_limits->end()) {
        // The param's own range, narrowed to what fits the subnet, dataset and quotas.
        const auto most = static_cast<double>(limit->second);
        heat_param->range_min = std::max(heat_param->range_min.value_or(0.0), 0.0);
        heat_param->range_max = std::min(heat_param->range_max.value_or(most), most);
        heat_param->description =
            shape.groups_syntax
                ? "nodes of group `" + g.name + "` (at most " + std::to_string(limit->second) +
                      ": more do not fit the subnet, the dataset or a quota)"
                : "worker nodes beside the master (at most " + std::to_string(limit->second) +
                      ": more do not fit the subnet or the dataset)";
      }
    } else {
      group.count = static_cast<int>(g.nodes.value_or(1));
    }
    if (i == 0 && group.count > 1) {
      ir::NodeGroup others = group;
      others.name = g.name + "_others";
      others.count = group.count - 1;
      others.first_node_rank = 1;
      group.count = 1;
      out.groups.push_back(group);
      out.groups.push_back(others);
    } else {
      out.groups.push_back(group);
    }
    first_rank = 0;  // the next group starts after every node so far (param counts at their defaults)
    for (const ir::NodeGroup& done : out.groups) first_rank += done.count;
  }
}

ir::RuntimeSource LowerRuntime(const Value& cluster) {
  const Value& runtime = Field<Record>(cluster, "runtime");
  ir::RuntimeSource out;
  const std::string& source = Field<std::string>(runtime, "source");
  out.kind = source == "deb"            ? ir::RuntimeSource::Kind::kDeb
             : source == "preinstalled" ? ir::RuntimeSource::Kind::kPreinstalled
                                        : ir::RuntimeSource::Kind::kGit;
  const Value* url = runtime.Field("url");
  const Value* ref = runtime.Field("ref");
  const Value* sha = runtime.Field("sha256");
  if (out.kind == ir::RuntimeSource::Kind::kGit) {
    out.url = url ? url->text : defaults::kRuntimeGitUrl;
    out.ref = ref ? ref->text : defaults::RuntimeGitRef();
  } else if (out.kind == ir::RuntimeSource::Kind::kDeb) {
    out.url = url ? url->text : "";
    out.sha256 = sha ? sha->text : "";
  }
  return out;
}

}  // namespace

ir::Deployment Lower(const LowerInput& input) {
  const Value& cluster = *input.cluster;
  ir::Deployment out;
  out.name = input.job_name;
  out.description = "dml job `" + input.job_name + "` on cluster `" + input.cluster_name +
                    "` (from " + input.source_name + ")";
  HeatParams heat(*input.params);

  const Value& key = Field<Setting>(cluster, "key_pair");
  out.key_name = heat.Bind(key, key.text,
                           {"key_name", kKeypairConstraint, "an existing Nova key pair for SSH to the master"});
  out.network = LowerNetwork(cluster, *input.shape, heat);

  LowerGroups(input, *input.shape, heat, out);

  out.runtime = LowerRuntime(cluster);
  out.power_off = Field<bool>(cluster, "power_off");
  out.link = SiteLink(cluster);
  out.params = heat.Take();

  plan::Plan& p = out.plan;
  p.job = input.job_name;
  p.cluster.subnet = out.network.cidr;
  p.cluster.master_addr = out.network.master_ip;
  p.cluster.port = static_cast<int>(Field<int64_t>(cluster, "port"));
  for (const ir::NodeGroup& g : out.groups) {
    p.cluster.groups.push_back({g.name, g.count, g.procs_per_node, g.count_param});
  }
  LowerJob(*input.job, out);
  return out;
}

}  // namespace dml::lower
