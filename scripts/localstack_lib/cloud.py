"""The cloud's objects as Neutron and Nova would report them.

Pure data: IDs, addresses taken from a subnet's allocation pools or fixed by
the template, security groups and their members, servers and their ports.
What these objects do on this machine (bridges, namespaces, nftables, the
nodes themselves) is done by a backend (localstack_lib.runner.Backend, or a
recording one in the tests), called as each object is created.
"""
import ipaddress
import random
import uuid


class CloudError(Exception):
    """What Neutron or Nova would refuse (a Conflict, a BadRequest)."""


def new_id():
    return str(uuid.uuid4())


class Net(object):
    def __init__(self, name):
        self.id, self.name, self.subnets = new_id(), name, []

    def attributes(self):
        return {'name': self.name, 'status': 'ACTIVE', 'admin_state_up': True,
                'subnets': [s.id for s in self.subnets], 'mtu': 1500}


class Subnet(object):
    def __init__(self, net, cidr, gateway_ip, pools, name):
        self.id, self.net, self.name = new_id(), net, name
        self.cidr = ipaddress.ip_network(cidr, strict=False)
        self.gateway = (ipaddress.ip_address(gateway_ip) if gateway_ip
                        else next(self.cidr.hosts()))
        if not pools:  # Neutron's default: the whole CIDR but the gateway
            hosts = list(self.cidr.hosts())
            pools = [{'start': str(hosts[0]), 'end': str(hosts[-1])}]
        self.pools = [(ipaddress.ip_address(p['start']),
                       ipaddress.ip_address(p['end'])) for p in pools]
        self.used = {self.gateway}

    def attributes(self):
        return {'name': self.name, 'network_id': self.net.id,
                'cidr': str(self.cidr), 'gateway_ip': str(self.gateway),
                'ip_version': self.cidr.version,
                'allocation_pools': [{'start': str(a), 'end': str(b)}
                                     for a, b in self.pools]}

    def allocate(self, fixed=None):
        if fixed is not None:
            ip = ipaddress.ip_address(fixed)
            if ip not in self.cidr:
                raise CloudError('IP address %s is not a valid IP for the '
                                 'specified subnet.' % ip)
            if ip in self.used:
                raise CloudError('IP address %s already allocated in subnet '
                                 '%s' % (ip, self.id))
            self.used.add(ip)
            return ip
        for start, end in self.pools:
            for n in range(int(start), int(end) + 1):
                ip = ipaddress.ip_address(n)
                if ip not in self.used:
                    self.used.add(ip)
                    return ip
        raise CloudError('No more IP addresses available on network %s.'
                         % self.net.id)


class SecurityGroup(object):
    def __init__(self, name):
        self.id, self.name, self.rules, self.ports = new_id(), name, [], []

    def add_rule(self, rule):
        r = {'id': new_id(), 'direction': 'ingress', 'ethertype': 'IPv4',
             'protocol': None, 'port_range_min': None, 'port_range_max': None,
             'remote_ip_prefix': None, 'remote_group_id': None,
             'remote_mode': 'remote_ip_prefix'}
        r.update({k: v for k, v in rule.items() if v is not None})
        if r['remote_mode'] == 'remote_group_id' and not r['remote_group_id']:
            r['remote_group_id'] = self.id  # Heat: the group itself
        self.rules.append(r)
        return r

    def members(self):
        return [str(p.ip) for p in self.ports]

    def attributes(self):
        return {'name': self.name, 'rules': list(self.rules)}


class Port(object):
    _macs = set()

    def __init__(self, net, subnet, ip, groups, name):
        self.id, self.net, self.subnet, self.ip = new_id(), net, subnet, ip
        self.groups, self.name, self.server = groups, name, None
        while True:  # Neutron's base MAC fa:16:3e
            mac = 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randrange(256)
                                                     for _ in range(3))
            if mac not in Port._macs:
                Port._macs.add(mac)
                break
        self.mac = mac

    def attributes(self):
        return {'name': self.name, 'network_id': self.net.id,
                'mac_address': self.mac, 'status': 'ACTIVE',
                'fixed_ips': [{'subnet_id': self.subnet.id,
                               'ip_address': str(self.ip)}],
                'security_groups': [g.id for g in self.groups],
                'device_id': self.server.id if self.server else ''}


