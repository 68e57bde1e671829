#include "runtime/dist/cidr.h"

#include <fmt/format.h>

namespace dml::dist {
namespace {

constexpr int kIpv4Bits = 32;
constexpr int kOctets = 4;
constexpr int kMaxOctet = 255;
constexpr int kMaxOctetDigits = 3;

uint32_t MaskFor(int prefix_length) {
  // Shifting a 32-bit value by 32 is undefined, so /0 is its own case.
  return prefix_length == 0 ? 0u : ~uint32_t{0} << (kIpv4Bits - prefix_length);
}

// Parses a run of 1..max_digits decimal digits into *value.
bool ParseDecimal(const std::string& text, size_t begin, size_t end, int max_digits, int* value) {
  if (end <= begin || end - begin > static_cast<size_t>(max_digits)) return false;
  int result = 0;
  for (size_t i = begin; i < end; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    result = result * 10 + (text[i] - '0');
  }
  *value = result;
  return true;
}

}  // namespace

bool Cidr::Contains(uint32_t address) const {
  return (address & MaskFor(prefix_length)) == network;
}

std::string Cidr::ToString() const {
  return fmt::format("{}/{}", FormatIpv4(network), prefix_length);
}

std::optional<uint32_t> ParseIpv4(const std::string& text) {
  uint32_t address = 0;
  size_t begin = 0;
  for (int octet = 0; octet < kOctets; ++octet) {
    size_t end = octet + 1 < kOctets ? text.find('.', begin) : text.size();
    if (end == std::string::npos) return std::nullopt;
    int value = 0;
    if (!ParseDecimal(text, begin, end, kMaxOctetDigits, &value) || value > kMaxOctet) {
      return std::nullopt;
    }
    address = (address << 8) | static_cast<uint32_t>(value);
    begin = end + 1;
  }
  return address;
}

std::string FormatIpv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", (address >> 24) & 0xff, (address >> 16) & 0xff,
                     (address >> 8) & 0xff, address & 0xff);
}

CidrParse ParseCidr(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) {
    return {std::nullopt, base::Error(fmt::format("'{}' is not a CIDR block (expected a.b.c.d/n)", text))};
  }
  std::optional<uint32_t> address = ParseIpv4(text.substr(0, slash));
  if (!address) {
    return {std::nullopt, base::Error(fmt::format("'{}' does not start with an IPv4 address", text))};
  }
  int prefix_length = 0;
  if (!ParseDecimal(text, slash + 1, text.size(), 2, &prefix_length) ||
      prefix_length > kIpv4Bits) {
    return {std::nullopt, base::Error(fmt::format("'{}' has a prefix length outside 0..32", text))};
  }
  if ((*address & ~MaskFor(prefix_length)) != 0) {
    return {std::nullopt,
            base::Error(fmt::format("'{}' has host bits set (did you mean {}/{}?)", text,
                                    FormatIpv4(*address & MaskFor(prefix_length)), prefix_length))};
  }
  return {Cidr{*address, prefix_length}, std::nullopt};
}

}  // namespace dml::dist
