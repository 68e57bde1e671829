#include "compiler/sema/suggest.h"

#include <algorithm>

namespace dml::sema {
namespace {

// A typo changes few characters: allow one edit per three characters, and
// at least one, so `epoch` finds `epochs` but `lr` does not find `eps`.
constexpr size_t kCharsPerEdit = 3;

int AllowedEdits(const std::string& name) {
  return static_cast<int>(std::max<size_t>(1, name.size() / kCharsPerEdit));
}

}  // namespace

int EditDistance(const std::string& a, const std::string& b) {
  // Three rows: the one before the previous is needed for transpositions.
  std::vector<int> before(b.size() + 1);
  std::vector<int> previous(b.size() + 1);
  std::vector<int> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> ClosestMatch(const std::string& name,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  int best_distance = AllowedEdits(name) + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == name) continue;
    int distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::vector<std::string> DidYouMean(const std::string& name,
                                    const std::vector<std::string>& candidates) {
  auto match = ClosestMatch(name, candidates);
  if (!match) return {};
  return {"did you mean `" + *match + "`?"};
}

}  // namespace dml::sema
