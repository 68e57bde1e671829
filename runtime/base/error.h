// The runtime's one error type: where (a plan field, a file, a rank or a
// node), what went wrong, and optionally the error that caused it. Every
// layer (plan, data, model, train, dist, launch) returns these as values
// (std::optional<Error> or Result<T>), never throws them, and everything
// that shows an error to a user goes through Render(), so that one shape
// reads the same on stderr, in a report file and in a test.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace dml::base {

// A field of the launch plan ("train.epochs"), in `file` when known.
struct PlanField {
  std::string file;   // the plan's path; empty: the field alone
  std::string field;  // empty: the file as a whole
};

// A file on the node (a dataset, a checkpoint, a metrics file), optionally a
// field or a byte offset in it.
struct FileAt {
  std::string path;
  std::string field;
  std::optional<uint64_t> offset;
};

// A rank of the job, or a node of the cluster.
struct RankAt {
  int rank = 0;
};
struct NodeAt {
  int node = 0;
};

// monostate: the message says it all (or says where itself).
using Location = std::variant<std::monostate, PlanField, FileAt, RankAt, NodeAt>;

class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}
  Error(Location location, std::string message) : location_(std::move(location)), message_(std::move(message)) {}

  static Error InPlan(std::string file, std::string field, std::string message) {
    return Error(PlanField{std::move(file), std::move(field)}, std::move(message));
  }
  static Error InField(std::string field, std::string message) {
    return Error(PlanField{"", std::move(field)}, std::move(message));
  }
  static Error InFile(std::string path, std::string message) {
    return Error(FileAt{std::move(path), "", std::nullopt}, std::move(message));
  }
  static Error AtRank(int rank, std::string message) { return Error(RankAt{rank}, std::move(message)); }
  static Error AtNode(int node, std::string message) { return Error(NodeAt{node}, std::move(message)); }

  // This error as the consequence of `cause`; renders "<this>: <cause>", or
  // "<location>: <cause>" when the message is empty (a cause placed at a rank).
  Error CausedBy(Error cause) && {
    cause_ = std::make_shared<const Error>(std::move(cause));
    return std::move(*this);
  }

  const Location& location() const { return location_; }
  const std::string& message() const { return message_; }
  const Error* cause() const { return cause_.get(); }

  // The location alone, as Render() starts: "plan.yaml: train.epochs".
  std::string Where() const;

  // "<location>: <message>[: <cause>]", the location as
  //   plan field: "<file>: <field>"   file: "<path>[: <field>][: byte <offset>]"
  //   rank: "rank <n>"                node: "node <n>"
  // each part present only when set. One line unless a message holds more.
  std::string Render() const;

 private:
  Location location_;
  std::string message_;
  std::shared_ptr<const Error> cause_;  // shared: errors are copied as values
};

// Several errors (a plan's), one Render() per line.
std::string RenderAll(const std::vector<Error>& errors);

// The error's Render(), or "" when there is none.
std::string Render(const std::optional<Error>& error);

// A value or the error that prevented it.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit, as std::expected
  Result(Error error) : error_(std::move(error)) {}      // NOLINT
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  // Set iff !ok().
  const std::optional<Error>& error() const { return error_; }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

}  // namespace dml::base
