// "Did you mean ...?" for names and fields: the closest candidate by edit
// distance, if it is close enough to be a plausible typo.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dml::sema {

// Edit distance: insertions, deletions, substitutions and transpositions of
// neighbours (`rleu` -> `relu`) each cost 1 (optimal string alignment).
int EditDistance(const std::string& a, const std::string& b);

// The candidate nearest to `name`, when at most about a third of its
// characters differ (and never `name` itself); ties go to the first.
std::optional<std::string> ClosestMatch(const std::string& name,
                                        const std::vector<std::string>& candidates);

// "did you mean `epochs`?", or nothing.
std::vector<std::string> DidYouMean(const std::string& name,
                                    const std::vector<std::string>& candidates);

}  // namespace dml::sema
