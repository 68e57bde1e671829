#include "runtime/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace dml::data {
namespace {

constexpr unsigned char kGzipMagic[2] = {0x1f, 0x8b};
constexpr uint8_t kUbyteType = 0x08;  // the only IDX element type MNIST-style data uses
constexpr int kMaxDims = 8;
// A corrupt header must not make us allocate without bound: read in chunks of
// this size and stop at this total (far above any MNIST-format dataset).
constexpr size_t kReadChunk = size_t{64} << 20;
constexpr uint64_t kMaxPayloadBytes = uint64_t{16} << 30;

// A file read either through zlib (gzip) or stdio (plain). Errors are kept as
// readable text rather than zlib's bare codes.
class ByteSource {
 public:
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  ~ByteSource() {
    if (gz_ != nullptr) gzclose(gz_);
    if (file_ != nullptr) std::fclose(file_);
  }

  // Opens `path`, sniffing the gzip magic.
  static base::Result<std::unique_ptr<ByteSource>> Open(const std::string& path) {
    std::unique_ptr<ByteSource> src(new ByteSource());
    src->file_ = std::fopen(path.c_str(), "rb");
    if (src->file_ == nullptr) {
      return base::Error::InFile(path, errno == ENOENT ? "file not found"
                                                       : fmt::format("cannot open: {}", std::strerror(errno)));
    }
    unsigned char head[2] = {0, 0};
    size_t got = std::fread(head, 1, sizeof head, src->file_);
    src->gzip_ = got == sizeof head && head[0] == kGzipMagic[0] && head[1] == kGzipMagic[1];
    if (!src->gzip_) {
      std::rewind(src->file_);
      return std::move(src);
    }
    std::fclose(src->file_);
    src->file_ = nullptr;
    src->gz_ = gzopen(path.c_str(), "rb");
    if (src->gz_ == nullptr) {
      return base::Error::InFile(path, fmt::format("cannot open gzip stream: {}", std::strerror(errno)));
    }
    return std::move(src);
  }

  bool gzip() const { return gzip_; }

  // Reads up to `n` bytes; fewer means end of data or an error (see error()).
  size_t Read(uint8_t* out, size_t n) {
    size_t total = 0;
    while (total < n && error_.empty()) {
      size_t want = std::min(n - total, kReadChunk);
      size_t got = gzip_ ? ReadGzip(out + total, want) : std::fread(out + total, 1, want, file_);
      if (!gzip_ && got < want && std::ferror(file_)) error_ = fmt::format("read failed: {}", std::strerror(errno));
      total += got;
      if (got < want) break;
    }
    return total;
  }

  const std::string& error() const { return error_; }

 private:
  ByteSource() = default;

  size_t ReadGzip(uint8_t* out, size_t n) {
    int got = gzread(gz_, out, static_cast<unsigned>(n));
    int code = Z_OK;
    const char* msg = gzerror(gz_, &code);
    if (code == Z_BUF_ERROR) {
      error_ = "gzip stream is cut short (truncated .gz file)";
    } else if (code == Z_DATA_ERROR) {
      error_ = fmt::format("corrupt gzip data ({})", msg);
    } else if (code == Z_ERRNO) {
      error_ = fmt::format("read failed: {}", std::strerror(errno));
    } else if (code != Z_OK) {
      error_ = fmt::format("gzip error ({})", msg);
    }
    return got > 0 ? static_cast<size_t>(got) : 0;
  }

  bool gzip_ = false;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  std::string error_;
};

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

const char* KindName(uint32_t magic) {
  return magic == kIdxImagesMagic ? "an IDX image file" : magic == kIdxLabelsMagic ? "an IDX label file" : "IDX";
}

}  // namespace

IdxResult ReadIdxFile(const std::string& path, uint32_t expected_magic) {
  auto fail = [&](std::string message) {
    return IdxResult{std::nullopt, base::Error::InFile(path, std::move(message))};
  };
  auto opened = ByteSource::Open(path);
  if (!opened) return IdxResult{std::nullopt, opened.error()};
  const std::unique_ptr<ByteSource>& src = *opened;
  // A read error (bad gzip) explains a short read better than "truncated".
  auto short_read = [&](const std::string& what) {
    return fail(src->error().empty() ? fmt::format("truncated: {}", what) : src->error());
  };

  uint8_t magic_bytes[4];
  if (src->Read(magic_bytes, sizeof magic_bytes) < sizeof magic_bytes) {
    return short_read("the file ends inside the 4-byte IDX magic");
  }
  uint32_t magic = BigEndian32(magic_bytes);
  if (magic != expected_magic) {
    return fail(fmt::format("wrong magic number 0x{:08x}: expected 0x{:08x} for {}{}", magic, expected_magic,
                            KindName(expected_magic), src->gzip() ? "" : " (the file is not gzip-compressed)"));
  }
  if (magic_bytes[2] != kUbyteType) {
    return fail(fmt::format("unsupported IDX element type 0x{:02x}: only unsigned bytes (0x08) are supported",
                            magic_bytes[2]));
  }
  int ndims = magic_bytes[3];
  if (ndims < 1 || ndims > kMaxDims) return fail(fmt::format("invalid IDX dimension count {}", ndims));

  IdxArray array;
  uint64_t payload = 1;
  for (int i = 0; i < ndims; ++i) {
    uint8_t dim_bytes[4];
    if (src->Read(dim_bytes, sizeof dim_bytes) < sizeof dim_bytes) {
      return short_read(fmt::format("the file ends inside the header (dimension {} of {})", i + 1, ndims));
    }
    uint32_t dim = BigEndian32(dim_bytes);
    array.dims.push_back(dim);
    if (dim != 0 && payload > kMaxPayloadBytes / dim) {
      return fail(fmt::format("header declares more than {} bytes of data (corrupt header?)", kMaxPayloadBytes));
    }
    payload *= dim;
  }

  // Grow as data actually arrives, so a lying header cannot force a huge allocation.
  uint64_t have = 0;
  while (have < payload) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(payload - have, kReadChunk));
    array.data.resize(static_cast<size_t>(have) + want);
    size_t got = src->Read(array.data.data() + have, want);
    have += got;
    if (got < want) {
      return short_read(fmt::format("the header declares {} items ({} bytes of data) but only {} bytes follow",
                                    array.dims[0], payload, have));
    }
  }
  uint8_t extra = 0;
  if (src->Read(&extra, 1) != 0) {
    return fail(fmt::format("unexpected data after the {} items the header declares", array.dims[0]));
  }
  if (!src->error().empty()) return fail(src->error());  // e.g. a bad gzip checksum found at the end
  return IdxResult{std::move(array), std::nullopt};
}

}  // namespace dml::data
