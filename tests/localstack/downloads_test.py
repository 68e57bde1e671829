#!/usr/bin/python3
"""A node clones https://git.example.org/team/code.git (served by --git from a
local repository) and fetches https://data.example.org/sets/blob.txt (served
by --file over HTTPS with a throwaway CA that only the node trusts); the
wait condition's data carries both contents.

usage: downloads_test.py    (exits 77 without root or namespaces)
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402


def main():
    ls.skip_unless_possible()
    work = '/tmp/dmlls-test-downloads-%d' % os.getpid()
    repo = os.path.join(work, 'repo')
    os.makedirs(repo)
    with open(os.path.join(repo, 'README'), 'w') as f:
        f.write('from-git\n')
    for cmd in (['init', '-q'], ['add', 'README'],
                ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x']):
        subprocess.run(['git', '-C', repo] + cmd, check=True)
    blob = os.path.join(work, 'blob.txt')
    with open(blob, 'w') as f:
        f.write('from-https\n')
    template = os.path.join(ls.HERE, 'templates', 'downloads.yaml')
    rc, stack = ls.create(template, [
        '--git', 'https://git.example.org/team/code.git=' + repo,
        '--file', 'https://data.example.org/sets/blob.txt=' + blob], work,
        timeout=120)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE', stack)
    data = json.loads(ls.output(stack, 'data'))
    ls.check(data == {'dl': 'from-git from-https'},
             'the node got both downloads: %s' % data, stack)
    subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
