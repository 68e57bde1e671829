// The runtime's one error type: each location renders as the messages of
// every layer always read, and a cause follows its consequence.
#include "runtime/base/error.h"

#include <gtest/gtest.h>

#include <memory>

namespace dml::base {
namespace {

TEST(BaseError, MessageAlone) {
  EXPECT_EQ(Error("a world of 2 ranks needs a process group").Render(), "a world of 2 ranks needs a process group");
  EXPECT_EQ(Error("x").Where(), "");
}

TEST(BaseError, PlanFieldWithAndWithoutFile) {
  EXPECT_EQ(Error::InPlan("plan.yaml", "train.epochs", "must be >= 1, not 0").Render(),
            "plan.yaml: train.epochs: must be >= 1, not 0");
  EXPECT_EQ(Error::InPlan("plan.yaml", "", "cannot read the plan file").Render(),
            "plan.yaml: cannot read the plan file");
  const Error field = Error::InField("train.model.kind", "unknown model kind 'cnn' (known: mlp)");
  EXPECT_EQ(field.Render(), "train.model.kind: unknown model kind 'cnn' (known: mlp)");
  EXPECT_EQ(field.Where(), "train.model.kind");
  EXPECT_EQ(field.message(), "unknown model kind 'cnn' (known: mlp)");
}

TEST(BaseError, FileWithFieldAndOffset) {
  EXPECT_EQ(Error::InFile("/data/labels.gz", "file not found").Render(), "/data/labels.gz: file not found");
  EXPECT_EQ(Error(FileAt{"ckpt.pt", "model.params", std::nullopt}, "missing").Render(),
            "ckpt.pt: model.params: missing");
  EXPECT_EQ(Error(FileAt{"x.idx", "", 12}, "bad byte").Render(), "x.idx: byte 12: bad byte");
  EXPECT_EQ(Error(FileAt{"x.idx", "", 12}, "bad byte").Where(), "x.idx: byte 12");
}

TEST(BaseError, RankAndNode) {
  EXPECT_EQ(Error::AtRank(1, "stopped").Render(), "rank 1: stopped");
  EXPECT_EQ(Error::AtNode(3, "giving up").Render(), "node 3: giving up");
}

TEST(BaseError, CausesChainInOrder) {
  const Error data = Error::InFile("/d/train-images.gz", "file not found");
  // A location with no message of its own places its cause there.
  EXPECT_EQ(Error(RankAt{1}, "").CausedBy(data).Render(), "rank 1: /d/train-images.gz: file not found");
  const Error chained = Error::AtRank(0, "training stopped").CausedBy(Error("Connection reset by peer"));
  EXPECT_EQ(chained.Render(), "rank 0: training stopped: Connection reset by peer");
  ASSERT_NE(chained.cause(), nullptr);
  EXPECT_EQ(chained.cause()->message(), "Connection reset by peer");
  EXPECT_EQ(Error::AtNode(2, "").CausedBy(chained).Render(),
            "node 2: rank 0: training stopped: Connection reset by peer");
}

TEST(BaseError, CopiesShareNothingVisible) {
  Error first = Error("outer").CausedBy(Error("inner"));
  Error copy = first;
  first = Error("replaced");
  EXPECT_EQ(copy.Render(), "outer: inner");
  EXPECT_EQ(first.Render(), "replaced");
}

TEST(BaseError, RenderAllAndOptional) {
  EXPECT_EQ(RenderAll({Error::InPlan("p.yaml", "a", "one"), Error::InPlan("p.yaml", "b", "two")}),
            "p.yaml: a: one\np.yaml: b: two");
  EXPECT_EQ(RenderAll({}), "");
  EXPECT_EQ(Render(std::optional<Error>()), "");
  EXPECT_EQ(Render(std::optional<Error>(Error("e"))), "e");
}

TEST(BaseError, ResultHoldsAValueOrAnError) {
  Result<std::unique_ptr<int>> good(std::make_unique<int>(7));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(**good, 7);
  EXPECT_FALSE(good.error());
  Result<std::unique_ptr<int>> bad(Error::AtRank(2, "cannot reach the store"));
  EXPECT_FALSE(bad);
  ASSERT_TRUE(bad.error());
  EXPECT_EQ(bad.error()->Render(), "rank 2: cannot reach the store");
}

}  // namespace
}  // namespace dml::base
