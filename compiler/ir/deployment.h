// The compiler's IR: everything the emitters need, fully resolved and checked.
// compiler/lower builds it from the values sema checked; emit/ turns it into
// a Heat template and the launch plan. No AST or ANTLR types appear here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"
#include "runtime/plan/text_fields.h"

namespace dml::ir {

// What names become: job, cluster, group and param names go into Heat
// resource and parameter names, file names (<job>.heat.yaml) and host names,
// whose labels are at most 63 characters (RFC 1123). A server is named
// `<job>-<group>-<index>`: `<job>-<group>` leaves 7 characters of the label
// for "-" and the index. sema reports a longer name; emit relies on it.
inline constexpr size_t kMaxNameLength = 63;
inline constexpr size_t kMaxServerNamePrefix = 56;

enum class ParamType { kString, kNumber, kBoolean };

// A deploy-time parameter: a `param` of the .dml file, or one dmlc adds so
// that the usual knobs (image, flavor, ...) can be changed at stack create.
struct HeatParam {
  std::string name;
  ParamType type = ParamType::kString;
  std::optional<std::string> default_value;  // scalar text as Heat reads it
  std::string label;
  std::string description;
  std::string custom_constraint;  // "nova.keypair", "nova.flavor", "glance.image", "neutron.network"
  // Numbers only: Heat's `range`, ends included. A whole number is written
  // as an integer; an int or size param's ends are whole.
  std::optional<double> range_min;
  std::optional<double> range_max;
  std::optional<std::string> cidr_constraint;  // any value: add the "net_cidr" custom constraint
  // Heat's `allowed_pattern` (a Python regular expression the whole value
  // must match), with the reason shown when a value does not.
  std::optional<std::string> allowed_pattern;
  std::string allowed_pattern_description;
  bool whole_number = false;  // numbers: Heat's `modulo` {step: 1, offset: 0}
  // Heat's `hidden`: the value is not shown by `stack show` (a `url` param:
  // a presigned URL is a secret).
  bool hidden = false;
};

// A param put into plan text with `${name}`: the template's plan holds
// plan::HeatParamToken(name), which the boot script's str_replace fills with
// the stack's value; the standalone plan (`dmlrun local`) holds `default_text`.
struct TextParam {
  std::string name;
  std::string default_text;
};

// The sha256 digests of a train job's dataset files, when the .dml file
// gives them: every node checks its copy before it trains.
struct DatasetDigests {
  std::string train_images;
  std::string train_labels;
  std::string test_images;
  std::string test_labels;
};

// A template value: exactly one of `literal` or `param` is set. A literal is
// written into the template as is; a param becomes {get_param: name}.
struct Value {
  std::string literal;
  std::string param;
  static Value Literal(std::string s) { return {std::move(s), {}}; }
  static Value Param(std::string p) { return {{}, std::move(p)}; }
  bool is_param() const { return !param.empty(); }
};

struct NodeGroup {
  std::string name;       // "master", "workers", or a `group`'s name
  Value flavor;
  Value image;
  int count = 1;          // default when count_param is set
  std::string count_param;
  int procs_per_node = 1;
  int first_node_rank = 0;  // node rank of this group's node 0
  // The flavor's size when the .dml file declares it (a `flavor` record),
  // for `dmlc plan`; unknown for a flavor given by name only.
  std::optional<int64_t> vcpus;
  std::optional<int64_t> ram_mb;
  // The flavor record's `core_gmacs` (one core's training speed, billions of
  // multiply-adds per second), for `dmlc plan`'s estimate; unknown for a
  // flavor given by name only.
  std::optional<double> core_gmacs;
  // A Blazar reservation id (Chameleon bare metal): the servers'
  // scheduler_hints {reservation: ...}. Absent: no hint.
  std::optional<Value> reservation;
  // From an `image` record: the login cloud-init creates, and how to upload
  // the image where the site does not provide it. Empty: not known (a name).
  std::string login;
  std::string image_upload;
};

// How the runtime reaches the nodes. kGit: the master clones `url` at `ref`
// and builds a package of dmlrun; kDeb: the master downloads `url` and
// checks `sha256`; either way the master installs the package and serves it
// to the workers. kPreinstalled: the image has dmlrun; nothing is installed.
struct RuntimeSource {
  enum class Kind { kGit, kDeb, kPreinstalled };
  Kind kind = Kind::kGit;
  std::string url;
  std::string ref;
  std::string sha256;
};

struct Network {
  std::string cidr;          // "10.8.1.0/24"
  std::string gateway;       // first host
  std::string master_ip;     // fixed, outside the DHCP pool
  struct Pool { std::string start, end; };
  std::vector<Pool> allocation_pools;  // the DHCP range, master excluded
  std::vector<std::string> dns_nameservers;
  Value external_network;
  Value ssh_from;            // CIDR allowed to reach port 22
};

// The network between the site's nodes (its `link` record), for `dmlc plan`'s
// estimate of the gradient exchange.
struct Link {
  double gbit_per_s = 0;
  double latency_s = 0;
};

// `output { upload = p }`: when the job ends the master PUTs an archive of
// the job's output directory (model.pt, metrics) to the URL the stack
// parameter `param` holds (a presigned https URL), and the stack's outputs
// name what was uploaded, its size and its sha256.
struct Upload {
  std::string param;
};

struct Deployment {
  std::string name;          // job name; files are <name>.heat.yaml / <name>.plan.yaml
  std::string description;
  std::vector<HeatParam> params;
  Value key_name;
  Network network;
  std::vector<NodeGroup> groups;  // groups[0] is the master group, count 1
  RuntimeSource runtime;
  bool power_off = true;     // nodes shut down when their part ends
  // What every node runs; groups mirror `groups`. Strings may hold the
  // tokens of `text_params` (emit/plan_files.h writes both forms).
  plan::Plan plan;
  std::vector<TextParam> text_params;
  std::optional<DatasetDigests> dataset_sha256;
  std::optional<Link> link;  // the site's
  std::optional<Upload> upload;

  // The stack parameter `name`, or null.
  const HeatParam* Param(const std::string& name) const {
    for (const HeatParam& p : params) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  // `plan` as `dmlrun local` reads it: each text param at its default.
  plan::Plan StandalonePlan() const {
    std::map<std::string, std::string> defaults;
    for (const TextParam& param : text_params) defaults[param.name] = param.default_text;
    return plan::FillParamHoles(plan, defaults);
  }
};

}  // namespace dml::ir
