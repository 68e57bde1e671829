// Small helpers for writing HOT (Heat Orchestration Template) YAML with
// yaml-cpp's emitter: intrinsic functions in flow style ({get_param: x}) and
// string scalars that read back as strings.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "compiler/ir/deployment.h"

namespace dml::emit::hot {

// A string scalar that YAML reads back as this same string: plain where that
// is unambiguous (m1.small), double-quoted where a YAML reader would take it
// for a number, bool, null or date ("10", "yes", "10.8.1.0/24").
void Str(YAML::Emitter& out, const std::string& text);

// A number as a Heat template reads it: "3", "0.5", "5.0e-324" (a float
// always with a dot, as YAML 1.1 wants), never a string.
std::string NumberText(double value);

// Multi-line text as a block literal (|) when it reads back unchanged as
// one (it ends in one newline, ...), else Str.
void Text(YAML::Emitter& out, const std::string& text);

void GetParam(YAML::Emitter& out, const std::string& param);
void GetResource(YAML::Emitter& out, const std::string& resource);
// {get_attr: [resource, attribute...]}
void GetAttr(YAML::Emitter& out, const std::vector<std::string>& path);

// A literal as a string scalar; a parameter as {get_param: name}.
void ValueOf(YAML::Emitter& out, const ir::Value& value);

// Writes `key:` then starts a block map as its value.
void BeginMapAt(YAML::Emitter& out, const std::string& key);

}  // namespace dml::emit::hot
