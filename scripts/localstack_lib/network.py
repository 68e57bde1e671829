"""The private network, as Neutron builds it, in network namespaces of the tool.

  <prefix>-cloud   the "cloud side": one bridge per subnet with the subnet's
                   gateway address on it (the router's interface), and the
                   cloud's API addresses on its loopback (the Heat API that
                   the wait condition handles post to, the file server, the
                   apt proxy).
  <prefix>-<n>     one per server: a veth into the subnet's bridge named as
                   the group's NIC scheme names it (ens3, eth0, ...), the
                   port's MAC and fixed IP, a default route via the gateway,
                   and the port's security groups as nftables rules.
Nothing is added to the host's own network namespace.
"""
import subprocess

from . import secgroup

# The cloud's API endpoints, reached through the gateway as on a cloud
# (TEST-NET-1, RFC 5737: never a real address).
HEAT_API_ADDR = '192.0.2.1'
HEAT_API_PORT = 8004
FILES_ADDR = '192.0.2.2'
APT_PROXY_ADDR = '192.0.2.3'  # Debian's registry, through localstack's apt proxy
APT_PROXY_PORT = 3142
CLOUD_ADDRS = (HEAT_API_ADDR, FILES_ADDR, APT_PROXY_ADDR)

# NIC names differ between groups so that nothing can assume one.
NIC_SCHEMES = [('ens', 3), ('eth', 0), ('enp0s', 3), ('ens', 5)]


class NetworkError(Exception):
    pass


def run(cmd, input_text=None):
    proc = subprocess.run(cmd, input=input_text, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise NetworkError('%s: %s' % (' '.join(cmd), proc.stderr.strip()))
    return proc.stdout


def nic_name(scheme_index, port_index):
    base, first = NIC_SCHEMES[scheme_index % len(NIC_SCHEMES)]
    return '%s%d' % (base, first + port_index)


class Network(object):
    def __init__(self, prefix, record):
        self.prefix = prefix
        self.cloud_ns = prefix + '-cloud'
        self.record = record  # callable(kind, name): what to remove later
        self.bridges = {}     # subnet id -> bridge name
        self.node_ns = {}     # server name -> namespace
        self.node_ports = {}  # server name -> [Port]
        self.schemes = {}     # group -> NIC scheme index

    def ns_exec(self, ns, *cmd):
        return ['ip', 'netns', 'exec', ns] + list(cmd)

    def setup(self):
        run(['ip', 'netns', 'add', self.cloud_ns])
        self.record('netns', self.cloud_ns)
        n = self.cloud_ns
        run(['ip', '-n', n, 'link', 'set', 'lo', 'up'])
        for addr in CLOUD_ADDRS:
            run(['ip', '-n', n, 'addr', 'add', addr + '/32', 'dev', 'lo'])
        # The router between subnets, inside the tool's namespace only.
        run(self.ns_exec(n, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'))

    def add_subnet(self, subnet):
        for reserved in CLOUD_ADDRS:
            if subnet.cidr.overlaps(secgroup_net(reserved)):
                raise NetworkError('subnet %s overlaps localstack\'s cloud '
                                   'API address %s' % (subnet.cidr, reserved))
        bridge = 'br%d' % len(self.bridges)
        n = self.cloud_ns
        run(['ip', '-n', n, 'link', 'add', bridge, 'type', 'bridge'])
        run(['ip', '-n', n, 'addr', 'add', '%s/%d' % (subnet.gateway,
            subnet.cidr.prefixlen), 'dev', bridge])
        run(['ip', '-n', n, 'link', 'set', bridge, 'up'])
        self.bridges[subnet.id] = bridge

    def add_node(self, server, group):
        """The server's namespace and NICs; returns [(nic, ip/len)]."""
        ns = '%s-%d' % (self.prefix, server.index)
        run(['ip', 'netns', 'add', ns])
        self.record('netns', ns)
        self.node_ns[server.name] = ns
        self.node_ports[server.name] = server.ports
        # Servers of the top-level stack (a master) get the first scheme;
        # each ResourceGroup the next one.
        if group is None:
            scheme = 0
        else:
            scheme = self.schemes.setdefault(group, len(self.schemes) + 1)
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
        nics = []
        for i, port in enumerate(server.ports):
            bridge = self.bridges.get(port.subnet.id)
            if bridge is None:
                raise NetworkError('port %s: subnet %s has no bridge'
                                   % (port.name, port.subnet.name))
            outside, nic = 'v%dp%d' % (server.index, i), nic_name(scheme, i)
            run(['ip', '-n', self.cloud_ns, 'link', 'add', outside, 'type',
                 'veth', 'peer', 'name', nic, 'netns', ns])
            run(['ip', '-n', self.cloud_ns, 'link', 'set', outside, 'master',
                 bridge, 'up'])
            addr = '%s/%d' % (port.ip, port.subnet.cidr.prefixlen)
            run(['ip', '-n', ns, 'link', 'set', nic, 'address', port.mac])
            run(['ip', '-n', ns, 'addr', 'add', addr, 'dev', nic])
            run(['ip', '-n', ns, 'link', 'set', nic, 'up'])
            if i == 0:
                run(['ip', '-n', ns, 'route', 'add', 'default', 'via',
                     str(port.subnet.gateway), 'dev', nic])
            nics.append((nic, addr))
        return nics

    def apply_security_groups(self, cloud):
        """Each node's rules, rebuilt from the groups' current members."""
        for name, ns in self.node_ns.items():
            groups = []
            for port in self.node_ports[name]:
                groups += [g for g in port.groups if g not in groups]
            script = secgroup.ruleset(groups, cloud.groups)
            run(self.ns_exec(ns, 'nft', '-f', '-'), input_text=script)


def nic_counters(ns, nics):
    """[{name, address, rx_bytes, tx_bytes}] of a node's NICs: what crossed
    the private network (the namespace outlives the node's processes)."""
    import json
    out = []
    for nic, addr in nics:
        proc = subprocess.run(['ip', '-n', ns, '-s', '-j', 'link', 'show',
                               nic], capture_output=True, text=True)
        try:
            stats = json.loads(proc.stdout)[0]['stats64']
        except (ValueError, IndexError, KeyError):
            stats = {'rx': {}, 'tx': {}}
        out.append({'name': nic, 'address': addr,
                    'rx_bytes': stats['rx'].get('bytes'),
                    'tx_bytes': stats['tx'].get('bytes')})
    return out


def secgroup_net(addr):
    import ipaddress
    return ipaddress.ip_network(addr + '/32')


def pids_in(ns):
    proc = subprocess.run(['ip', 'netns', 'pids', ns], capture_output=True,
                          text=True)
    return [int(p) for p in proc.stdout.split()]


def delete_namespace(ns):
    """Kill what runs in NS, then remove it (also its veths and bridges)."""
    import os
    import signal
    import time
    for _ in range(50):
        pids = pids_in(ns)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
