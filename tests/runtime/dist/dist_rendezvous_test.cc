// Rendezvous and the Gloo process group, with every rank a thread of this
// process over a TCPStore on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "runtime/dist/port.h"
#include "runtime/dist/world.h"

namespace dml::dist {
namespace {

constexpr std::chrono::milliseconds kJoinTimeout{20000};
// Short on purpose: these tests expect the timeout to fire.
constexpr std::chrono::milliseconds kShortTimeout{400};

WorldOptions LocalWorld(uint16_t port, int rank, int world_size,
                        std::chrono::milliseconds timeout) {
  WorldOptions options;
  options.rendezvous.master_addr = "127.0.0.1";
  options.rendezvous.port = port;
  options.rendezvous.rank = rank;
  options.rendezvous.world_size = world_size;
  options.rendezvous.timeout = timeout;
  options.rendezvous.self_description = "thread " + std::to_string(rank);
  options.interface = "lo";
  options.collective_timeout = timeout;
  return options;
}

// Holds a port by listening on it, as another program would.
class PortHolder {
 public:
  PortHolder() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        listen(fd_, 1) == 0) {
      socklen_t length = sizeof address;
      getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
      port_ = ntohs(address.sin_port);
    }
  }
  ~PortHolder() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(DistRendezvous, ThreeRanksAllreduce) {
  constexpr int kWorld = 3;
  uint16_t port = PickFreePort();
  ASSERT_NE(port, 0);
  std::vector<std::string> errors(kWorld);
  std::vector<float> sums(kWorld, -1);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < kWorld; ++rank) {
    threads.emplace_back([&, rank] {
      World world = JoinWorld(LocalWorld(port, rank, kWorld, kJoinTimeout));
      if (!world.ok()) {
        errors[rank] = base::Render(world.error);
        return;
      }
      EXPECT_EQ(world.process_group->getRank(), rank);
      EXPECT_EQ(world.process_group->getSize(), kWorld);
      std::vector<at::Tensor> tensors = {torch::full({4}, static_cast<float>(rank + 1))};
      world.process_group->allreduce(tensors)->wait();
      sums[rank] = tensors[0][3].item<float>();
      // Rank 0 hosts the store: keep everyone alive until all have reduced.
      world.process_group->barrier()->wait();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int rank = 0; rank < kWorld; ++rank) {
    EXPECT_EQ(errors[rank], "") << "rank " << rank;
    EXPECT_FLOAT_EQ(sums[rank], 1 + 2 + 3) << "rank " << rank;
  }
}

TEST(DistRendezvous, PortInUseIsNamed) {
  PortHolder holder;
  ASSERT_NE(holder.port(), 0);
  RendezvousResult result = JoinRendezvous(LocalWorld(holder.port(), 0, 2, kShortTimeout).rendezvous);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(base::Render(result.error).find("port " + std::to_string(holder.port()) + " is already in use"),
            std::string::npos)
      << base::Render(result.error);
}

TEST(DistRendezvous, UnreachableMasterNamesAddressAndPort) {
  uint16_t port = PickFreePort();  // nobody listens here
  RendezvousResult result = JoinRendezvous(LocalWorld(port, 1, 2, kShortTimeout).rendezvous);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(base::Render(result.error).find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << base::Render(result.error);
  EXPECT_NE(base::Render(result.error).find("rank 1"), std::string::npos) << base::Render(result.error);
}

TEST(DistRendezvous, MissingRanksAreNamedAtTheTimeout) {
  uint16_t port = PickFreePort();
  RendezvousOptions options = LocalWorld(port, 0, 3, kShortTimeout).rendezvous;
  options.expected_locations = {"node 0", "node 1", "node 2"};
  RendezvousResult result = JoinRendezvous(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(base::Render(result.error).find("rank 1 (node 1), rank 2 (node 2) never joined"),
            std::string::npos)
      << base::Render(result.error);
}

TEST(DistProcessGroup, UnknownInterfaceIsNamed) {
  uint16_t port = PickFreePort();
  RendezvousResult store = JoinRendezvous(LocalWorld(port, 0, 1, kJoinTimeout).rendezvous);
  ASSERT_TRUE(store.ok()) << base::Render(store.error);
  ProcessGroupOptions options;
  options.interface = "nosuchnic0";
  ProcessGroupResult group = MakeGlooProcessGroup(store.store, options);
  ASSERT_FALSE(group.ok());
  EXPECT_NE(base::Render(group.error).find("'nosuchnic0'"), std::string::npos) << base::Render(group.error);
}

}  // namespace
}  // namespace dml::dist
