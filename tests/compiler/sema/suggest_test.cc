#include "compiler/sema/suggest.h"

#include <gtest/gtest.h>

#include "compiler/sema/checks.h"

namespace dml::sema {
namespace {

TEST(SemaSuggest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("epochs", "epochs"), 0);
  EXPECT_EQ(EditDistance("epoch", "epochs"), 1);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("rleu", "relu"), 1);  // a swap of neighbours is one edit
}

TEST(SemaSuggest, ClosestMatchWithinATypo) {
  std::vector<std::string> fields = {"batch", "epochs", "seed", "optimizer"};
  EXPECT_EQ(ClosestMatch("epoch", fields), "epochs");
  EXPECT_EQ(ClosestMatch("optimiser", fields), "optimizer");
  EXPECT_EQ(ClosestMatch("bacth", fields), "batch");
  EXPECT_FALSE(ClosestMatch("learning_rate", fields));
  EXPECT_FALSE(ClosestMatch("batch", {"batch"}));  // never the name itself
  EXPECT_EQ(DidYouMean("sed", fields), std::vector<std::string>{"did you mean `seed`?"});
  EXPECT_TRUE(DidYouMean("zzz", fields).empty());
}

TEST(SemaRepoUrl, HttpsFormOfKnownHosts) {
  EXPECT_TRUE(IsHttpsUrl("https://github.com/a/b.git"));
  EXPECT_FALSE(IsHttpsUrl("http://github.com/a/b.git"));
  EXPECT_FALSE(IsHttpsUrl("https://"));
  EXPECT_EQ(HttpsForm("git@github.com:a/b.git"), "https://github.com/a/b.git");
  EXPECT_EQ(HttpsForm("http://github.com/a/b.git"), "https://github.com/a/b.git");
  EXPECT_EQ(HttpsForm("ssh://git@gitlab.com/a/b.git"), "https://gitlab.com/a/b.git");
  EXPECT_EQ(HttpsForm("git@example.org:a/b.git"), "");
  EXPECT_EQ(HttpsForm("/srv/repo"), "");
}

}  // namespace
}  // namespace dml::sema
