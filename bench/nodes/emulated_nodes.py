"""Emulated nodes for the cross-node benches: one network namespace per node on a private bridge.

  <prefix>-sw   the switch: one veth per node (no address: it only forwards), joined by a
                bridge, or by delay_line.c when the link's delay cannot be had from tc
  <prefix>-<i>  node i: `eth0` with its fixed address in the subnet; optionally shaped on its
                egress: the link rate with `tc tbf`, and a one-way delay with `tc netem` where the
                kernel has it (a message between two nodes pays the delay once, a round trip
                twice). Kernels built without sch_netem (this project's VMs: CONFIG_NET_SCH_NETEM
                is not set, nor fq, whose timestamps a BPF program could set) get the delay from
                delay_line (a user-space switch that holds every frame the delay; its CPU time
                is the emulation's cost, reported by relay_cpu_s) when its binary is given, else
                the rate alone, and Link.delay says which.

A command runs in node i through `ip netns exec`, then `unshare --uts --mount` with the node's
own host name (dmlrun tells nodes apart by host; two nodes of one machine would otherwise share
its shared-memory exchange) and its own /dev/shm, restricted to the node's CPUs (`taskset`): on
one machine the nodes share its cores, so each gets a fixed share instead of the scheduler's.
Nothing is added to the machine's own network namespace; close() (also on SIGINT/SIGTERM, and
`cleanup_stale` for a killed run) kills what runs in the namespaces and removes them.
"""
import ipaddress
import os
import signal
import subprocess
import time

PREFIX_ROOT = "dmlnb"  # dml node bench
NIC = "eth0"


class NodesError(Exception):
    pass


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise NodesError("%s: %s" % (" ".join(cmd), proc.stderr.strip()))
    return proc.stdout


def _namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _delete_namespace(ns):
    for _ in range(50):
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def cleanup_stale():
    """Removes namespaces of earlier bench runs whose process is gone (a killed bench)."""
    for ns in _namespaces():
        parts = ns.split("-")
        if len(parts) >= 3 and parts[0] == PREFIX_ROOT and not os.path.exists("/proc/%s" % parts[1]):
            _delete_namespace(ns)


def cpus_of_node(node, ranks_per_node, cpus):
    """The machine's CPUs node `node` may use: its ranks laid out round-robin over `cpus`
    (global rank g on cpus[g % len]), so nodes share cores only when ranks outnumber them."""
    return sorted({cpus[(node * ranks_per_node + r) % len(cpus)] for r in range(ranks_per_node)})


class Link:
    """A shaped link: each node's egress limited to `gbit_per_s` and delayed by `one_way_ms`."""

    # tbf's bucket: two 64 KiB GSO packets, about 0.1 ms at 10 Gbit/s, so a burst cannot
    # outrun the rate for long; its queue holds 5 ms.
    BURST = "128kb"
    QUEUE_LATENCY = "5ms"

    def __init__(self, gbit_per_s, one_way_ms):
        self.gbit_per_s, self.one_way_ms = gbit_per_s, one_way_ms
        self.delay = None  # "netem", "delay_line" or "none": known once applied to a node

    def describe(self):
        if self.delay == "none":
            return "%g Gbit/s (tbf; no added delay: no netem here)" % self.gbit_per_s
        return "%g Gbit/s, %g ms round trip" % (self.gbit_per_s, 2 * self.one_way_ms)

    def apply(self, ns, delay_line_available):
        """Shapes NIC in namespace ns: netem (rate and delay) if the kernel has it, else tbf
        (the rate; the delay is then delay_line's, when available)."""
        tc = ["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", NIC, "root"]
        rate = "%ggbit" % self.gbit_per_s
        netem = subprocess.run(tc + ["netem", "delay", "%gms" % self.one_way_ms, "rate", rate, "limit", "100000"],
                               capture_output=True, text=True)
        if netem.returncode == 0:
            self.delay = "netem"
            return
        _run(tc + ["tbf", "rate", rate, "burst", self.BURST, "latency", self.QUEUE_LATENCY])
        self.delay = "delay_line" if delay_line_available else "none"