class Server(object):
    def __init__(self, name, user_data, ports):
        self.id, self.name, self.user_data, self.ports = (new_id(), name,
                                                          user_data, ports)
        for p in ports:
            p.server = self

    def attributes(self):
        nets = {}
        for p in self.ports:
            nets.setdefault(p.net.name, []).append(str(p.ip))
        addresses = {n: [{'addr': ip, 'version': 4, 'OS-EXT-IPS:type': 'fixed'}
                         for ip in ips] for n, ips in nets.items()}
        return {'name': self.name, 'first_address': str(self.ports[0].ip)
                if self.ports else '', 'networks': nets,
                'addresses': addresses, 'accessIPv4': '', 'accessIPv6': '',
                'instance_name': self.name, 'console_urls': {}}


class Cloud(object):
    """Neutron and Nova for one stack; BACKEND makes the objects real."""

    def __init__(self, backend):
        self.backend = backend
        self.nets, self.subnets, self.groups, self.ports = {}, {}, {}, {}
        self.servers = []
        self._default_group = None

    def _lookup(self, table, ref, what):
        for obj in table.values():
            if ref in (obj.id, obj.name):
                return obj
        raise CloudError('Unable to find %s with name or id %r' % (what, ref))

    def create_net(self, name):
        net = Net(name)
        self.nets[net.id] = net
        return net

    def create_subnet(self, net_ref, cidr, gateway_ip, pools, name):
        net = self._lookup(self.nets, net_ref, 'network')
        subnet = Subnet(net, cidr, gateway_ip, pools, name)
        net.subnets.append(subnet)
        self.subnets[subnet.id] = subnet
        self.backend.subnet_created(subnet)
        return subnet

    def create_security_group(self, name, rules):
        group = SecurityGroup(name)
        for r in rules:
            group.add_rule(r)
        self.groups[group.id] = group
        return group

    def add_security_group_rule(self, group_ref, rule):
        group = self._lookup(self.groups, group_ref, 'security_group')
        rule = dict(rule)
        remote = rule.pop('remote_group', None)  # OS::Neutron::SecurityGroupRule
        if remote:
            rule['remote_group_id'] = self._lookup(self.groups, remote,
                                                   'security_group').id
            rule['remote_mode'] = 'remote_group_id'
        r = group.add_rule(rule)
        self.backend.rules_changed(self)
        return r

    def default_group(self):
        # Neutron's "default" group: ingress from its own members only.
        if self._default_group is None:
            self._default_group = self.create_security_group('default', [
                {'direction': 'ingress', 'remote_mode': 'remote_group_id'}])
        return self._default_group

    def create_port(self, net_ref, fixed_ips, group_refs, name):
        net = self._lookup(self.nets, net_ref, 'network')
        fixed = (fixed_ips or [{}])[0]
        if fixed.get('subnet'):
            subnet = self._lookup(self.subnets, fixed['subnet'], 'subnet')
        elif net.subnets:
            subnet = net.subnets[0]
        else:
            raise CloudError('network %s has no subnet' % net.name)
        ip = subnet.allocate(fixed.get('ip_address'))
        if group_refs is None:
            groups = [self.default_group()]
        else:
            groups = [self._lookup(self.groups, g, 'security_group')
                      for g in group_refs]
        port = Port(net, subnet, ip, groups, name)
        for g in groups:
            g.ports.append(port)
        self.ports[port.id] = port
        self.backend.rules_changed(self)
        return port

    def create_floating_ip(self, port_ref):
        port = self._lookup(self.ports, port_ref, 'port') if port_ref else None
        # No external network here: the floating IP is the port's address,
        # reachable from the tool's namespaces only.
        addr = str(port.ip) if port else ''
        return {'id': new_id(), 'floating_ip_address': addr,
                'fixed_ip_address': addr, 'port_id': port.id if port else None}

    def create_server(self, name, user_data, networks, group_refs, group, image=''):
        ports = []
        for n in networks:
            if n.get('port'):
                ports.append(self._lookup(self.ports, n['port'], 'port'))
            else:
                fixed = [{'subnet': n.get('subnet'),
                          'ip_address': n.get('fixed_ip')}]
                ports.append(self.create_port(
                    n.get('network'), fixed, group_refs or None,
                    '%s-port-%d' % (name, len(ports))))
        server = Server(name, user_data, ports)
        server.index, server.group, server.image = len(self.servers), group, image
        self.servers.append(server)
        self.backend.server_created(server)
        return server

    def register_wait_handle(self, rsrc, token):
        self.backend.wait_handle_created(rsrc, token)

    def wait_for(self, rsrc, check):
        self.backend.wait(rsrc, check)

