"""Neutron security group rules as one node's nftables ruleset.

Neutron enforces a port's groups on the hypervisor: new inbound connections
are dropped unless a rule of one of the port's groups allows them; replies
to what the node started (established, related) pass; egress is open unless
a group of the port was given egress rules (Heat then removes Neutron's
default allow-all egress rules from that group). A rule's remote is a CIDR
(remote_ip_prefix) or the current members of a group (remote_group_id),
which change as ports join; the ruleset is rebuilt and swapped atomically
(`nft -f`) whenever they do, as Neutron updates its ipsets. Neutron's
rules are not the VM's: they are the table `localstack` only, and a rebuild
leaves every other table of the node (its own firewall) alone.
"""

TABLE = 'localstack'

IP_PROTOCOLS = {'tcp': 6, 'udp': 17, 'icmp': 1, 'sctp': 132}


def _protocol_match(rule):
    proto = rule.get('protocol')
    if proto in (None, '', 'any'):
        return ''
    name = str(proto).lower()
    if name.isdigit():
        number = int(name)
        name = {v: k for k, v in IP_PROTOCOLS.items()}.get(number)
        if name is None:
            return 'meta l4proto %d' % number
    lo, hi = rule.get('port_range_min'), rule.get('port_range_max')
    if name in ('tcp', 'udp', 'sctp'):
        if lo is None and hi is None:
            return 'meta l4proto %s' % name
        lo = 1 if lo is None else int(lo)
        hi = lo if hi is None else int(hi)
        return '%s dport %d-%d' % (name, lo, hi)
    if name == 'icmp':
        # For ICMP Neutron reads the range as type (min) and code (max).
        text = 'meta l4proto icmp'
        if lo is not None:
            text += ' icmp type %d' % int(lo)
            if hi is not None:
                text += ' icmp code %d' % int(hi)
        return text
    return 'meta l4proto %s' % name


def _remote_match(rule, groups_by_id, direction):
    field = 'ip saddr' if direction == 'ingress' else 'ip daddr'
    if rule.get('remote_mode') == 'remote_group_id' or rule.get('remote_group_id'):
        group = groups_by_id.get(rule.get('remote_group_id'))
        members = sorted(set(group.members())) if group else []
        if not members:
            return None  # an empty group matches no one
        return '%s { %s }' % (field, ', '.join(members))
    prefix = rule.get('remote_ip_prefix')
    if prefix in (None, ''):
        return ''
    if ':' in str(prefix):
        return None  # IPv6: the private network is IPv4 only
    return '%s %s' % (field, prefix)


def rule_lines(rule, groups_by_id):
    if rule.get('ethertype', 'IPv4') != 'IPv4':
        return []
    remote = _remote_match(rule, groups_by_id, rule['direction'])
    if remote is None:
        return []
    parts = ['meta nfproto ipv4', remote, _protocol_match(rule), 'accept']
    return [' '.join(p for p in parts if p)]


def ruleset(port_groups, groups_by_id):
    """The nft script for a node whose port(s) belong to PORT_GROUPS."""
    ingress, egress = [], []
    egress_open = False
    for group in port_groups:
        rules = group.rules
        if not any(r['direction'] == 'egress' for r in rules):
            egress_open = True  # Neutron's default egress rules remain
        for r in rules:
            target = ingress if r['direction'] == 'ingress' else egress
            for line in rule_lines(r, groups_by_id):
                if line not in target:
                    target.append(line)
    # Only this table is replaced (created empty first, so the delete
    # always finds it; nft -f applies the whole script atomically): the
    # node's own firewall (an image's firewalld) lives beside it, in its
    # own table, as a VM's firewall lives beside Neutron's rules.
    out = ['table inet %s {}' % TABLE, 'delete table inet %s' % TABLE,
           'table inet %s {' % TABLE,
           '  chain ingress {',
           '    type filter hook input priority filter; policy drop;',
           '    ct state established,related accept',
           '    iif "lo" accept',
           '    ct state invalid drop']
    out += ['    ' + line for line in ingress]
    out += ['  }']
    if not egress_open:
        out += ['  chain egress {',
                '    type filter hook output priority filter; policy drop;',
                '    ct state established,related accept',
                '    oif "lo" accept']
        out += ['    ' + line for line in egress]
        out += ['  }']
    out += ['}', '']
    return '\n'.join(out)
