#include <gtest/gtest.h>

#include "compiler/syntax/literal.h"

namespace dml::syntax {
namespace {

using ast::LiteralKind;

ast::Literal Ok(std::string_view text, bool negative = false) {
  DecodedLiteral decoded = DecodeNumber(text, negative);
  EXPECT_FALSE(decoded.error) << text << ": " << decoded.error->message;
  return decoded.literal.value_or(ast::Literal{});
}

LiteralError Bad(std::string_view text, bool negative = false) {
  DecodedLiteral decoded = DecodeNumber(text, negative);
  EXPECT_TRUE(decoded.error) << text << " decoded without error";
  return decoded.error.value_or(LiteralError{});
}

TEST(SyntaxLiteral, Integers) {
  EXPECT_EQ(Ok("42").kind, LiteralKind::kInt);
  EXPECT_EQ(Ok("42").int_value, 42);
  EXPECT_EQ(Ok("0").int_value, 0);
  EXPECT_EQ(Ok("7", true).int_value, -7);
  EXPECT_EQ(Ok("7", true).text, "-7");
  EXPECT_EQ(Ok("9223372036854775807").int_value, INT64_MAX);
  EXPECT_EQ(Ok("9223372036854775808", true).int_value, INT64_MIN);
  EXPECT_NE(Bad("9223372036854775808").message.find("does not fit in 64 bits"), std::string::npos);
}

TEST(SyntaxLiteral, Floats) {
  EXPECT_EQ(Ok("0.5").kind, LiteralKind::kFloat);
  EXPECT_DOUBLE_EQ(Ok("0.5").float_value, 0.5);
  EXPECT_DOUBLE_EQ(Ok("1e-3").float_value, 1e-3);
  EXPECT_DOUBLE_EQ(Ok("2.5E+2").float_value, 250);
  EXPECT_DOUBLE_EQ(Ok("1e3").float_value, 1000);
  EXPECT_EQ(Ok("1e3").kind, LiteralKind::kFloat);
  EXPECT_DOUBLE_EQ(Ok("0.25", true).float_value, -0.25);
  EXPECT_NE(Bad("1e999").message.find("too large"), std::string::npos);
}

TEST(SyntaxLiteral, DurationsInSeconds) {
  EXPECT_EQ(Ok("90s").kind, LiteralKind::kDuration);
  EXPECT_DOUBLE_EQ(Ok("90s").float_value, 90);
  EXPECT_DOUBLE_EQ(Ok("10m").float_value, 600);
  EXPECT_DOUBLE_EQ(Ok("2h").float_value, 7200);
  EXPECT_DOUBLE_EQ(Ok("500ms").float_value, 0.5);
  EXPECT_DOUBLE_EQ(Ok("1d").float_value, 86400);
  EXPECT_DOUBLE_EQ(Ok("1.5h").float_value, 5400);
  EXPECT_EQ(Ok("2h").text, "2h");
}

TEST(SyntaxLiteral, BadUnitsPointAtTheUnit) {
  const LiteralError mb = Bad("10mb");
  EXPECT_EQ(mb.message, "unknown unit `mb` in `10mb`");
  EXPECT_EQ(mb.offset, 2);
  EXPECT_EQ(mb.length, 2);
  EXPECT_FALSE(mb.help.empty());
  EXPECT_EQ(Bad("1e").offset, 1);
  EXPECT_NE(Bad("5s", true).message.find("negative"), std::string::npos);
}

TEST(SyntaxLiteral, IpAddresses) {
  const ast::Literal ip = Ok("10.8.1.250");
  EXPECT_EQ(ip.kind, LiteralKind::kIp);
  EXPECT_EQ(ip.string_value, "10.8.1.250");
  EXPECT_EQ(Ok("0.0.0.0").kind, LiteralKind::kIp);
  EXPECT_EQ(Ok("255.255.255.255").kind, LiteralKind::kIp);
  const LiteralError big = Bad("10.8.1.256");
  EXPECT_EQ(big.message, "octet `256` of IP address `10.8.1.256` is greater than 255");
  EXPECT_EQ(big.offset, 7);
  EXPECT_EQ(big.length, 3);
  EXPECT_EQ(Bad("10.8.01.1").offset, 5);       // leading zero
  EXPECT_EQ(Bad("1.2.3.99999999999").offset, 6);
  EXPECT_NE(Bad("10.8.1").message.find("malformed number"), std::string::npos);
  EXPECT_NE(Bad("1.2.3.4.5").message.find("malformed"), std::string::npos);
  EXPECT_NE(Bad("10.8.1.1s").message.find("malformed IP address"), std::string::npos);
  EXPECT_NE(Bad("10.8.1.1", true).message.find("malformed IP address"), std::string::npos);
}

TEST(SyntaxLiteral, CidrBlocks) {
  const ast::Literal cidr = Ok("10.8.1.0/24");
  EXPECT_EQ(cidr.kind, LiteralKind::kCidr);
  EXPECT_EQ(cidr.string_value, "10.8.1.0/24");
  EXPECT_EQ(Ok("0.0.0.0/0").kind, LiteralKind::kCidr);
  EXPECT_EQ(Ok("1.2.3.4/32").kind, LiteralKind::kCidr);
  const LiteralError prefix = Bad("10.8.1.0/33");
  EXPECT_EQ(prefix.offset, 8);
  EXPECT_EQ(prefix.length, 3);
  EXPECT_NE(prefix.message.find("must be 0 to 32"), std::string::npos);
  EXPECT_NE(Bad("10.8.0/16").message.find("malformed CIDR block"), std::string::npos);
  EXPECT_EQ(Bad("10.300.0.0/16").offset, 3);
}

TEST(SyntaxLiteral, StringsAndEscapes) {
  DecodedLiteral s = DecodeString(R"("a \"b\" \\ c\n\td")");
  ASSERT_TRUE(s.literal);
  EXPECT_EQ(s.literal->kind, LiteralKind::kString);
  EXPECT_EQ(s.literal->string_value, "a \"b\" \\ c\n\td");
  EXPECT_EQ(DecodeString("\"\"").literal->string_value, "");
  EXPECT_EQ(DecodeString("\"h\xc3\xa9llo\"").literal->string_value, "h\xc3\xa9llo");
  DecodedLiteral bad = DecodeString("\"\xc3\xa9\\q\"");
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->message, "unknown escape `\\q` in string");
  EXPECT_EQ(bad.error->offset, 2);  // after the quote and the two-byte é
  EXPECT_EQ(bad.error->length, 2);
  EXPECT_EQ(DecodeString("\"abc", false).literal->string_value, "abc");
  EXPECT_EQ(DecodeString("\"abc\\", false).literal->string_value, "abc");
}

}  // namespace
}  // namespace dml::syntax

