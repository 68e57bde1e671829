// IPv4 addresses and CIDR blocks as the plan writes them ("10.8.1.0/24").
// The plan stores the subnet as text; this is the one place that parses it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/base/error.h"

namespace dml::dist {

// An IPv4 block in host byte order: `network` has its host bits cleared.
struct Cidr {
  uint32_t network = 0;
  int prefix_length = 0;  // 0..32

  bool Contains(uint32_t address) const;
  std::string ToString() const;  // "10.8.1.0/24"
};

struct CidrParse {
  std::optional<Cidr> cidr;
  std::optional<base::Error> error;  // set iff !cidr; says what is wrong with the text
};

// Accepts "a.b.c.d/n". Host bits set in the address ("10.8.1.7/24") are an
// error: such a value is almost always a typo for an address or a block.
CidrParse ParseCidr(const std::string& text);

// Strict dotted quad: four decimal parts 0..255, no leading '+', no spaces.
std::optional<uint32_t> ParseIpv4(const std::string& text);
std::string FormatIpv4(uint32_t address);

}  // namespace dml::dist
