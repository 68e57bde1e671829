#!/usr/bin/python3
"""localstack's parts that need no root: Heat's resolution of a hand-written
template, the wait condition's semantics (Heat's own code behind the HTTP
endpoint), security group rules as nftables text, and the apt-get shim.

usage: unit_test.py   (exits 77 when Debian's python3-heat is missing)
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
TEMPLATE = os.path.join(HERE, 'templates', 'resolve.yaml')

try:
    import heat  # noqa: F401  (Debian's python3-heat)
except ImportError:
    print('skipped: python3-heat is not installed')
    sys.exit(77)

from localstack_lib import cloud, heat_create, heat_engine  # noqa: E402
from localstack_lib import secgroup, waitserver  # noqa: E402

ENGINE = heat_engine.Engine('http://192.0.2.1:8004/v1')


class Recorder(object):
    """A backend that makes nothing real; the wait is a scripted list of
    signals, posted one by one through the endpoint's code."""

    def __init__(self, signals=()):
        self.servers, self.hub = [], waitserver.SignalHub(self._signalled)
        self.signals, self.answers, self.received = list(signals), [], []

    def subnet_created(self, subnet):
        pass

    def rules_changed(self, c):
        pass

    def server_created(self, server):
        self.servers.append(server)

    def wait_handle_created(self, rsrc, token):
        self.hub.add(rsrc, token)
        self.path = rsrc.data()['endpoint'].split(':8004', 1)[1]
        self.token = token

    def _signalled(self, rsrc, details, reason):
        self.received.append(reason)

    def wait(self, rsrc, check):
        while True:
            if check():
                return
            if not self.signals:
                raise AssertionError('the wait condition wants more signals')
            token, body = self.signals.pop(0)
            self.answers.append(self.hub.signal(
                self.path, self.token if token is None else token, body))


def create(params=(), signals=(), name='resolve'):
    stack = ENGINE.load(TEMPLATE, dict(params), name)
    backend = Recorder(signals)
    heat_create.StackCreator(cloud.Cloud(backend), lambda t: None).create(stack)
    return stack, backend


def ok(node_id, data='fine'):
    return None, json.dumps({'status': 'SUCCESS', 'reason': 'ok ' + node_id,
                             'data': data, 'id': node_id})


class HeatResolution(unittest.TestCase):
    def test_each_server_gets_the_user_data_heat_gives_it(self):
        stack, b = create([('mode', 'slow')], [ok('a'), ok('b'), ok('c')])
        by_name = {s.name: s for s in b.servers}
        self.assertEqual(sorted(by_name),
                         ['r-head', 'r-member-0', 'r-member-1'])
        head = by_name['r-head'].user_data
        self.assertIn('MODE=slow PEERS=a,slow,b\n', head)
        self.assertRegex(head, r"curl -i -X POST -H 'X-Auth-Token: [0-9a-f]{32}' "
                         r"-H 'Content-Type: application/json' -H 'Accept: "
                         r"application/json' http://192\.0\.2\.1:8004/v1/"
                         r"localstack/stacks/resolve/[-0-9a-f]{36}/resources/"
                         r"handle/signal --data-binary")
        self.assertEqual(by_name['r-member-1'].user_data,
                         '#!/bin/bash\necho member 1 of 2\n')
        # The fixed IP where the port gives one; the pool's otherwise.
        self.assertEqual(str(by_name['r-head'].ports[0].ip), '10.20.0.5')
        self.assertEqual(sorted(str(s.ports[0].ip) for s in b.servers[:3]
                                if s.name != 'r-head'),
                         ['10.20.0.100', '10.20.0.101'])

    def test_outputs_are_heats(self):
        stack, b = create([], [ok('a', 'A'), ok('b', 'B'), ok('c', 'C')])
        out = {o['output_key']: o['output_value']
               for o in heat_create.outputs(stack)}
        self.assertEqual(json.loads(out['data']), {'a': 'A', 'b': 'B', 'c': 'C'})
        self.assertEqual(out['head_ip'], '10.20.0.5')
        self.assertEqual(len(out['member_ips']), 2)

    def test_count_zero_and_yaql_count(self):
        stack, b = create([('n', '0')], [ok('a')])
        self.assertEqual([s.name for s in b.servers], ['r-head'])

    def test_a_refused_parameter_gets_heats_message(self):
        with self.assertRaises(heat_engine.TemplateError) as e:
            ENGINE.load(TEMPLATE, {'n': '9'}, 'resolve')
        self.assertEqual(str(e.exception), "Parameter 'n' is invalid: 9 is "
                         "out of range (min: 0, max: 3)")
        with self.assertRaises(heat_engine.TemplateError) as e:
            ENGINE.load(TEMPLATE, {'mode': 'medium'}, 'resolve')
        self.assertIn('"medium" is not an allowed value', str(e.exception))
        with self.assertRaises(heat_engine.TemplateError) as e:
            ENGINE.load(TEMPLATE, {'cidr': 'not-a-cidr'}, 'resolve')
        self.assertIn('Invalid net cidr', str(e.exception))

    def test_cloud_lookups_are_listed_not_checked(self):
        ENGINE.load(TEMPLATE, {'image': 'my-image'}, 'resolve')
        self.assertIn("glance.image 'my-image'", ENGINE.not_checked_text())