namespace dml::syntax {
namespace {

TEST(SyntaxLiteral, Sizes) {
  EXPECT_EQ(Ok("4GiB").kind, LiteralKind::kSize);
  EXPECT_EQ(Ok("4GiB").int_value, int64_t{4} << 30);
  EXPECT_EQ(Ok("512MiB").int_value, int64_t{512} << 20);
  EXPECT_EQ(Ok("2KB").int_value, 2000);
  EXPECT_EQ(Ok("7B").int_value, 7);
  EXPECT_EQ(Ok("1.5GiB").int_value, int64_t{3} << 29);  // whole bytes
  EXPECT_EQ(Ok("8TiB").int_value, int64_t{8} << 40);
  EXPECT_NE(Bad("0.5B").message.find("not a whole number of bytes"), std::string::npos);
  EXPECT_NE(Bad("4GiB", true).message.find("negative"), std::string::npos);
  EXPECT_NE(Bad("9000000TiB").message.find("too large"), std::string::npos);
  const LiteralError unit = Bad("4GIB");
  EXPECT_EQ(unit.message, "unknown unit `GIB` in `4GIB`");
  ASSERT_EQ(unit.help.size(), 1u);
  EXPECT_NE(unit.help[0].find("GiB"), std::string::npos);
}

TEST(SyntaxLiteral, SlashOnlyAfterADottedNumberIsACidr) {
  EXPECT_EQ(Ok("10.8.1.0/24").kind, LiteralKind::kCidr);
  const LiteralError e = Bad("10.8/2");
  EXPECT_EQ(e.message, "malformed CIDR block `10.8/2`");
  ASSERT_EQ(e.help.size(), 2u);
  EXPECT_EQ(e.help[1], "to divide, put spaces around `/`: `a / 2`");
}

TEST(SyntaxLiteral, StringInterpolation) {
  DecodedLiteral s = DecodeString("\"--n=${workers}/${site.name}!\"");
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.literal->string_value, "--n=/!");
  ASSERT_EQ(s.literal->interpolations.size(), 2u);
  const ast::Interpolation& first = s.literal->interpolations[0];
  EXPECT_EQ(first.offset, 4u);
  ASSERT_EQ(first.path.size(), 1u);
  EXPECT_EQ(first.path[0].name, "workers");
  EXPECT_EQ(first.range.column, 5);  // code points from the opening quote
  EXPECT_EQ(first.range.length, 10);
  EXPECT_EQ(first.path[0].range.column, 7);
  const ast::Interpolation& second = s.literal->interpolations[1];
  EXPECT_EQ(second.offset, 5u);
  ASSERT_EQ(second.path.size(), 2u);
  EXPECT_EQ(second.path[1].name, "name");
  // `\$` is a `$`; a `$` not before `{` is itself.
  DecodedLiteral escaped = DecodeString("\"\\${x} $HOME\"");
  ASSERT_FALSE(escaped.error);
  EXPECT_EQ(escaped.literal->string_value, "${x} $HOME");
  EXPECT_TRUE(escaped.literal->interpolations.empty());
  for (const char* bad : {"\"${}\"", "\"${1a}\"", "\"${a\"", "\"${a.}\"", "\"${a b}\""}) {
    DecodedLiteral d = DecodeString(bad);
    EXPECT_TRUE(d.error) << bad;
  }
  EXPECT_EQ(DecodeString("\"${a\"").error->message, "expected `}` to close `${`");
}

}  // namespace
}  // namespace dml::syntax