class EmulatedNodes:
    def __init__(self, count, subnet="10.8.1.0/24", master_ip="10.8.1.250", link=None, ranks_per_node=1,
                 delay_line=None):
        self.count, self.link, self.ranks_per_node = count, link, ranks_per_node
        self.delay_line, self.relay = delay_line, None
        self.prefix = "%s-%d-%d" % (PREFIX_ROOT, os.getpid(), int(time.time() * 1000) % 100000)
        self.switch = self.prefix + "-sw"
        net = ipaddress.ip_network(subnet)
        master = ipaddress.ip_address(master_ip)
        others = [h for h in net.hosts() if h != master]
        if count - 1 > len(others):
            raise NodesError("%d nodes do not fit in %s" % (count, subnet))
        self.prefixlen = net.prefixlen
        self.addresses = [str(master)] + [str(h) for h in others[:count - 1]]
        self.machine_cpus = sorted(os.sched_getaffinity(0))
        self.made = []

    def ns(self, node):
        return "%s-%d" % (self.prefix, node)

    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _setup(self):
        _run(["ip", "netns", "add", self.switch])
        self.made.append(self.switch)
        ports = []
        for i in range(self.count):
            ns = self.ns(i)
            _run(["ip", "netns", "add", ns])
            self.made.append(ns)
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
            port = "p%d" % i
            _run(["ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", NIC, "netns", ns])
            _run(["ip", "-n", self.switch, "link", "set", port, "up"])
            _run(["ip", "-n", ns, "addr", "add", "%s/%d" % (self.addresses[i], self.prefixlen), "dev", NIC])
            _run(["ip", "-n", ns, "link", "set", NIC, "up"])
            if self.link is not None:
                self.link.apply(ns, self.delay_line is not None)
            ports.append(port)
        if self.link is not None and self.link.delay == "delay_line":
            self._start_relay(ports)
        else:
            _run(["ip", "-n", self.switch, "link", "add", "br0", "type", "bridge"])
            for port in ports:
                _run(["ip", "-n", self.switch, "link", "set", port, "master", "br0"])
            _run(["ip", "-n", self.switch, "link", "set", "br0", "up"])

    def _start_relay(self, ports):
        us = "%g" % (self.link.one_way_ms * 1000)
        self.relay = subprocess.Popen(["ip", "netns", "exec", self.switch, self.delay_line, us] + ports,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if self.relay.stdout.readline().strip() != "ready":
            raise NodesError("delay_line did not start: %s" % self.relay.stderr.read().strip())

    def relay_cpu_s(self):
        """CPU seconds delay_line has used so far (0 without it): the emulated link's own cost."""
        if self.relay is None:
            return 0.0
        try:
            fields = open("/proc/%d/stat" % self.relay.pid).read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def cpus(self, node):
        return cpus_of_node(node, self.ranks_per_node, self.machine_cpus)

    def command(self, node, argv):
        """argv wrapped to run as node `node`: its namespace, host name, /dev/shm and CPUs."""
        inner = ("hostname node%d && mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec \"$@\"" % node)
        cpus = ",".join(str(c) for c in self.cpus(node))
        return (["ip", "netns", "exec", self.ns(node), "unshare", "--uts", "--mount", "--propagation", "private",
                 "taskset", "-c", cpus, "sh", "-c", inner, "sh"] + list(argv))

    def ping(self, source, target):
        """Round trip in ms from node `source` to node `target` (the median of 10 pings)."""
        out = _run(["ip", "netns", "exec", self.ns(source), "ping", "-q", "-c", "10", "-i", "0.01",
                    self.addresses[target]])
        for line in out.splitlines():
            if "min/avg/max" in line:
                return float(line.split("=")[1].split("/")[1])
        raise NodesError("ping printed no round trip: %s" % out)

    def close(self):
        if self.relay is not None and self.relay.poll() is None:
            self.relay.terminate()
            try:
                self.relay.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.relay.kill()
            self.relay = None
        for ns in reversed(self.made):
            _delete_namespace(ns)
        self.made = []
