// EmitHeat: the template's header, parameters and outputs, and the order of
// its sections; the resources are written by heat_network.cc/heat_nodes.cc.
#include "compiler/emit/heat_emitter.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "compiler/emit/boot_upload.h"
#include "compiler/emit/heat_sections.h"
#include "compiler/emit/hot_yaml.h"
#include "compiler/emit/plan_files.h"
#include "runtime/plan/plan_yaml.h"

namespace dml::emit {
namespace detail {
namespace {

// Hostnames are at most 63 characters; leave room for "-<index>". sema
// refuses longer names, so the cut below never merges two groups' names.
constexpr size_t kMaxServerNameLength = ir::kMaxServerNamePrefix;

// The login of the images dmlc is first meant for (Chameleon Cloud's).
constexpr const char* kDefaultLogin = "cc";

const char* ParamTypeName(ir::ParamType type) {
  switch (type) {
    case ir::ParamType::kNumber: return "number";
    case ir::ParamType::kBoolean: return "boolean";
    case ir::ParamType::kString: break;
  }
  return "string";
}

// `upload`: the parameter holds the URL the master PUTs the output to; it
// is hidden and must be an https URL whatever else its declaration says.
void WriteParameter(YAML::Emitter& out, const ir::HeatParam& p, bool upload) {
  hot::BeginMapAt(out, p.name);
  out << YAML::Key << "type" << YAML::Value << ParamTypeName(p.type);
  if (p.hidden || upload) out << YAML::Key << "hidden" << YAML::Value << true;
  if (!p.label.empty()) {
    out << YAML::Key << "label" << YAML::Value;
    hot::Str(out, p.label);
  }
  if (!p.description.empty()) {
    out << YAML::Key << "description" << YAML::Value;
    hot::Text(out, p.description);
  }
  if (p.default_value) {
    out << YAML::Key << "default" << YAML::Value;
    // Numbers and booleans are written as YAML reads them; strings quoted
    // where they would read as something else.
    if (p.type == ir::ParamType::kString) {
      hot::Str(out, *p.default_value);
    } else {
      out << *p.default_value;
    }
  }
  const bool has_range = p.range_min || p.range_max;
  if (!p.custom_constraint.empty() || has_range || p.cidr_constraint || p.allowed_pattern || p.whole_number ||
      upload) {
    out << YAML::Key << "constraints" << YAML::Value << YAML::BeginSeq;
    if (!p.custom_constraint.empty()) {
      out << YAML::BeginMap << YAML::Key << "custom_constraint" << YAML::Value;
      hot::Str(out, p.custom_constraint);
      out << YAML::EndMap;
    }
    if (has_range) {
      out << YAML::BeginMap << YAML::Key << "range" << YAML::Value << YAML::Flow
          << YAML::BeginMap;
      if (p.range_min) out << YAML::Key << "min" << YAML::Value << hot::NumberText(*p.range_min);
      if (p.range_max) out << YAML::Key << "max" << YAML::Value << hot::NumberText(*p.range_max);
      out << YAML::EndMap << YAML::EndMap;
    }
    if (p.whole_number) {
      out << YAML::BeginMap << YAML::Key << "modulo" << YAML::Value << YAML::Flow << YAML::BeginMap
          << YAML::Key << "step" << YAML::Value << 1 << YAML::Key << "offset" << YAML::Value << 0
          << YAML::EndMap << YAML::Key << "description" << YAML::Value << "a whole number" << YAML::EndMap;
    }
    if (p.allowed_pattern) {
      out << YAML::BeginMap << YAML::Key << "allowed_pattern" << YAML::Value;
      hot::Str(out, *p.allowed_pattern);
      if (!p.allowed_pattern_description.empty()) {
        out << YAML::Key << "description" << YAML::Value;
        hot::Str(out, p.allowed_pattern_description);
      }
      out << YAML::EndMap;
    }
    if (upload) {
      out << YAML::BeginMap << YAML::Key << "allowed_pattern" << YAML::Value;
      hot::Str(out, kUploadUrlPattern);
      out << YAML::Key << "description" << YAML::Value
          << "an https URL (a presigned PUT URL), without spaces, quotes, backslashes or @";
      out << YAML::EndMap;
    }
    if (p.cidr_constraint) {
      out << YAML::BeginMap << YAML::Key << "custom_constraint" << YAML::Value << "net_cidr";
      if (!p.cidr_constraint->empty()) {
        out << YAML::Key << "description" << YAML::Value;
        hot::Str(out, *p.cidr_constraint);
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void WriteOutput(YAML::Emitter& out, const std::string& name, const std::string& description) {
  hot::BeginMapAt(out, name);
  out << YAML::Key << "description" << YAML::Value;
  hot::Str(out, description);
  out << YAML::Key << "value" << YAML::Value;
}

// What the master uploaded, from the line that leads its success signal's
// data ("node-0": "uploaded NAME (BYTES bytes, sha256 HEX)"): only the
// master's data can start there (a quote inside a JSON string is escaped),
// so no other node's log can forge it. Null until the master has signalled.
void WriteUploadOutput(YAML::Emitter& out) {
  WriteOutput(out, "upload",
              "What the master uploaded to the URL of the upload parameter when the job ended: "
              "the archive's file name, its size in bytes and its sha256 (null if it did not)");
  out << YAML::BeginMap;
  hot::BeginMapAt(out, "yaql");
  out << YAML::Key << "expression" << YAML::Value;
  hot::Str(out, std::string("regex('\"node-0\": *\"") + kUploadedPrefix +
                    "([^ ]+) [(]([0-9]+) bytes, sha256 ([0-9a-f]{64})[)]')"
                    ".search($.data.result, dict(file => $2.value, bytes => int($3.value), "
                    "sha256 => $4.value))");
  hot::BeginMapAt(out, "data");
  out << YAML::Key << "result" << YAML::Value;
  hot::GetAttr(out, {kWaitCondition, "data"});
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  out << YAML::EndMap;
}

}  // namespace

std::vector<std::string> GroupResourceNames(const ir::Deployment& d) {
  std::set<std::string> taken = {kNet,         kSubnet,          kRouter,
                                 kRouterInterface, kSecurityGroup, kWaitHandle,
                                 kWaitCondition,   kMasterPort,    kMasterFloatingIp,
                                 kMaster};
  std::vector<std::string> names = {kMaster};
  for (size_t i = 1; i < d.groups.size(); ++i) {
    std::string base;
    for (char c : d.groups[i].name) base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    base += "_group";
    std::string name = base;
    for (int n = 2; taken.count(name) != 0; ++n) name = base + "_" + std::to_string(n);
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

std::string ServerName(const std::string& job, const std::string& group) {
  std::string name;
  for (char c : job + "-" + group) {
    const auto u = static_cast<unsigned char>(c);
    const char lower = static_cast<char>(std::tolower(u));
    const bool keep = u < 0x80 && std::isalnum(u);
    if (keep) {
      name += lower;
    } else if (!name.empty() && name.back() != '-') {
      name += '-';
    }
  }
  if (name.size() > kMaxServerNameLength) name.resize(kMaxServerNameLength);
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "dml" : name;
}

void WriteParameters(YAML::Emitter& out, const ir::Deployment& d) {
  if (d.params.empty()) return;
  out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
  for (const ir::HeatParam& p : d.params) WriteParameter(out, p, d.upload && d.upload->param == p.name);
  out << YAML::EndMap;
}

void WriteOutputs(YAML::Emitter& out, const NodeContext& c) {
  const ir::Deployment& d = *c.deployment;
  out << YAML::Key << "outputs" << YAML::Value << YAML::BeginMap;

  WriteOutput(out, "master_ip", "Floating IP address of the master node");
  hot::GetAttr(out, {kMasterFloatingIp, "floating_ip_address"});
  out << YAML::EndMap;

  // The master's image record names its login; an image given by name
  // gets Chameleon's (its own images' `cc`).
  const std::string& login = d.groups[0].login;
  WriteOutput(out, "ssh_command",
              login.empty() ? std::string("SSH to the master (the login is the image's: ") + kDefaultLogin +
                                  " on Chameleon's images, debian on Debian's)"
                            : "SSH to the master (as " + login + ", the image's login)");
  out << YAML::BeginMap;
  hot::BeginMapAt(out, "str_replace");
  out << YAML::Key << "template" << YAML::Value << "ssh " + (login.empty() ? std::string(kDefaultLogin) : login) + "@HOST";
  hot::BeginMapAt(out, "params");
  out << YAML::Key << "HOST" << YAML::Value;
  hot::GetAttr(out, {kMasterFloatingIp, "floating_ip_address"});
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  out << YAML::EndMap;

  for (size_t i = 1; i < d.groups.size(); ++i) {
    WriteOutput(out, c.group_resources[i] + "_ips",
                "Private IP addresses of the nodes of group " + d.groups[i].name);
    hot::GetAttr(out, {c.group_resources[i], "first_address"});
    out << YAML::EndMap;
  }

  WriteOutput(out, "job_result",
              "How the job ended on each node (JSON: node id -> last lines of its log)");
  hot::GetAttr(out, {kWaitCondition, "data"});
  out << YAML::EndMap;

  if (d.upload) WriteUploadOutput(out);

  out << YAML::EndMap;
}

size_t Indentation(std::string_view line) {
  const size_t n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? line.size() : n;
}

bool StartsBlockScalar(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  return line.size() >= 2 && (line.substr(line.size() - 2) == " |" ||
                              line.substr(line.size() - 3) == " |-" ||
                              line.substr(line.size() - 3) == " |+");
}

// yaml-cpp writes no blank lines: add one before each top-level section and
// each entry of one (parameters, resources, outputs). Lines of a block scalar
// are passed through as they are; yaml-cpp writes quoted scalars on one line.
std::string WithBlankLines(const std::string& yaml) {
  std::string out;
  size_t begin = 0;
  bool first_in_section = true;
  size_t block_parent = std::string::npos;  // indentation of a block scalar's key
  while (begin < yaml.size()) {
    size_t end = yaml.find('\n', begin);
    if (end == std::string::npos) end = yaml.size() - 1;
    const std::string_view line(yaml.data() + begin, end + 1 - begin);
    begin = end + 1;
    const size_t indent = Indentation(line);
    const bool blank = line.find_first_not_of(" \n") == std::string_view::npos;
    if (block_parent != std::string::npos && (blank || indent > block_parent)) {
      out += line;
      continue;
    }
    block_parent = StartsBlockScalar(line) ? indent : std::string::npos;
    if (indent == 0 && !blank) {
      if (!out.empty()) out += '\n';
      first_in_section = true;
    } else if (indent == 2 && line[2] != '-') {
      if (!first_in_section) out += '\n';
      first_in_section = false;
    }
    out += line;
  }
  return out;
}

}  // namespace detail

HeatOutput EmitHeat(const ir::Deployment& deployment) {
  // groups[0] is the master by contract; a Deployment without one still gets
  // a template (that Heat's validator will reject), never a crash.
  ir::Deployment d = deployment;
  if (d.groups.empty()) {
    d.groups.emplace_back();
    d.groups.back().name = "master";
  }

  using detail::NodeContext;
  NodeContext c;
  c.deployment = &d;
  c.plan_text = EmbeddedPlanYaml(d);
  c.group_resources = detail::GroupResourceNames(d);
  // Count parameters reach the scripts twice: in the plan, and in the values
  // every node checks and computes its rank from; text parameters in the
  // plan's strings.
  std::vector<std::string> all_token_params;
  for (const ir::NodeGroup& g : d.groups) all_token_params.push_back(g.count_param);
  for (const plan::NodeGroup& g : d.plan.cluster.groups) all_token_params.push_back(g.count_param);
  for (const ir::TextParam& p : d.text_params) all_token_params.push_back(p.name);
  for (const std::string& param : all_token_params) {
    if (!param.empty() && std::find(c.token_params.begin(), c.token_params.end(), param) ==
                              c.token_params.end()) {
      c.token_params.push_back(param);
    }
  }

  HeatOutput output;
  output.tokens = c.tokens;
  for (const ir::NodeGroup& g : d.groups) {
    c.scripts.push_back(RenderBootScript(d, g, c.plan_text, c.tokens));
    output.boot_scripts.emplace_back(g.name, c.scripts.back());
  }

  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "heat_template_version" << YAML::Value << kHeatTemplateVersion;
  out << YAML::Key << "description" << YAML::Value;
  hot::Text(out, d.description.empty()
                     ? "dml job " + d.name + ": a master and its workers train together"
                     : d.description);
  detail::WriteParameters(out, d);
  out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
  detail::WriteNetwork(out, d);
  detail::WriteNodes(out, c);
  out << YAML::EndMap;
  detail::WriteOutputs(out, c);
  out << YAML::EndMap;
  output.template_yaml = detail::WithBlankLines(std::string(out.c_str()) + "\n");
  return output;
}

}  // namespace dml::emit
