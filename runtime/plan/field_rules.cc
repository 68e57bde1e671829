#include "runtime/plan/field_rules.h"

#include <fmt/format.h>

namespace dml::plan {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr size_t kSha256HexDigits = 64;
constexpr unsigned char kDel = 0x7f;
constexpr unsigned char kUtf8C1Lead = 0xc2;  // U+0080..U+009F are C2 80..C2 9F
constexpr unsigned char kC1First = 0x80;
constexpr unsigned char kC1Last = 0x9f;
// What `git check-ref-format` refuses anywhere in a ref besides control
// characters: each has a meaning in revision expressions or globs.
constexpr std::string_view kRefForbidden = " ~^:?*[\\";

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// C0 controls, DEL and the UTF-8 form of the C1 controls (CSI among them):
// each can end a line or steer a terminal that shows the value.
RuleResult ControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == kDel) {
      return fmt::format("holds the control character 0x{:02X} at byte {}", c, i + 1);
    }
    if (c == kUtf8C1Lead && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= kC1First && next <= kC1Last) {
        return fmt::format("holds the control character U+{:04X} at byte {}", next, i + 1);
      }
    }
  }
  return std::nullopt;
}

RuleResult LeadingDash(std::string_view text, const char* reader) {
  if (!text.empty() && text.front() == '-') {
    return fmt::format("starts with '-': {} would read it as an option", reader);
  }
  return std::nullopt;
}

// The components of a path without its leading '/': none empty, none `..`.
RuleResult Components(std::string_view rest) {
  size_t start = 0;
  while (true) {
    const size_t slash = rest.find('/', start);
    const std::string_view part = rest.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty()) return std::string("has an empty component ('//', or a '/' at the start or end)");
    if (part == "..") return std::string("has a '..' component: it may not leave its directory");
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

// The checks every path shares, before its own.
RuleResult PathBasics(std::string_view path) {
  if (path.empty()) return std::string("is empty");
  if (RuleResult control = ControlCharacter(path)) return control;
  return LeadingDash(path, "a program given it");
}

bool IsHostCharacter(char c) {
  return IsAsciiLetter(c) || IsDigit(c) || c == '.' || c == '-' || c == '_';
}

// "user@host:port" of an https URL.
RuleResult Authority(std::string_view authority) {
  const size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (!host.empty() && host.front() == '[') {  // an IPv6 literal
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return std::string("has an IPv6 host without its ']'");
    host = host.substr(close + 1);
    if (!host.empty() && host.front() != ':') return std::string("has text after its IPv6 host");
  } else {
    const size_t colon = host.find(':');
    const std::string_view name = host.substr(0, colon);
    if (name.empty()) return std::string("has no host after https://");
    for (char c : name) {
      if (!IsHostCharacter(c)) return fmt::format("has '{}' in its host name", c);
    }
    host = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
  }
  if (host.empty()) return std::nullopt;
  const std::string_view port = host.substr(1);  // after ':'
  if (port.empty()) return std::string("has an empty port after its host");
  for (char c : port) {
    if (!IsDigit(c)) return std::string("has a port that is not a number");
  }
  return std::nullopt;
}

}  // namespace

RuleResult CheckRelativePath(std::string_view path) {
  if (RuleResult basics = PathBasics(path)) return basics;
  if (path.front() == '/') return std::string("starts with '/': it must be a path relative to its directory");
  return Components(path);
}

RuleResult CheckNodePath(std::string_view path) {
  if (RuleResult basics = PathBasics(path)) return basics;
  if (path == "/") return std::string("is the root directory: name a directory below it");
  return Components(path.front() == '/' ? path.substr(1) : path);
}

