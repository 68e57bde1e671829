#!/usr/bin/python3
"""samples/mnist.dml deployed through localstack, the real boot path.

usage: mnist_test.py DMLC [WORKERS] [MIN_ACCURACY]

dmlc compiles the sample; localstack creates the stack (WORKERS workers,
default 1): every node runs its boot script (the runtime from git, built on
the node), trains, signals the wait condition and powers off. Checks:
CREATE_COMPLETE; job_result holds the final test accuracy of the 10 epochs
(at least MIN_ACCURACY, default 0.85); every node powered itself off; each
node's NIC is on the private subnet (names differ between master and
workers) and tens of MB of the ranks' traffic crossed it. Reports, not
asserts, the seconds from create to the first training step.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

MIN_NIC_BYTES = 10 * 1000 * 1000


def main():
    dmlc = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    min_acc = float(sys.argv[3]) if len(sys.argv) > 3 else 0.85
    ls.skip_unless_possible()
    work = '/tmp/dmlls-test-mnist-%d' % os.getpid()
    template = ls.compile_dml(dmlc, os.path.join(ls.ROOT, 'samples',
                                                 'mnist.dml'), work)
    rc, stack = ls.create(template, [
        '--parameter', 'key_name=localstack-test',
        '--parameter', 'workers=%d' % workers], work, timeout=2400)

    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    result = json.loads(ls.output(stack, 'job_result') or '{}')
    ls.check(sorted(result) == ['node-%d' % i for i in range(workers + 1)],
             'job_result has every node: %s' % sorted(result), stack)
    acc = re.search(r'done: test acc ([0-9.]+)', result.get('node-0', ''))
    ls.check(acc is not None, "job_result's node-0 has dmlrun's result", stack)
    ls.check(float(acc.group(1)) >= min_acc, 'test accuracy %s >= %s'
             % (acc.group(1), min_acc), stack)
    ls.check(all(n['powered_off'] for n in stack['nodes']),
             'every node powered itself off', stack)

    nics = {}
    for n in stack['nodes']:
        text = ls.console(stack, n['name'])
        booted = re.search(r'localstack: node \S+ booted: (\S+) ([0-9.]+)/',
                           text)
        ls.check(booted is not None, '%s booted with a NIC' % n['name'])
        nic, addr = booted.groups()
        nics[n['name']] = nic
        ls.check(addr.startswith('10.8.1.'), '%s: %s %s is on the private '
                 'subnet 10.8.1.0/24' % (n['name'], nic, addr))
        # The ranks' traffic crossed the private network: the gradients of
        # 10 epochs are tens of MB through each node's NIC.
        sent = n['nics'][0]['tx_bytes'] or 0
        ls.check(sent > MIN_NIC_BYTES, '%s sent %d bytes through %s'
                 % (n['name'], sent, nic))
    ls.check(len(set(nics.values())) > 1 or workers == 0,
             'NIC names differ between groups: %s' % nics)

    # Only rank 0 logs "training:"; every rank's first step is a collective
    # with it, so all nodes' first step is that moment.
    first = [n['first_training_s'] for n in stack['nodes']
             if n['first_training_s'] is not None]
    for n in stack['nodes']:
        print('report: %s: first training step %s s after create'
              % (n['name'], first[0] if first else '(not logged)'))
    ls.subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
