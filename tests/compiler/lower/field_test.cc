// lower::Field, the one way lowering reads a checked value: a field that is
// missing or of another kind is a defect in dmlc, thrown as FieldError and
// reported as internal_error; never an empty value in its place.
#include "compiler/lower/field.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/lower/lower_program.h"
#include "tests/compiler/sema/sema_test_util.h"

namespace dml::lower {
namespace {

using sema::Value;
using sema::ValueKind;

Value Scalar(ValueKind kind) {
  Value value;
  value.kind = kind;
  return value;
}

Value Text(ValueKind kind, std::string text) {
  Value value = Scalar(kind);
  value.text = std::move(text);
  return value;
}

Value MakeRecord(std::string type, std::vector<std::pair<std::string, Value>> fields) {
  Value record = Scalar(ValueKind::kRecord);
  record.record_type = std::move(type);
  record.range = {1, 3, 5, 4};
  for (auto& [name, value] : fields) {
    record.fields.push_back({name, {}, std::make_shared<Value>(std::move(value)), "", {}});
  }
  return record;
}

// What Field threw for `read`, or "" when it threw nothing.
template <typename Read>
std::string ErrorOf(Read read) {
  try {
    read();
  } catch (const FieldError& error) {
    return error.what();
  }
  return "";
}

TEST(LowerField, ReadsAFieldOfEachAdmittedKind) {
  Value lr = Scalar(ValueKind::kFloat);
  lr.number = 0.001;
  Value job = Scalar(ValueKind::kDuration);
  job.number = 7200;
  Value ram = Scalar(ValueKind::kSize);
  ram.int_value = int64_t{4} << 30;
  Value off = Scalar(ValueKind::kBool);
  off.bool_value = true;
  Value dns = Scalar(ValueKind::kList);
  dns.items.push_back(Text(ValueKind::kIp, "8.8.8.8"));
  Value key = Text(ValueKind::kParam, "key_name");
  const Value record = MakeRecord("", {{"lr", lr}, {"job", job}, {"ram", ram}, {"power_off", off}, {"dns", dns},
                                   {"cidr", Text(ValueKind::kCidr, "10.8.1.0/24")},
                                   {"activation", Text(ValueKind::kEnum, "relu")},
                                   {"key_pair", key}, {"network", MakeRecord("", {})}});
  EXPECT_EQ(Field<double>(record, "lr"), 0.001);
  EXPECT_EQ(Field<double>(record, "job"), 7200);
  EXPECT_EQ(Field<int64_t>(record, "ram"), int64_t{4} << 30);
  EXPECT_TRUE(Field<bool>(record, "power_off"));
  ASSERT_EQ(Field<List>(record, "dns").size(), 1u);
  EXPECT_EQ(Field<List>(record, "dns")[0].text, "8.8.8.8");
  EXPECT_EQ(Field<std::string>(record, "cidr"), "10.8.1.0/24");
  EXPECT_EQ(Field<std::string>(record, "activation"), "relu");
  EXPECT_EQ(&Field<Setting>(record, "key_pair"), record.Field("key_pair"));
  EXPECT_EQ(&Field<Record>(record, "network"), record.Field("network"));
}

TEST(LowerField, AMissingFieldThrowsNamingTheFieldTheRecordAndItsPlace) {
  const Value adam = MakeRecord("adam", {{"lr", Scalar(ValueKind::kFloat)}});
  EXPECT_EQ(ErrorOf([&] { Field<double>(adam, "beta1"); }),
            "the record `adam` has no field `beta1` (lowering reads a float or a duration)");
  const Value block = MakeRecord("", {});
  EXPECT_EQ(ErrorOf([&] { Field<Setting>(block, "key_pair"); }),
            "the block has no field `key_pair` (lowering reads a value)");
  try {
    Field<bool>(block, "power_off");
    FAIL() << "no FieldError for a missing bool";
  } catch (const FieldError& error) {
    EXPECT_EQ(error.where().line, 3);
    EXPECT_EQ(error.where().column, 5);
  }
}

TEST(LowerField, AFieldOfAnotherKindThrows) {
  const Value train = MakeRecord("", {{"batch", Text(ValueKind::kString, "64")}, {"epochs", Scalar(ValueKind::kInt)}});
  EXPECT_EQ(ErrorOf([&] { Field<int64_t>(train, "batch"); }),
            "field `batch` of the block is string, but lowering reads an int or a size");
  EXPECT_EQ(ErrorOf([&] { Field<Record>(train, "epochs"); }),
            "field `epochs` of the block is int, but lowering reads a record or block");
  EXPECT_EQ(ErrorOf([&] { Field<double>(train, "epochs"); }),
            "field `epochs` of the block is int, but lowering reads a float or a duration");
  EXPECT_EQ(ErrorOf([&] { Field<List>(train, "epochs"); }),
            "field `epochs` of the block is int, but lowering reads a list");
}

// A hole the checks let through (here made by hand) stops lowering with an
// internal_error at the job, where an empty value once went on silently.
TEST(LowerProgram, AMissingFieldIsAnInternalErrorAndNoDeployment) {
  struct Case {
    const char* field;
    bool in_cluster;
  };
  for (const Case& hole : {Case{"power_off", true}, Case{"port", true}, Case{"timeouts", false}}) {
    SCOPED_TRACE(hole.field);
    auto c = sema::testing::Compile(sema::testing::kValidTrain);
    ASSERT_EQ(c->Errors(), 0) << c->Rendered();
    ASSERT_EQ(c->result.deployments.size(), 1u);
    if (hole.in_cluster) {
      c->checked.clusters.front()->value.RemoveField(hole.field);
    } else {
      c->checked.jobs.front().value.RemoveField(hole.field);
    }
    diag::DiagnosticSink sink;
    const LowerResult again = LowerProgram(c->checked, sink);
    EXPECT_TRUE(again.deployments.empty());
    const std::vector<diag::Diagnostic> diagnostics = sink.Sorted();
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].kind, diag::Kind::internal_error);
    EXPECT_EQ(diagnostics[0].message, "dmlc could not lower job `mnist`: the block has no field `" +
                                          std::string(hole.field) + "` (lowering reads " +
                                          (hole.field == std::string("power_off") ? "a bool"
                                           : hole.field == std::string("port")    ? "an int or a size"
                                                                                  : "a record or block") +
                                          "); please report this bug");
    EXPECT_EQ(diagnostics[0].range.line, c->result.sites[0].name.line);
  }
}

TEST(LowerProgram, AShapeWithoutASubnetIsAnInternalError) {
  auto c = sema::testing::Compile(sema::testing::kValidTrain);
  ASSERT_EQ(c->Errors(), 0) << c->Rendered();
  c->checked.clusters.front()->shape.cidr.reset();
  diag::DiagnosticSink sink;
  EXPECT_TRUE(LowerProgram(c->checked, sink).deployments.empty());
  const std::vector<diag::Diagnostic> diagnostics = sink.Sorted();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].kind, diag::Kind::internal_error);
  EXPECT_EQ(diagnostics[0].message,
            "dmlc could not lower job `mnist`: the network's `cidr` is not a subnet (lowering reads a cidr); "
            "please report this bug");
}

}  // namespace
}  // namespace dml::lower
