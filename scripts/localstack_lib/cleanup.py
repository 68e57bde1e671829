"""Removing all a run made: its namespaces (with their processes, veths,
bridges and node mounts, which live and die in them) and its run directory.

Everything a run makes is named <prefix>-... with prefix dmlls-<pid>, and its
run directory is /tmp/<prefix>; `localstack destroy PREFIX` removes what a
--keep run (or a killed one) left, found by that name alone.
"""
import os
import re
import shutil
import subprocess

from . import network

PREFIX_RE = re.compile(r'^dmlls-[0-9]+$')
RUN_ROOT = '/tmp'


def run_dir(prefix):
    return os.path.join(RUN_ROOT, prefix)


def namespaces(prefix):
    proc = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                          text=True)
    names = [line.split()[0] for line in proc.stdout.splitlines() if line]
    mine = [n for n in names if n.startswith(prefix + '-')]
    # Nodes before the cloud side: their veths go with them.
    return sorted(mine, key=lambda n: n.endswith('-cloud'))


def owner_alive(prefix):
    """Is the localstack that made PREFIX still running (not --keep)?"""
    pid = prefix.split('-', 1)[1]
    try:
        cmd = open('/proc/%s/cmdline' % pid, 'rb').read()
    except OSError:
        return False
    return b'localstack' in cmd


def destroy(prefix, force=False):
    """Remove PREFIX's namespaces and run directory; returns what it removed."""
    if not PREFIX_RE.match(prefix):
        raise ValueError('%r is not a localstack run name (dmlls-<pid>)'
                         % prefix)
    if not force and owner_alive(prefix):
        raise ValueError('%s is still running (process %s); stop it with '
                         'Ctrl-C or kill %s, which removes everything'
                         % (prefix, prefix.split('-', 1)[1],
                            prefix.split('-', 1)[1]))
    removed = []
    for ns in namespaces(prefix):
        network.delete_namespace(ns)
        removed.append('netns ' + ns)
    d = run_dir(prefix)
    if os.path.isdir(d):
        shutil.rmtree(d, ignore_errors=True)
        removed.append('directory ' + d)
    return removed


def running_prefixes():
    """Run names that have namespaces now (for `localstack list`)."""
    proc = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                          text=True)
    found = set()
    for line in proc.stdout.splitlines():
        m = re.match(r'^(dmlls-[0-9]+)-', line)
        if m:
            found.add(m.group(1))
    return sorted(found)
