#include "runtime/train/report.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace dml::train {

std::string GroupThousands(double value) {
  std::string digits = fmt::format("{:.0f}", std::fabs(value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 && digits != "0" ? "-" + out : out;
}

std::string EpochLine(const EpochStats& stats) {
  int width = static_cast<int>(std::to_string(stats.epochs).size());
  return fmt::format("epoch {:>{}}/{}  loss {:.4f}  test acc {:.4f}  train {:.1f} s  {} samples/s", stats.epoch,
                     width, stats.epochs, stats.train_loss, stats.test_accuracy, stats.train_seconds,
                     GroupThousands(stats.samples_per_second()));
}

nlohmann::json EpochRecord(const EpochStats& stats, int world_size) {
  return {{"event", "epoch"},
          {"epoch", stats.epoch},
          {"epochs", stats.epochs},
          {"train_loss", stats.train_loss},
          {"test_loss", stats.test_loss},
          {"test_accuracy", stats.test_accuracy},
          {"train_seconds", stats.train_seconds},
          {"samples", stats.samples},
          {"samples_per_second", stats.samples_per_second()},
          {"world_size", world_size}};
}

std::optional<base::Error> MetricsWriter::Open(const std::string& path) {
  path_ = path;
  if (path.empty()) return std::nullopt;
  out_.open(path, std::ios::app);
  if (!out_) return base::Error::InFile(path, fmt::format("cannot open metrics file: {}", std::strerror(errno)));
  return std::nullopt;
}

void MetricsWriter::Write(const nlohmann::json& record) {
  lines_.push_back(record.dump());
  if (!out_.is_open()) return;
  out_ << lines_.back() << '\n';
  out_.flush();
}

}  // namespace dml::train
