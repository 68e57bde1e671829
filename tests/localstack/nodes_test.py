#!/usr/bin/python3
"""Nodes as a cloud's: templates/security_groups.yaml, 1 server + 2 group
members. Server a checks its own environment (the cloud-init PATH and HOME,
no variable of the caller's, its host name, NIC ens3, route, PID 1, the apt
shim) and signals FAILURE on any miss; each member reaches a's port 7000
(allowed to the group's members) but not 7001 (no rule: dropped, a
timeout), and does not see the file a wrote in /etc; the host does not
either. Every node powers itself off.

usage: nodes_test.py    (exits 77 without root or namespaces)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402


def main():
    ls.skip_unless_possible()
    work = '/tmp/dmlls-test-nodes-%d' % os.getpid()
    os.environ['DMLLS_CALLER_VAR'] = 'must-not-reach-the-nodes'
    template = os.path.join(ls.HERE, 'templates', 'security_groups.yaml')
    rc, stack = ls.create(template, ['--parameter', 'n=2'], work, timeout=180)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    ls.check(json.loads(ls.output(stack, 'result')) ==
             {'a': 'a', 'b-0': 'b 0', 'b-1': 'b 1'}, 'every node signalled',
             stack)
    ls.check(len(ls.output(stack, 'ips')) == 2, "the group's first_address")
    ls.check(all(n['powered_off'] for n in stack['nodes']),
             'every node powered itself off', stack)
    ls.check(not os.path.exists('/etc/marker-a'),
             "a node's /etc is its own, not the host's")
    ls.subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
