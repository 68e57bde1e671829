// The parser builds the typed AST for every construct, with values decoded
// and places right.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "parse_helper.h"

namespace dml::syntax {
namespace {

using testing::Parse;

template <typename T>
const T& DeclAs(const ast::Module& module, size_t i) {
  EXPECT_LT(i, module.decls.size());
  return std::get<T>(module.decls.at(i));
}

template <typename T>
const T& As(const ast::ExprPtr& expr) {
  EXPECT_TRUE(expr);
  return std::get<T>(expr->node);
}

void ExpectAt(const diag::SourceRange& range, int line, int column, int length) {
  EXPECT_EQ(range.line, line);
  EXPECT_EQ(range.column, column);
  EXPECT_EQ(range.length, length);
}

TEST(SyntaxParser, EmptyAndCommentOnlyFiles) {
  for (const char* text : {"", "\n\n", "// just a comment\n", "/* block\n comment */", "  \t\r\n"}) {
    auto p = Parse(text);
    EXPECT_TRUE(p->module.decls.empty()) << text;
    EXPECT_TRUE(p->diagnostics.empty()) << p->Rendered();
  }
}

TEST(SyntaxParser, Imports) {
  auto p = Parse("import chameleon\nimport chameleon.kvm_tacc as site\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  ASSERT_EQ(p->module.decls.size(), 2u);
  const auto& plain = DeclAs<ast::Import>(p->module, 0);
  ASSERT_EQ(plain.path.size(), 1u);
  EXPECT_EQ(plain.bound_name().name, "chameleon");
  ExpectAt(plain.path[0].range, 1, 8, 9);
  ExpectAt(plain.range, 1, 1, 16);
  const auto& aliased = DeclAs<ast::Import>(p->module, 1);
  ASSERT_EQ(aliased.path.size(), 2u);
  EXPECT_EQ(aliased.path[1].name, "kvm_tacc");
  EXPECT_EQ(aliased.bound_name().name, "site");
  ExpectAt(aliased.alias->range, 2, 30, 4);
}

TEST(SyntaxParser, Params) {
  auto p = Parse("param key_name: string\nparam workers: int = 16\nparam from: cidr = 0.0.0.0/0\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& key = DeclAs<ast::Param>(p->module, 0);
  EXPECT_EQ(key.name.name, "key_name");
  EXPECT_EQ(key.type.name.name, "string");
  EXPECT_EQ(key.default_value, nullptr);
  const auto& workers = DeclAs<ast::Param>(p->module, 1);
  EXPECT_EQ(As<ast::Literal>(workers.default_value).int_value, 16);
  ExpectAt(workers.default_value->range, 2, 22, 2);
  ExpectAt(workers.type.range, 2, 16, 3);
  const auto& from = DeclAs<ast::Param>(p->module, 2);
  EXPECT_EQ(As<ast::Literal>(from.default_value).kind, ast::LiteralKind::kCidr);
}

TEST(SyntaxParser, LetWithTypedRecordAndEveryLiteral) {
  auto p = Parse(
      "let f = flavor { name = \"m1.medium\", vcpus = 2, ram = 0.5, ok = true, no = false,\n"
      "  t = 90s, ip = 10.8.1.250, net = 10.8.1.0/24, neg = -3, xs = [1, 2,], empty = [] }\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& let = DeclAs<ast::Let>(p->module, 0);
  EXPECT_EQ(let.name.name, "f");
  const auto& record = As<ast::RecordExpr>(let.value);
  ASSERT_TRUE(record.type_name);
  EXPECT_EQ(record.type_name->name, "flavor");
  ExpectAt(record.open_brace, 1, 16, 1);
  ASSERT_EQ(record.fields.size(), 11u);
  const auto literal = [&](size_t i) { return As<ast::Literal>(record.fields[i].value); };
  EXPECT_EQ(literal(0).string_value, "m1.medium");
  EXPECT_EQ(literal(1).int_value, 2);
  EXPECT_DOUBLE_EQ(literal(2).float_value, 0.5);
  EXPECT_TRUE(literal(3).bool_value);
  EXPECT_EQ(literal(4).kind, ast::LiteralKind::kBool);
  EXPECT_FALSE(literal(4).bool_value);
  EXPECT_DOUBLE_EQ(literal(5).float_value, 90);
  EXPECT_EQ(literal(6).kind, ast::LiteralKind::kIp);
  EXPECT_EQ(literal(7).kind, ast::LiteralKind::kCidr);
  EXPECT_EQ(literal(8).int_value, -3);
  ExpectAt(record.fields[8].value->range, 2, 54, 2);
  EXPECT_EQ(As<ast::ListExpr>(record.fields[9].value).items.size(), 2u);
  EXPECT_TRUE(As<ast::ListExpr>(record.fields[10].value).items.empty());
  // A value spanning lines is marked to the end of its first line.
  ExpectAt(let.value->range, 1, 9, 73);
}

TEST(SyntaxParser, ClusterWithNestedBlocksAndReferences) {
  auto p = Parse(
      "cluster paper {\n"
      "  site = chameleon.kvm_tacc\n"
      "  network {\n"
      "    cidr = 10.8.1.0/24\n"
      "  }\n"
      "  workers { count = workers, flavor = x }\n"
      "}\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& cluster = DeclAs<ast::Cluster>(p->module, 0);
  EXPECT_EQ(cluster.name.name, "paper");
  ExpectAt(cluster.body.open_brace, 1, 15, 1);
  ASSERT_EQ(cluster.body.fields.size(), 3u);
  const ast::Field& site = cluster.body.fields[0];
  EXPECT_EQ(site.name.name, "site");
  ExpectAt(site.range, 2, 3, 25);
  const auto& ref = As<ast::Reference>(site.value);
  ASSERT_EQ(ref.path.size(), 2u);
  EXPECT_EQ(ref.path[0].name, "chameleon");
  EXPECT_EQ(ref.path[1].name, "kvm_tacc");
  ExpectAt(ref.path[1].range, 2, 20, 8);
  const auto& network = As<ast::RecordExpr>(cluster.body.fields[1].value);
  EXPECT_FALSE(network.type_name);
  ASSERT_EQ(network.fields.size(), 1u);
  EXPECT_EQ(network.fields[0].name.name, "cidr");
  ExpectAt(network.open_brace, 3, 11, 1);
  EXPECT_EQ(As<ast::RecordExpr>(cluster.body.fields[2].value).fields.size(), 2u);
}

TEST(SyntaxParser, JobOnClusterWithKeywordFieldNames) {
  auto p = Parse(
      "job mnist on paper {\n"
      "  timeouts { job = 2h, on = 1s }\n"
      "  train { optimizer = adam { lr = 1e-3 }, model = { layers = [784, 100, 10] } }\n"
      "}\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& job = DeclAs<ast::Job>(p->module, 0);
  EXPECT_EQ(job.name.name, "mnist");
  EXPECT_EQ(job.cluster.name, "paper");
  ExpectAt(job.cluster.range, 1, 14, 5);
  const auto& timeouts = As<ast::RecordExpr>(job.body.fields[0].value);
  EXPECT_EQ(timeouts.fields[0].name.name, "job");
  EXPECT_DOUBLE_EQ(As<ast::Literal>(timeouts.fields[0].value).float_value, 7200);
  EXPECT_EQ(timeouts.fields[1].name.name, "on");
  const auto& train = As<ast::RecordExpr>(job.body.fields[1].value);
  const auto& adam = As<ast::RecordExpr>(train.fields[0].value);
  EXPECT_EQ(adam.type_name->name, "adam");
  EXPECT_DOUBLE_EQ(As<ast::Literal>(adam.fields[0].value).float_value, 1e-3);
  const auto& model = As<ast::RecordExpr>(train.fields[1].value);
  EXPECT_FALSE(model.type_name);
  EXPECT_EQ(As<ast::ListExpr>(model.fields[0].value).items.size(), 3u);
}

TEST(SyntaxParser, MultiLineListsAndUnicodeColumns) {
  auto p = Parse("let xs = [\n  \"\xc3\xa9t\xc3\xa9\",\n  \"b\",\n]\nlet y = \"\xc3\xa9\" let z = 1\n");
  ASSERT_EQ(p->diagnostics.size(), 1u) << p->Rendered();
  // Columns count code points: `let` follows a 3-character string.
  ExpectAt(p->diagnostics[0].range, 5, 13, 3);
  const auto& xs = As<ast::ListExpr>(DeclAs<ast::Let>(p->module, 0).value);
  ASSERT_EQ(xs.items.size(), 2u);
  ExpectAt(xs.items[0]->range, 2, 3, 5);
}

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(DML_SOURCE_DIR) + "/samples/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SyntaxParser, SamplesParseCleanly) {
  for (const char* sample : {"mnist.dml", "repo_job.dml"}) {
    const std::string text = ReadSample(sample);
    ASSERT_FALSE(text.empty()) << sample;
    auto p = Parse(text);
    EXPECT_TRUE(p->diagnostics.empty()) << sample << "\n" << p->Rendered();
    EXPECT_GE(p->module.decls.size(), 4u);
  }
}

}  // namespace
}  // namespace dml::syntax

namespace dml::syntax {
namespace {

TEST(SyntaxParser, TypesEnumsAndRanges) {
  auto p = Parse(
      "enum mode { fast, safe }\n"
      "type box {\n"
      "  name: string\n"
      "  cores: int = 2 in 1..64\n"
      "  tags: [string]?\n"
      "  ratio: float in 0<..<1, low: int in ..<5\n"
      "  at_least: size in 1GiB..\n"
      "  job: duration\n"
      "}\n"
      "param workers: int = 1 in 0..254\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& mode = DeclAs<ast::EnumDecl>(p->module, 0);
  EXPECT_EQ(mode.name.name, "mode");
  ASSERT_EQ(mode.members.size(), 2u);
  EXPECT_EQ(mode.members[1].name, "safe");
  const auto& box = DeclAs<ast::TypeDecl>(p->module, 1);
  ASSERT_EQ(box.fields.size(), 7u);
  EXPECT_EQ(box.fields[1].name.name, "cores");
  ASSERT_TRUE(box.fields[1].constraint);
  EXPECT_EQ(As<ast::Literal>(box.fields[1].constraint->high).int_value, 64);
  EXPECT_FALSE(box.fields[1].constraint->high_exclusive);
  EXPECT_TRUE(box.fields[2].type.list);
  EXPECT_TRUE(box.fields[2].type.optional);
  EXPECT_TRUE(box.fields[3].constraint->low_exclusive);
  EXPECT_TRUE(box.fields[3].constraint->high_exclusive);
  EXPECT_FALSE(box.fields[4].constraint->low);
  EXPECT_EQ(box.fields[5].name.name, "at_least");
  EXPECT_FALSE(box.fields[5].constraint->high);  // `1GiB..` ends at the line's end
  EXPECT_EQ(box.fields[6].name.name, "job");     // a keyword as a field name
  const auto& workers = DeclAs<ast::Param>(p->module, 2);
  ASSERT_TRUE(workers.constraint);
  EXPECT_EQ(As<ast::Literal>(workers.constraint->low).int_value, 0);
  EXPECT_EQ(As<ast::Literal>(workers.constraint->high).int_value, 254);
  ExpectAt(workers.constraint->range, 10, 24, 9);
}

TEST(SyntaxParser, ArithmeticPrecedenceAndParentheses) {
  auto p = Parse("let a = 1 + 2 * 3 - 4\nlet b = (1 + 2) * 3\nlet c = x.y / 2\nlet d = 64/2\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  // ((1 + (2 * 3)) - 4)
  const auto& a = As<ast::BinaryExpr>(DeclAs<ast::Let>(p->module, 0).value);
  EXPECT_EQ(a.op, ast::BinaryOp::kSub);
  const auto& sum = As<ast::BinaryExpr>(a.lhs);
  EXPECT_EQ(sum.op, ast::BinaryOp::kAdd);
  EXPECT_EQ(As<ast::BinaryExpr>(sum.rhs).op, ast::BinaryOp::kMul);
  ExpectAt(a.op_range, 1, 19, 1);
  const auto& b = As<ast::BinaryExpr>(DeclAs<ast::Let>(p->module, 1).value);
  EXPECT_EQ(b.op, ast::BinaryOp::kMul);
  EXPECT_EQ(As<ast::BinaryExpr>(b.lhs).op, ast::BinaryOp::kAdd);
  ExpectAt(b.lhs->range, 2, 9, 7);  // the whole `(1 + 2)`
  const auto& c = As<ast::BinaryExpr>(DeclAs<ast::Let>(p->module, 2).value);
  EXPECT_EQ(As<ast::Reference>(c.lhs).path.size(), 2u);
  EXPECT_EQ(As<ast::BinaryExpr>(DeclAs<ast::Let>(p->module, 3).value).op, ast::BinaryOp::kDiv);
}

TEST(SyntaxParser, LabelledBlocksAndInterpolationPlaces) {
  auto p = Parse("cluster c {\n  group gpu { count = 2 }\n  args = [\"-n=${n}\"]\n}\n");
  ASSERT_TRUE(p->diagnostics.empty()) << p->Rendered();
  const auto& cluster = DeclAs<ast::Cluster>(p->module, 0);
  ASSERT_EQ(cluster.body.fields.size(), 2u);
  EXPECT_EQ(cluster.body.fields[0].name.name, "group");
  ASSERT_TRUE(cluster.body.fields[0].label);
  EXPECT_EQ(cluster.body.fields[0].label->name, "gpu");
  ExpectAt(cluster.body.fields[0].label->range, 2, 9, 3);
  const auto& args = As<ast::ListExpr>(cluster.body.fields[1].value);
  const auto& text = As<ast::Literal>(args.items[0]);
  ASSERT_EQ(text.interpolations.size(), 1u);
  ExpectAt(text.interpolations[0].range, 3, 15, 4);
  ExpectAt(text.interpolations[0].path[0].range, 3, 17, 1);
}

TEST(SyntaxParser, LongExpressionsAreRefusedNotRecursedInto) {
  std::string sum = "let a = 1";
  for (int i = 0; i < 500; ++i) sum += " + 1";
  auto p = Parse(sum + "\n");
  ASSERT_EQ(p->diagnostics.size(), 1u) << p->Rendered();
  EXPECT_NE(p->diagnostics[0].message.find("more than"), std::string::npos);
  std::string nested = "let a = " + std::string(300, '(') + "1" + std::string(300, ')') + "\n";
  auto q = Parse(nested);
  ASSERT_EQ(q->diagnostics.size(), 1u) << q->Rendered();
  EXPECT_NE(q->diagnostics[0].message.find("nest more than"), std::string::npos);
}

}  // namespace
}  // namespace dml::syntax
