#!/usr/bin/python3
"""samples/mnist.dml through localstack, made to fail, in a copy of its template.

usage: failure_test.py DMLC CASE
Both install the runtime from the .deb of this build (runtime { source = deb }).
  unavailable-package  the workers' boot script asks apt for a package that
                       does not exist: CREATE_FAILED within 60 s of that
                       node's failure, the reason naming the node, its boot
                       step and the failed command, and the master (still
                       building) stopped at once.
  closed-port          the security group opens only ports 1-29499 inside
                       the subnet, so the rendezvous port 29500 is closed
                       (rendezvous timeout 30 s): CREATE_FAILED, the reason
                       naming a node, dmlrun's rendezvous error in the data.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

MNIST = os.path.join(ls.ROOT, 'samples', 'mnist.dml')


def wait_reason(stack):
    return stack['stack_status_reason']


def unavailable_package(dmlc, work):
    edits, args = ls.deb_runtime(dmlc, work)
    template = ls.compile_dml(dmlc, MNIST, work, edits)
    ls.edit_template(template, r'"\$DML_DEB" libopenblas0-openmp',
                     r'"$DML_DEB" libopenblas0-openmp dmlls-no-such-package', 1,
                     after='workers_group:')
    rc, stack = ls.create(template, ['--parameter', 'key_name=k',
                                     '--parameter', 'workers=1'] + args, work,
                          timeout=600)
    reason = wait_reason(stack)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED',
             'CREATE_FAILED', stack)
    ls.check(reason.startswith('Resource CREATE failed: WaitConditionFailure: '
                               'resources.wait_condition: node 1 (workers): '
                               'boot script failed while installing the '
                               'dml runtime package'), "Heat's reason names node 1 and "
             'its step: ' + reason, stack)
    ls.check('apt-get' in reason, 'the reason names the command',
             stack)
    data = json.loads(ls.output(stack, 'job_result') or '{}')
    ls.check('E: Unable to locate package dmlls-no-such-package'
             in data.get('node-1', ''), "the data has apt's error", stack)
    events = stack['events']
    failed = [e['seconds'] for e in events if e['source'] == 'heat'
              and 'CREATE_FAILED' in e['text']][0]
    signalled = [e['seconds'] for e in events if e['source'] == 'heat'
                 and 'status:FAILURE' in e['text']][0]
    ls.check(failed - signalled < 60, 'failed %.1f s after the signal'
             % (failed - signalled))
    master = [n for n in stack['nodes'] if n['name'] == 'mnist-master'][0]
    ls.check(any(e['source'] == 'mnist-master' and e['text'] ==
                 'stopped by localstack' for e in events) and
             not master['powered_off'], 'the master was stopped', stack)


def closed_port(dmlc, work):
    edits, args = ls.deb_runtime(dmlc, work)
    template = ls.compile_dml(dmlc, MNIST, work,
                              [(r'rendezvous = 10m', 'rendezvous = 30s')] + edits)
    ls.edit_template(template, r'port_range_max: 65535', 'port_range_max: 29499',
                     1)
    rc, stack = ls.create(template, ['--parameter', 'key_name=k',
                                     '--parameter', 'workers=1'] + args, work,
                          timeout=900)
    reason = wait_reason(stack)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED',
             'CREATE_FAILED', stack)
    ls.check(re.search(r'resources\.wait_condition: node \d \((master|workers)'
                       r'\): dmlrun exited', reason) is not None,
             'the reason names the node: ' + reason, stack)
    data = ls.output(stack, 'job_result') or ''
    ls.check(re.search('rendezvous', data, re.I) is not None,
             "the data has dmlrun's rendezvous error", stack)


def main():
    dmlc, case = sys.argv[1], sys.argv[2]
    ls.skip_unless_possible()
    work = '/tmp/dmlls-test-%s-%d' % (case, os.getpid())
    {'unavailable-package': unavailable_package,
     'closed-port': closed_port}[case](dmlc, work)
    ls.subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