class WaitCondition(unittest.TestCase):
    def test_complete_when_the_count_arrives(self):
        stack, b = create([], [ok('a'), ok('b'), ok('c')])
        self.assertEqual([a[0] for a in b.answers], [200, 200, 200])
        self.assertEqual(b.received[0], 'status:SUCCESS reason:ok a')

    def test_the_first_failure_fails_at_once_with_its_reason(self):
        from heat.common import exception
        bad = (None, json.dumps({'status': 'FAILURE', 'reason': 'node 2 broke',
                                 'data': 'tail', 'id': 'b'}))
        with self.assertRaises(exception.ResourceFailure) as e:
            create([], [ok('a'), bad, ok('c')])
        self.assertEqual(str(e.exception),
                         'WaitConditionFailure: resources.wait: node 2 broke')

    def test_bad_token_bad_body_and_defaults(self):
        sigs = [('wrong', '{}'), (None, 'not json'),
                (None, '{"status": "MAYBE"}'), (None, ''), ok('b'), ok('c')]
        stack, b = create([], sigs)
        self.assertEqual([a[0] for a in b.answers], [401, 400, 400, 200, 200, 200])
        self.assertEqual(b.answers[2][1], 'Metadata format invalid')
        # An empty body is Heat's default signal: SUCCESS, "Signal 1 received".
        self.assertEqual(b.received[0], 'status:SUCCESS reason:Signal 1 received')

    def test_heats_timeout_message(self):
        from heat.common import exception
        from heat.engine.resources.openstack.heat import wait_condition
        real = wait_condition.HeatWaitCondition.handle_create

        def no_time(self):
            handle, started, timeout = real(self)
            return handle, started, 0.0
        wait_condition.HeatWaitCondition.handle_create = no_time
        try:
            with self.assertRaises(exception.ResourceFailure) as e:
                create([], [ok('a')])
        finally:
            wait_condition.HeatWaitCondition.handle_create = real
        self.assertEqual(str(e.exception),
                         'WaitConditionTimeout: resources.wait: 0 of 3 received')


class SecurityGroups(unittest.TestCase):
    def test_rules_as_nftables(self):
        g = cloud.SecurityGroup('sg')
        g.add_rule({'direction': 'ingress', 'protocol': 'tcp',
                    'port_range_min': 22, 'port_range_max': 22,
                    'remote_ip_prefix': '0.0.0.0/0'})
        g.add_rule({'direction': 'ingress', 'protocol': 'udp',
                    'remote_mode': 'remote_group_id'})
        g.add_rule({'direction': 'ingress', 'protocol': 'icmp',
                    'remote_ip_prefix': '10.0.0.0/8'})

        class P(object):
            ip = '10.0.0.7'
        g.ports.append(P())
        text = secgroup.ruleset([g], {g.id: g})
        self.assertIn('policy drop;', text)
        self.assertIn('ct state established,related accept', text)
        self.assertIn('meta nfproto ipv4 ip saddr 0.0.0.0/0 tcp dport 22-22 accept', text)
        self.assertIn('meta nfproto ipv4 ip saddr { 10.0.0.7 } meta l4proto udp accept', text)
        self.assertIn('ip saddr 10.0.0.0/8 meta l4proto icmp accept', text)
        self.assertNotIn('chain egress', text)  # Neutron's default egress

    def test_a_rule_resource_whose_remote_is_a_group(self):
        path = os.path.join(HERE, 'templates', 'rule_resource.yaml')
        stack = ENGINE.load(path, {}, 'rules')
        c = cloud.Cloud(Recorder())
        heat_create.StackCreator(c, lambda t: None).create(stack)
        (g,) = c.groups.values()
        self.assertIn('ip saddr { 10.5.0.2 } tcp dport 29500-29600 accept',
                      secgroup.ruleset([g], c.groups))

    def test_a_group_with_no_members_yet_allows_no_one(self):
        g = cloud.SecurityGroup('sg')
        g.add_rule({'direction': 'ingress', 'remote_mode': 'remote_group_id'})
        self.assertNotIn('saddr', secgroup.ruleset([g], {g.id: g}))


class AptShim(unittest.TestCase):
    SHIM = os.path.join(ROOT, 'scripts', 'localstack_lib', 'shims', 'apt-get')

    def shim(self, *args):
        env = dict(os.environ, LOCALSTACK_DPKG='/bin/echo')
        return subprocess.run([self.SHIM] + list(args), env=env,
                              capture_output=True, text=True)

    def test_installed_unknown_and_not_installed(self):
        r = self.shim('-o', 'DPkg::Lock::Timeout=600', '-q', '-y', 'install',
                      '--no-install-recommends', 'bash', 'coreutils')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.shim('install', 'bash', 'no-such-package-dmlls')
        self.assertEqual(r.returncode, 100)
        self.assertIn('E: Unable to locate package no-such-package-dmlls', r.stderr)
        absent = self.known_but_absent()
        if absent:
            r = self.shim('install', absent)
            self.assertEqual(r.returncode, 100)
            self.assertIn('package %s is not installed on this host' % absent,
                          r.stderr)

    def test_a_local_deb_goes_to_dpkg(self):
        with tempfile.NamedTemporaryFile(suffix='.deb') as deb:
            r = self.shim('install', '-y', deb.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('-i %s' % deb.name, r.stdout)
        self.assertEqual(self.shim('update').returncode, 0)

    def test_shims_pass_shellcheck(self):
        import shutil
        if shutil.which('shellcheck') is None:
            self.skipTest('shellcheck is not installed')
        shims = os.path.dirname(self.SHIM)
        r = subprocess.run(['shellcheck'] + [os.path.join(shims, n) for n in
                                             sorted(os.listdir(shims))],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)

    @staticmethod
    def known_but_absent():
        names = subprocess.run(['apt-cache', 'pkgnames', 'lib'],
                               capture_output=True, text=True).stdout.split()
        for name in sorted(names)[:400]:
            q = subprocess.run(['dpkg-query', '-W', '-f=${Status}', name],
                               capture_output=True, text=True)
            if 'install ok installed' not in q.stdout:
                return name
        return None


if __name__ == '__main__':
    unittest.main(verbosity=2)
