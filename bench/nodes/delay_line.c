/* A switch that delays every frame by a fixed time: the one-way latency of an emulated link
 * where the kernel has no `tc netem` (bench/nodes/emulated_nodes.py runs it in the switch
 * namespace instead of a bridge).
 *
 *   delay_line DELAY_US PORT...      (root; PORT: an interface of this namespace, one per node)
 *
 * Each port is an AF_PACKET socket with PACKET_VNET_HDR, so a TCP segment the node's stack
 * built as one 64 KiB GSO packet crosses as one packet, not 45 frames. A frame read at time t
 * leaves at t + DELAY_US on the port its destination MAC was last seen on (every other port
 * when unknown or broadcast): one FIFO, since every frame waits the same time. A wait sleeps
 * until the deadline less the wake-up lateness seen so far (a moving average, ~20 us on a VM)
 * and then sends what is due by then, so a frame's delay is DELAY_US on average, within about
 * that lateness, and the switch never spins: its CPU time is the frames' copying alone. It runs
 * at a real-time priority (SCHED_FIFO), as a NIC and a switch do not wait for a host's CPUs: a
 * timer that fires while every core trains still sends the frame then. Exits on SIGTERM/SIGINT,
 * printing the frames, bytes and largest queue.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64
#define MAX_FRAME (65536 + 256)     /* a GSO packet and its headers */
#define QUEUE 1024                  /* packets in flight: 0.1 ms at 10 Gbit/s is two GSO packets */
#define MACS 256
#define MAX_LATENESS_NS 30000       /* later wake-ups are the CPUs being busy, not the timer's */
#define SOCKET_BUFFER (64 << 20)    /* per port and direction: the default ~200 KiB holds three
                                       GSO packets, so a burst would be dropped or sends refused */

struct frame {
  int64_t due_ns;
  int in_port;
  int len; /* virtio_net_hdr + ethernet frame */
  unsigned char data[MAX_FRAME];
};

static struct frame *queue;
static int head, count, largest;
static int fds[MAX_PORTS], ports;
static unsigned char macs[MACS][6];
static int mac_port[MACS], known_macs;
static volatile sig_atomic_t stop;
static long long frames, bytes;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static int open_port(const char *name) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  int on = 1, buffer = SOCKET_BUFFER;
  struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
  if (fd < 0) return -1;
  addr.sll_ifindex = (int)if_nametoindex(name);
  if (addr.sll_ifindex == 0 || setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof on) != 0 ||
      setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof on) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int port_of(const unsigned char *mac) {
  for (int i = 0; i < known_macs; ++i)
    if (memcmp(macs[i], mac, 6) == 0) return mac_port[i];
  return -1;
}

static void learn(const unsigned char *mac, int port) {
  for (int i = 0; i < known_macs; ++i)
    if (memcmp(macs[i], mac, 6) == 0) {
      mac_port[i] = port;
      return;
    }
  if (known_macs < MACS && !(mac[0] & 1)) {
    memcpy(macs[known_macs], mac, 6);
    mac_port[known_macs++] = port;
  }
}

/* Reads every frame waiting on a port into the queue (dropped when full, as a switch would). */
static void receive(int port) {
  for (;;) {
    struct frame *f = &queue[(head + count) % QUEUE];
    ssize_t n;
    if (count == QUEUE) {
      unsigned char scrap[MAX_FRAME];
      if (recv(fds[port], scrap, sizeof scrap, 0) < 0) return;
      continue;
    }
    n = recv(fds[port], f->data, sizeof f->data, 0);
    if (n < 0) return;
    if (n < (ssize_t)(sizeof(struct virtio_net_hdr) + ETH_HLEN)) continue;
    f->len = (int)n;
    f->in_port = port;
    f->due_ns = now_ns();
    learn(f->data + sizeof(struct virtio_net_hdr) + 6, port);
    if (++count > largest) largest = count;
  }
}

/* Sends the frames due by now + early_ns (the timer's expected lateness). */
static void send_due(int64_t delay_ns, int64_t early_ns) {
  while (count > 0 && queue[head].due_ns + delay_ns <= now_ns() + early_ns) {
    struct frame *f = &queue[head];
    const unsigned char *dst = f->data + sizeof(struct virtio_net_hdr);
    int out = (dst[0] & 1) ? -1 : port_of(dst);
    for (int p = 0; p < ports; ++p) {
      if (p == f->in_port || (out >= 0 && p != out)) continue;
      while (send(fds[p], f->data, (size_t)f->len, 0) < 0 && errno == EAGAIN) {
      }
    }
    frames++;
    bytes += f->len - (int)sizeof(struct virtio_net_hdr);
    head = (head + 1) % QUEUE;
    count--;
  }
}

int main(int argc, char **argv) {
  struct pollfd pfd[MAX_PORTS];
  int64_t delay_ns;
  if (argc < 3 || argc - 2 > MAX_PORTS) {
    fprintf(stderr, "usage: delay_line DELAY_US PORT... (at most %d ports)\n", MAX_PORTS);
    return 2;
  }
  delay_ns = (int64_t)(atof(argv[1]) * 1000.0);
  queue = malloc(sizeof(struct frame) * QUEUE);
  if (queue == NULL) return 1;
  memset(queue, 0, sizeof(struct frame) * QUEUE); /* fault its pages in now, not per packet */
  for (int i = 2; i < argc; ++i) {
    fds[ports] = open_port(argv[i]);
    if (fds[ports] < 0) {
      fprintf(stderr, "delay_line: cannot open port %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    pfd[ports].fd = fds[ports];
    pfd[ports].events = POLLIN;
    ports++;
  }
  prctl(PR_SET_TIMERSLACK, 1UL);
  struct sched_param realtime = {.sched_priority = 1};
  if (sched_setscheduler(0, SCHED_FIFO, &realtime) != 0) {
    fprintf(stderr, "delay_line: no real-time priority (%s): delays grow when the CPUs are busy\n", strerror(errno));
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("ready\n");
  fflush(stdout);
  int64_t lateness_ns = 20000; /* how late a timed sleep wakes, averaged: learnt below */
  while (!stop) {
    int64_t wait_ns = -1; /* nothing queued: sleep until a frame comes */
    struct timespec ts;
    int64_t wake_at = 0;
    if (count > 0) {
      wait_ns = queue[head].due_ns + delay_ns - now_ns() - lateness_ns;
      if (wait_ns < 0) wait_ns = 0;
      wake_at = now_ns() + wait_ns;
    }
    ts.tv_sec = wait_ns / 1000000000;
    ts.tv_nsec = wait_ns % 1000000000;
    int ready = ppoll(pfd, (nfds_t)ports, wait_ns < 0 ? NULL : &ts, NULL);
    if (ready == 0 && wait_ns > 0) {
      lateness_ns += (now_ns() - wake_at - lateness_ns) / 8;
      if (lateness_ns > MAX_LATENESS_NS) lateness_ns = MAX_LATENESS_NS;
      if (lateness_ns < 0) lateness_ns = 0;
    }
    if (ready > 0) {
      for (int p = 0; p < ports; ++p)
        if (pfd[p].revents & POLLIN) receive(p);
    }
    send_due(delay_ns, lateness_ns);
  }
  fprintf(stderr, "delay_line: %lld frames, %lld bytes, at most %d queued\n", frames, bytes, largest);
  return 0;
}
