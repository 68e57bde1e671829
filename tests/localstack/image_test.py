#!/usr/bin/python3
"""Nodes booted from a fresh Debian image root (`localstack create --image`).

usage: image_test.py smoke RELEASE           templates/image.yaml on the root
       image_test.py mnist DMLC RELEASE      samples/mnist.dml on the root
  RELEASE: debian12 or debian13. The root is made with `localstack root
  RELEASE` when it is not in its cache yet (/var/cache/dml/roots; the
  environment's DML_ROOTS_DIR, DML_APT_CACHE choose other caches, e.g. empty
  ones for a cold run).

smoke: one node checks, in its boot script, that it runs on the image's root
  with a node's /proc, /dev, /sys, without the apt-get shim, that real apt
  installs a package through localstack's proxy and that the proxy refuses
  other hosts; CREATE_COMPLETE; the host has no namespace, mount, process or
  run directory of the run left (leak_test's snapshot).
mnist: the sample with its real boot path on the fresh image: the master's
  apt installs the build packages, builds dmlrun from this checkout's HEAD
  and serves it to the worker, whose apt installs its run-time libraries;
  CREATE_COMPLETE with the accuracy in job_result, every node powered off.
  Reports the seconds each phase took.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import leak_test  # noqa: E402
import localstack_run as ls  # noqa: E402

RELEASES = {'debian12': 'bookworm', 'debian13': 'trixie'}


def make_root(release):
    """The root's directory; made (and timed) when it is not cached."""
    roots = os.environ.get('DML_ROOTS_DIR', '/var/cache/dml/roots')
    path = os.path.join(roots, release + '-genericcloud')
    if subprocess.run(['which', 'debootstrap'], capture_output=True).returncode != 0:
        ls.skip('debootstrap is not installed (scripts/setup.sh --with-tests)')
    started = time.monotonic()
    proc = subprocess.run([ls.LOCALSTACK, 'root', release, path])
    ls.check(proc.returncode == 0, 'localstack root %s made or found %s' % (release, path))
    print('report: root %s ready after %.0f s' % (release, time.monotonic() - started))
    return path


def cache_args():
    cache = os.environ.get('DML_APT_CACHE')
    return ['--apt-cache', cache] if cache else []


def smoke(release):
    ls.skip_unless_possible()
    root = make_root(release)
    work = '/tmp/dmlls-test-image-%d' % os.getpid()
    before = leak_test.snapshot()
    rc, stack = ls.create(os.path.join(ls.HERE, 'templates', 'image.yaml'),
                          ['--parameter', 'release=' + RELEASES[release],
                           '--image', 'fresh=' + root] + cache_args(), work, timeout=600)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    ls.check(json.loads(ls.output(stack, 'data')) == {'a': 'all checks passed'},
             'the node found its image root, its apt and the proxy as expected', stack)
    ls.check(any('apt proxy: ' in n for n in stack['notes']), 'the proxy reported', stack)
    # Only this run's: other localstack runs may come and go on a shared machine.
    after = leak_test.snapshot()
    mine = re.compile(re.escape(stack['run']) + '(?![0-9])')
    for key in before:
        left = sorted(str(x) for x in after[key] - before[key] if mine.search(str(x)))
        ls.check(not left, 'after the image run: no %s of %s left (%s)'
                 % (key, stack['run'], left[:5]))
    subprocess.run(['rm', '-rf', work])


def image_names(template):
    """The defaults of the template's Glance image parameters."""
    text = open(template).read()
    return sorted(set(re.findall(r'default: (\S+)\n\s+constraints:\n\s+- custom_constraint: '
                                 r'glance\.image', text)))


def mnist(dmlc, release):
    ls.skip_unless_possible()
    root = make_root(release)
    work = '/tmp/dmlls-test-image-mnist-%d' % os.getpid()
    edits = [(r'chameleon\.debian12', 'chameleon.' + release)] if release != 'debian12' else []
    template = ls.compile_dml(dmlc, os.path.join(ls.ROOT, 'samples', 'mnist.dml'), work, edits)
    names = image_names(template)
    ls.check(bool(names), 'the template names its images: %s' % names)
    args = ['--parameter', 'key_name=localstack-test', '--parameter', 'workers=1']
    for name in names:
        args += ['--image', '%s=%s' % (name, root)]
    rc, stack = ls.create(template, args + cache_args(), work, timeout=3000)
    for e in stack.get('events', []):
        if e['text'].startswith(('dml: step: ', 'training: ', 'done: ')):
            print('report: %7.1f s %-20s %s' % (e['seconds'], e['source'], e['text']))
    for note in stack.get('notes', []):
        print('report: ' + note)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    result = json.loads(ls.output(stack, 'job_result') or '{}')
    acc = re.search(r'done: test acc ([0-9.]+)', result.get('node-0', ''))
    ls.check(acc is not None and float(acc.group(1)) >= 0.85,
             'job_result has the test accuracy: %s' % (acc and acc.group(1)), stack)
    ls.check(all(n['powered_off'] for n in stack['nodes']), 'every node powered itself off',
             stack)
    master = ls.console(stack, stack['nodes'][0]['name'])
    ls.check('localstack: apt-get shim' not in master and 'Unpacking libtorch' in master,
             "the master's real apt installed LibTorch", stack)
    subprocess.run(['rm', '-rf', work])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'smoke' and sys.argv[2] in RELEASES:
        return smoke(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == 'mnist' and sys.argv[3] in RELEASES:
        return mnist(sys.argv[2], sys.argv[3])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