RuleResult CheckGitRef(std::string_view ref) {
  if (ref.empty()) return std::string("is empty");
  if (RuleResult control = ControlCharacter(ref)) return control;
  if (RuleResult dash = LeadingDash(ref, "git")) return dash;
  if (ref == "@") return std::string("is '@', which git reads as HEAD");
  for (char c : ref) {
    if (kRefForbidden.find(c) != std::string_view::npos) {
      return fmt::format("holds '{}', which a git ref may not hold", c == ' ' ? std::string("a space") : std::string(1, c));
    }
  }
  if (ref.find("..") != std::string_view::npos) return std::string("holds '..', which a git ref may not hold");
  if (ref.find("@{") != std::string_view::npos) return std::string("holds '@{', which a git ref may not hold");
  if (ref.front() == '/' || ref.back() == '/') return std::string("starts or ends with '/'");
  if (ref.find("//") != std::string_view::npos) return std::string("holds '//'");
  if (ref.back() == '.') return std::string("ends with '.'");
  constexpr std::string_view kLock = ".lock";
  size_t start = 0;
  while (start <= ref.size()) {
    const size_t slash = ref.find('/', start);
    const std::string_view part = ref.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!part.empty() && part.front() == '.') return std::string("has a component that starts with '.'");
    if (part.size() >= kLock.size() && part.substr(part.size() - kLock.size()) == kLock) {
      return std::string("has a component that ends with '.lock'");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

bool IsHttpsUrl(std::string_view url) { return url.size() > kHttps.size() && url.substr(0, kHttps.size()) == kHttps; }

RuleResult CheckRepoUrl(std::string_view url) {
  if (url.empty()) return std::string("is empty");
  if (RuleResult control = ControlCharacter(url)) return control;
  if (RuleResult dash = LeadingDash(url, "git")) return dash;
  if (url.find(' ') != std::string_view::npos) return std::string("holds a space, which a URL may not (write %20)");
  if (url.front() == '/') {
    if (RuleResult path = CheckNodePath(url)) return path;
    return std::nullopt;
  }
  if (!IsHttpsUrl(url)) {
    return std::string("is neither an https:// URL nor an absolute path: nodes clone without credentials or host keys");
  }
  const std::string_view rest = url.substr(kHttps.size());
  return Authority(rest.substr(0, rest.find_first_of("/?#")));
}

RuleResult CheckDownloadUrl(std::string_view url) {
  if (url.empty()) return std::string("is empty");
  if (RuleResult control = ControlCharacter(url)) return control;
  if (url.find(' ') != std::string_view::npos) return std::string("holds a space, which a URL may not (write %20)");
  if (!IsHttpsUrl(url)) return std::string("is not an https:// URL: nodes download only over https");
  const std::string_view rest = url.substr(kHttps.size());
  return Authority(rest.substr(0, rest.find_first_of("/?#")));
}

RuleResult CheckSha256(std::string_view digest) {
  if (digest.size() != kSha256HexDigits) {
    return fmt::format("has {} characters, not the {} hexadecimal digits of a sha256", digest.size(), kSha256HexDigits);
  }
  for (size_t i = 0; i < digest.size(); ++i) {
    const char c = digest[i];
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) {
      return fmt::format("has '{}' at character {}: a sha256 is lowercase hexadecimal digits", c, i + 1);
    }
  }
  return std::nullopt;
}

RuleResult CheckArgument(std::string_view arg) {
  if (arg.find('\0') != std::string_view::npos) return std::string("holds a NUL byte, which no program argument can hold");
  return std::nullopt;
}

RuleResult CheckProgram(std::string_view program) {
  if (program.empty()) return std::string("is empty");
  if (RuleResult control = ControlCharacter(program)) return control;
  if (program.front() == '-') return std::string("starts with '-', as no program does");
  if (program.find('/') == std::string_view::npos) return std::nullopt;  // looked up on PATH
  if (program.front() != '/') {
    return std::string("must be a command name (python3) or an absolute path (/usr/bin/python3)");
  }
  return CheckNodePath(program);
}

RuleResult CheckName(std::string_view name) {
  if (name.empty()) return std::string("is empty");
  if (!IsAsciiLetter(name.front()) && name.front() != '_') {
    return std::string("must start with a letter or '_'");
  }
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && c != '_') {
      return std::string("may hold only letters, digits and '_' (a .dml identifier)");
    }
  }
  return std::nullopt;
}

std::string QuoteForMessage(std::string_view text) {
  std::string out = "'";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == kDel) {
      out += fmt::format("\\x{:02X}", byte);
    } else if (byte == kUtf8C1Lead && next >= kC1First && next <= kC1Last) {
      out += fmt::format("\\u{:04X}", next);
      ++i;
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace dml::plan
