"""Helpers for tests that deploy through scripts/localstack.

    import localstack_run as ls
    ls.skip_unless_possible()               # exit 77 with the reason
    template = ls.compile_dml(dmlc, 'samples/mnist.dml', workdir)
    rc, stack = ls.create(template, ['--parameter', 'workers=1'], workdir)
    ls.check(stack['stack_status'] == 'CREATE_COMPLETE', 'status', stack)

`create` runs `scripts/localstack create TEMPLATE --json --log-dir ...` and
returns its exit status and its JSON (what `openstack stack show` shows, plus
events and nodes); the event lines go to stderr, so CTest shows them.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOCALSTACK = os.path.join(ROOT, 'scripts', 'localstack')
SKIP = 77


def skip(reason):
    print('skipped: ' + reason)
    sys.exit(SKIP)


def skip_unless_possible():
    """Root, network/mount/PID namespaces, overlayfs, nftables, Heat."""
    if os.geteuid() != 0:
        skip('localstack needs root')
    for tool in ('ip', 'unshare', 'nft', 'openssl', 'git'):
        if shutil.which(tool) is None:
            skip('%s is not installed (scripts/setup.sh --with-tests)' % tool)
    if subprocess.run(['/usr/bin/python3', '-c', 'import heat'],
                      capture_output=True).returncode != 0:
        skip('python3-heat is not installed')
    if 'overlay' not in open('/proc/filesystems').read():
        skip('the kernel has no overlayfs')
    probe = 'dmlls-probe-%d' % os.getpid()
    made = subprocess.run(['ip', 'netns', 'add', probe], capture_output=True)
    if made.returncode != 0:
        skip('cannot create a network namespace: %s'
             % made.stderr.decode().strip())
    try:
        ok = subprocess.run(
            ['ip', 'netns', 'exec', probe, 'unshare', '--mount', '--uts',
             '--ipc', '--pid', '--fork', 'nft', 'list', 'ruleset'],
            capture_output=True)
        if ok.returncode != 0:
            skip('cannot use mount/PID namespaces or nftables: %s'
                 % ok.stderr.decode().strip())
    finally:
        subprocess.run(['ip', 'netns', 'del', probe], capture_output=True)


def check(condition, what, stack=None):
    if condition:
        print('ok: ' + what)
        return
    print('FAILED: ' + what)
    if stack is not None:
        print(json.dumps({k: v for k, v in stack.items() if k != 'events'},
                         indent=2))
    sys.exit(1)


def compile_dml(dmlc, dml, workdir, edits=()):
    """dmlc build DML (after EDITS: (regex, replacement) on its text)."""
    os.makedirs(workdir, exist_ok=True)
    text = open(dml).read()
    for pattern, repl in edits:
        text, n = re.subn(pattern, repl, text)
        check(n > 0, 'edit %r applies to %s' % (pattern, dml))
    source = os.path.join(workdir, os.path.basename(dml))
    with open(source, 'w') as f:
        f.write(text)
    out = os.path.join(workdir, 'out')
    subprocess.run([os.path.abspath(dmlc), 'build', source, '-o', out],
                   check=True)
    templates = [f for f in os.listdir(out) if f.endswith('.heat.yaml')]
    check(len(templates) == 1, 'dmlc wrote one template: %s' % templates)
    return os.path.join(out, templates[0])


def create(template, args, workdir, timeout=1800):
    """(exit status, JSON result) of `localstack create`."""
    log_dir = os.path.join(workdir, 'logs')
    cmd = [LOCALSTACK, 'create', template, '--json', '--log-dir', log_dir,
           '--timeout', str(timeout)] + list(args)
    print('+ ' + ' '.join(cmd), flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, timeout=timeout + 120)
    print('localstack ran %.0f s, exit status %d'
          % (time.monotonic() - started, proc.returncode), flush=True)
    try:
        stack = json.loads(proc.stdout)
    except ValueError:
        print(proc.stdout.decode('utf-8', 'replace'))
        check(False, 'localstack printed JSON')
    return proc.returncode, stack


def output(stack, key):
    for o in stack['outputs']:
        if o['output_key'] == key:
            return o.get('output_value')
    return None


def console(stack, node):
    for n in stack.get('nodes', []):
        if n['name'] == node:
            with open(os.path.join(n['log_dir'], 'console.log'), 'rb') as f:
                return f.read().decode('utf-8', 'replace')
    return ''


DEB_URL = 'https://dml.example.org/dmlrun.deb'


def deb_runtime(dmlc, workdir):
    """`runtime { source = deb }` from this build: (edits for compile_dml,
    args for create). scripts/package.sh packages the build's dmlrun (a few
    seconds: it is built already); localstack serves it at DEB_URL, so the
    master downloads it as from a release page and serves the workers."""
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(dmlc))))
    out = os.path.join(workdir, 'debs')
    proc = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'package.sh'), '--build-dir', build,
                           '--out', out, '--runtime-only'], capture_output=True, text=True)
    check(proc.returncode == 0, 'scripts/package.sh made the runtime package\n' + proc.stdout + proc.stderr)
    deb = [f for f in os.listdir(out) if f.startswith('dmlrun_') and f.endswith('.deb')][0]
    sha = subprocess.run(['sha256sum', os.path.join(out, deb)], capture_output=True,
                         text=True, check=True).stdout.split()[0]
    block = '  runtime { source = deb, url = "%s", sha256 = "%s" }\n' % (DEB_URL, sha)
    return ([(r'(\n  key_pair = key_name\n)', r'\1' + block)],
            ['--file', '%s=%s' % (DEB_URL, os.path.join(out, deb))])


def edit_template(path, pattern, repl, count=1, after=None):
    """In the file PATH, replace the COUNT-th match of PATTERN (1-based) found
    after the text AFTER with REPL (a re template, or a function of the match)."""
    text = open(path).read()
    start = text.index(after) if after else 0
    head, tail = text[:start], text[start:]
    matches = list(re.finditer(pattern, tail))
    check(len(matches) >= count, 'the template has %r' % pattern)
    m = matches[count - 1]
    new = m.expand(repl) if isinstance(repl, str) else repl(m)
    with open(path, 'w') as f:
        f.write(head + tail[:m.start()] + new + tail[m.end():])


def default_image(template):
    """The default of the template's `image` parameter."""
    return re.search(r'\n  image:\n(?:.*\n)*?    default: (\S+)', open(template).read()).group(1).strip('"')


def run_case(cases, prefix):
    """A test script's main: `SCRIPT DMLC CASE` runs cases[CASE](dmlc, work)
    in a fresh directory WORK, removed afterwards."""
    dmlc, case = sys.argv[1], sys.argv[2]
    skip_unless_possible()
    work = tempfile.mkdtemp(prefix='%s-%s-' % (prefix, case))
    try:
        cases[case](dmlc, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
