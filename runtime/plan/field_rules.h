// What the plan's text fields may hold: the one definition both dmlc (which
// reports a broken rule at the value's line:col) and dmlrun (which refuses a
// plan breaking one, naming the file and field) use. Each rule is a pure
// function: nullopt when the value is fine, else why not, in words that read
// after the value ("starts with '-': ..."); the value itself is not repeated,
// since callers show it (escaped) their own way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dml::plan {

using RuleResult = std::optional<std::string>;

// A path inside a base directory (an entrypoint or requirements directory in
// the repository, a dataset file in its directory): relative, no `..` or
// empty component, no leading `-` (an option to git, pip or python), no
// control character.
RuleResult CheckRelativePath(std::string_view path);

// A directory on the node (the dataset's, the checkpoints'): absolute or
// relative to where dmlrun runs, otherwise as CheckRelativePath.
RuleResult CheckNodePath(std::string_view path);

// A branch, tag or commit for `git checkout`: the rules of
// `git check-ref-format --allow-onelevel`, plus no leading `-`. A commit id
// (hexadecimal) passes them too; revision expressions (`main~1`, `v1^{}`,
// `@{-1}`, `HEAD:path`) do not.
RuleResult CheckGitRef(std::string_view ref);

// What dmlrun clones: an https URL with a host, or an absolute path (a
// repository on the node itself, as `dmlrun local` runs it); no other
// transport (ssh, git, http, ext::), no control character or space.
// dmlc allows only the https form (the nodes of a stack have no local repo).
RuleResult CheckRepoUrl(std::string_view url);
bool IsHttpsUrl(std::string_view url);

// What nodes download (a dataset file, a model): an https URL with a host,
// nothing else; no control character or space.
RuleResult CheckDownloadUrl(std::string_view url);

// A file's digest as `sha256sum` prints it: 64 lowercase hexadecimal digits.
RuleResult CheckSha256(std::string_view digest);

// An argument for the entrypoint: anything an argv entry can hold (no NUL).
RuleResult CheckArgument(std::string_view arg);

// The interpreter: a command name found on PATH ("python3") or an absolute
// path ("/usr/bin/python3").
RuleResult CheckProgram(std::string_view program);

// A job's, group's or count param's name: a .dml identifier
// ([A-Za-z_][A-Za-z0-9_]*). The job's name is a folder of dmlrun's workdir.
RuleResult CheckName(std::string_view name);

// `text` as messages may show it: quoted, with control characters, quotes
// and backslashes escaped, so a value can never forge a line on a terminal.
std::string QuoteForMessage(std::string_view text);

}  // namespace dml::plan
