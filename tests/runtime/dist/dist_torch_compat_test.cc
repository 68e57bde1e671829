// The compatibility header's store options on option types shaped like both
// LibTorch versions', since one build sees only one of them.
#include "runtime/dist/torch_compat.h"

#include <gtest/gtest.h>

namespace dml::dist::torch_compat {
namespace {

struct OptionsWithLibUv {  // 2.x: the libuv server, on by default from 2.4
  int port = 29500;
  bool useLibUV = true;
};
struct OptionsWithoutLibUv {  // 1.13: only the classic server
  int port = 29500;
};

TEST(DistTorchCompat, StoreOptionsTurnTheLibUvServerOffWhereItExists) {
  EXPECT_TRUE(HasUseLibUv<OptionsWithLibUv>::value);
  EXPECT_FALSE(HasUseLibUv<OptionsWithoutLibUv>::value);
  EXPECT_FALSE(StoreOptions<OptionsWithLibUv>().useLibUV);
  EXPECT_EQ(StoreOptions<OptionsWithoutLibUv>().port, 29500);  // defaults otherwise kept
  // This build's own options keep c10d's defaults but the server choice.
  EXPECT_EQ(StoreOptions().port, c10d::TCPStoreOptions().port);
  EXPECT_EQ(StoreOptions().timeout, c10d::TCPStoreOptions().timeout);
}

}  // namespace
}  // namespace dml::dist::torch_compat
