#!/usr/bin/python3
"""localstack leaves nothing behind: after a run that succeeds, one that
fails, and one interrupted with SIGINT (and one with SIGTERM) while its nodes
run, the host has the same network namespaces, namespaces of any kind held by
localstack's processes, mounts and processes as before, and no run directory;
nor does a run whose options are refused before it starts.
The test also checks that the runs did make namespaces and processes, so that
it can fail.

usage: leak_test.py    (exits 77 without root or namespaces)
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

TEMPLATE = os.path.join(ls.HERE, 'templates', 'leak.yaml')
WORK = '/tmp/dmlls-test-leak-%d' % os.getpid()
OURS = re.compile(r'dmlls-[0-9]+|node_init\.py')


def ours(text):
    return OURS.search(text) and 'dmlls-test-' not in text


def processes():
    found = set()
    for pid in os.listdir('/proc'):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = open('/proc/%s/cmdline' % pid, 'rb').read().replace(
                b'\0', b' ').decode('utf-8', 'replace')
        except OSError:
            continue
        if ours(cmd):
            found.add((int(pid), cmd.strip()))
    return found


def snapshot():
    netns = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                           text=True).stdout.split('\n')
    lsns = subprocess.run(['lsns', '-n', '-o', 'NS,TYPE,COMMAND'],
                          capture_output=True, text=True).stdout.splitlines()
    mounts = set()
    for line in open('/proc/self/mountinfo'):
        f = line.split()
        target, fstype, source = f[4], f[f.index('-') + 1], f[f.index('-') + 2]
        # Other users' `ip netns add` mounts come and go; localstack's are named.
        if target.startswith('/run/netns/') and not ours(target):
            continue
        mounts.add((target, fstype, source))
    return {
        'network namespaces': {n.split()[0] for n in netns if n and ours(n)},
        'namespaces held by localstack': {l for l in lsns if ours(l)},
        'mounts': mounts,
        'processes': processes(),
        'run directories': {d for d in os.listdir('/tmp') if ours(d)},
    }


def same_as(before, when):
    after = snapshot()
    for key in before:
        extra = after[key] - before[key]
        ls.check(not extra, '%s: no %s left (%s)' % (when, key,
                                                      sorted(extra)[:5]))


def run_and_signal(signum):
    """Start a hanging stack, see its nodes run, then send SIGNUM."""
    cmd = [ls.LOCALSTACK, 'create', TEMPLATE, '--parameter', 'mode=hang',
           '--log-dir', os.path.join(WORK, 'logs-sig%d' % signum), '--json']
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    prefix = 'dmlls-%d' % proc.pid
    deadline = time.monotonic() + 60
    seen = set()
    while time.monotonic() < deadline and len(seen) < 3:
        out = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                             text=True).stdout
        seen = {n.split()[0] for n in out.splitlines()
                if n.startswith(prefix + '-')}
        time.sleep(0.5)
    ls.check(len(seen) == 3, 'signal %d: the run made its namespaces %s'
             % (signum, sorted(seen)))
    time.sleep(3)  # the nodes boot and start their sleeps
    ls.check(any('sleep 600' in c for _, c in processes()) or
             any(prefix in c for _, c in processes()),
             'signal %d: the run has processes' % signum)
    refused = subprocess.run([ls.LOCALSTACK, 'destroy', prefix],
                             capture_output=True, text=True)
    ls.check(refused.returncode == 1 and 'still running' in refused.stderr,
             'signal %d: destroy refuses a run that is still going' % signum)
    proc.send_signal(signum)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        ls.check(False, 'localstack ended within 60 s of signal %d' % signum)
    ls.check(proc.returncode != 0, 'signal %d: exit status %d is a failure'
             % (signum, proc.returncode))


def main():
    ls.skip_unless_possible()
    os.makedirs(WORK, exist_ok=True)
    before = snapshot()

    rc, stack = ls.create(TEMPLATE, ['--parameter', 'mode=success'],
                          os.path.join(WORK, 'success'), timeout=120)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'mode=success: CREATE_COMPLETE', stack)
    ls.check(all(n['powered_off'] for n in stack['nodes']),
             'mode=success: both nodes powered off', stack)
    same_as(before, 'after a successful run')

    rc, stack = ls.create(TEMPLATE, ['--parameter', 'mode=failure'],
                          os.path.join(WORK, 'failure'), timeout=120)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED',
             'mode=failure: CREATE_FAILED', stack)
    ls.check(stack['stack_status_reason'] ==
             'Resource CREATE failed: WaitConditionFailure: '
             'resources.wait: node a: asked to fail',
             "mode=failure: Heat's reason with the node's", stack)
    same_as(before, 'after a failed run')

    for bad in (['--file', 'no-equals-sign'], ['--image-layer', 'img=/nonexistent'],
                ['--upload', 'https://files.example.org/x']):
        refused = subprocess.run([ls.LOCALSTACK, 'create', TEMPLATE] + bad, capture_output=True, text=True)
        ls.check(refused.returncode != 0 and 'localstack:' in refused.stderr,
                 'option %s is refused: %s' % (bad[0], refused.stderr.strip()[-200:]))
    same_as(before, 'after refused options')

    run_and_signal(signal.SIGINT)
    same_as(before, 'after SIGINT')
    run_and_signal(signal.SIGTERM)
    same_as(before, 'after SIGTERM')
    subprocess.run(['rm', '-rf', WORK])


if __name__ == '__main__':
    main()
