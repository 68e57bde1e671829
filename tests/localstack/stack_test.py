#!/usr/bin/python3
"""The samples through localstack with the runtime from this build's .deb
(runtime { source = deb }, served at a https URL) or preinstalled in the
image (runtime { source = preinstalled }, an --image-layer holding dmlrun).

usage: stack_test.py DMLC CASE
  mnist-2-workers      samples/mnist.dml, workers=2: CREATE_COMPLETE, the
                       test accuracy in job_result (>= 0.85 after its 10
                       epochs), every node powered off, every rank on the
                       private subnet (dmlrun's log names its NIC and address);
                       rank 0 logs Gloo's halving-doubling between the 3 nodes
  mnist-master-2-procs the same with 2 ranks on the master, workers=1: the
                       hierarchical exchange over nodes of 2 and 1 ranks
  mnist-2x2-hierarchical  2 ranks on the master and on its 1 worker: rank 0
                       logs the hierarchical gradient exchange (2 nodes x 2 ranks)
  preinstalled         workers=1, dmlrun already in the image: no install
  repo-job             samples/repo_job.dml, its repository mapped to
                       samples/repo_job/: torch.distributed over Gloo on
                       every node, what train.py printed in job_result
  bad-requirement      the repository's requirements.txt names a package
                       that cannot be installed: CREATE_FAILED naming the
                       node, the step and pip's error
  killed-worker        the worker crashes (every process killed) after the
                       rendezvous: the master's dmlrun stops within 10 s,
                       naming the dead rank, and the stack fails with it
  killed-worker-2x2    the same with 2 ranks per node (the hierarchical exchange)
  dataset-sha256       the master's copy of the dataset's digest differs:
                       CREATE_FAILED naming the file
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

MNIST = os.path.join(ls.ROOT, 'samples', 'mnist.dml')
REPO_JOB = os.path.join(ls.ROOT, 'samples', 'repo_job.dml')
REPO_URL = 'https://github.com/example-lab/mnist-lightning.git'
IMAGE = 'debian-12-genericcloud-amd64'
HEARTBEAT_BOUND_S = 10
RANK_LINE = re.compile(r'dmlrun: rank (\d+) on node (\d+): interface (\S+) \(([0-9.]+)\), chosen by subnet (\S+)')


def create(template, params, work, extra=(), timeout=900):
    args = []
    for key, value in params.items():
        args += ['--parameter', '%s=%s' % (key, value)]
    return ls.create(template, args + list(extra), work, timeout=timeout)


def job_result(stack):
    return json.loads(ls.output(stack, 'job_result') or '{}')


def check_complete(stack, rc, nodes):
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    result = job_result(stack)
    ls.check(sorted(result) == sorted('node-%d' % i for i in range(nodes)),
             'job_result has every node: %s' % sorted(result), stack)
    ls.check(all(n['powered_off'] for n in stack['nodes']), 'every node powered itself off', stack)
    return result


def check_private_ranks(stack, ranks):
    """Each rank's log line names a NIC on the private subnet, not loopback."""
    seen = {}
    for n in stack['nodes']:
        for rank, node, nic, addr, subnet in RANK_LINE.findall(ls.console(stack, n['name'])):
            seen[int(rank)] = (n['name'], nic, addr)
            ls.check(addr.startswith('10.8.1.') and subnet == '10.8.1.0/24' and nic != 'lo',
                     'rank %s on %s talks over %s %s in %s' % (rank, n['name'], nic, addr, subnet))
    ls.check(sorted(seen) == list(range(ranks)), 'every rank named its interface: %s' % seen)
    return seen


def accuracy(result, minimum=0.85):
    acc = re.search(r'done: test accuracy ([0-9.]+)', result.get('node-0', ''))
    ls.check(acc is not None, "job_result's node-0 has dmlrun's result: %s" % result.get('node-0', '')[-300:])
    ls.check(float(acc.group(1)) >= minimum, 'test accuracy %s >= %s' % (acc.group(1), minimum))


def report_first_step(stack):
    first = [n['first_training_s'] for n in stack['nodes'] if n.get('first_training_s') is not None]
    print('report: first training step %s s after create' % (first[0] if first else '(not logged)'))


def mnist(dmlc, work, workers, master_procs=1, worker_procs=1, exchange=None):
    edits, args = ls.deb_runtime(dmlc, work)
    if master_procs != 1:
        edits.append((r'(master \{[^}]*procs = )1', r'\g<1>%d' % master_procs))
    if worker_procs != 1:
        edits.append((r'(workers \{[^}]*procs = )1', r'\g<1>%d' % worker_procs))
    template = ls.compile_dml(dmlc, MNIST, work, edits)
    rc, stack = create(template, {'key_name': 'k', 'workers': workers}, work, args)
    result = check_complete(stack, rc, workers + 1)
    accuracy(result)
    ranks = check_private_ranks(stack, master_procs + workers * worker_procs)
    if exchange is not None:
        logs = ''.join(ls.console(stack, n['name']) for n in stack['nodes'])
        ls.check('gradient exchange: ' + exchange in logs, 'rank 0 logged the gradient exchange: ' + exchange)
    nics = {nic for _, nic, _ in ranks.values()}
    ls.check(len(nics) > 1, 'NIC names differ between master and workers: %s' % nics)
    report_first_step(stack)


def preinstalled(dmlc, work):
    _, args = ls.deb_runtime(dmlc, work)
    deb = args[1].split('=', 1)[1]
    layer = os.path.join(work, 'image')
    subprocess.run(['dpkg-deb', '-x', deb, layer], check=True)
    template = ls.compile_dml(dmlc, MNIST, work, [
        (r'(\n  key_pair = key_name\n)', r'\1  runtime { source = preinstalled }\n')])
    rc, stack = create(template, {'key_name': 'k', 'workers': 1}, work,
                       ['--image-layer', '%s=%s' % (ls.default_image(template), layer)])
    result = check_complete(stack, rc, 2)
    accuracy(result)
    version = re.search(r'dml_plan: (\d+)', open(template).read()).group(1)  # the plan's, as the nodes check it
    for n in stack['nodes']:
        text = ls.console(stack, n['name'])
        ls.check('reads plan version(s) %s' % version in text, '%s checked the image\'s dmlrun' % n['name'])
        ls.check('dml-runtime' not in text and 'git clone' not in text, '%s installed no runtime' % n['name'])
    check_private_ranks(stack, 2)


def sample_repository(work, requirements=None):
    """samples/repo_job/ as a git repository with a `main` branch."""
    repo = os.path.join(work, 'repo')
    shutil.copytree(os.path.join(ls.ROOT, 'samples', 'repo_job'), repo)
    if requirements is not None:
        with open(os.path.join(repo, 'requirements.txt'), 'w') as f:
            f.write(requirements)
    git = ['git', '-C', repo, '-c', 'user.name=test', '-c', 'user.email=test@localhost']
    subprocess.run(git[:3] + ['init', '-q', '-b', 'main'], check=True)
    subprocess.run(git + ['add', '.'], check=True)
    subprocess.run(git + ['commit', '-q', '-m', 'sample'], check=True)
    return repo


def repo_job(dmlc, work, requirements=None):
    edits, args = ls.deb_runtime(dmlc, work)
    template = ls.compile_dml(dmlc, REPO_JOB, work, edits)
    repo = sample_repository(work, requirements)
    return create(template, {'key_name': 'k', 'workers': 1}, work, args + ['--git', '%s=%s' % (REPO_URL, repo)])


def repo_job_ok(dmlc, work):
    rc, stack = repo_job(dmlc, work)
    result = check_complete(stack, rc, 2)
    ls.check(re.search(r'test accuracy 0\.[0-9]+ after 10 epochs on 2 ranks', result.get('node-0', '')) is not None,
             "job_result carries what train.py printed: %s" % result.get('node-0', '')[-400:], stack)
    for n in stack['nodes']:
        ls.check(re.search(r'rank \d/2 on %s via (ens3|eth0)' % re.escape(n['name']), ls.console(stack, n['name']))
                 is not None, '%s ran train.py with its private NIC' % n['name'])


def bad_requirement(dmlc, work):
    rc, stack = repo_job(dmlc, work, requirements='torch\ndmlls-no-such-requirement==1.0\n')
    reason = stack['stack_status_reason']
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED', stack)
    ls.check(re.search(r'node \d \((master|workers)\): dmlrun exited', reason) is not None,
             'the reason names the node: ' + reason, stack)
    data = ls.output(stack, 'job_result') or ''
    ls.check('requirements.txt' in data and 'dmlls-no-such-requirement' in data,
             "the data has the failed step and pip's error: " + data[-600:], stack)


KILLED_WORKER_EPOCHS = 200  # ~50 s of training: the crash lands in it, however fast a step gets


def killed_worker(dmlc, work, procs=1):
    edits, args = ls.deb_runtime(dmlc, work)
    if procs != 1:  # the hierarchical exchange: the worker's ranks are 2 and 3
        edits += [(r'(%s \{[^}]*procs = )1' % group, r'\g<1>%d' % procs) for group in ('master', 'workers')]
    dead = r'rank 1\b' if procs == 1 else r'rank [%d-%d]\b' % (procs, 2 * procs - 1)
    # Long enough that the crash, 3 s after the rank joined, always comes mid-training: the sample's
    # 10 epochs take about 3 s across two nodes now.
    edits.append((r'epochs = 10\b', 'epochs = %d' % KILLED_WORKER_EPOCHS))
    template = ls.compile_dml(dmlc, MNIST, work, edits)
    # The worker crashes once its rank has joined: every process of the node
    # killed, so the node itself never reports (as a VM that dies).
    crash = ("( while ! grep -qs 'chosen by subnet' \"$DML_LOG_DIR/dmlrun.log\"; do sleep 0.2; done; sleep 3; "
             "kill -KILL -1 ) &\n")
    ls.edit_template(template, r"\n( *)dml_step 'running the job'\n", lambda m: '\n%s%s%sdml_step \'running the job\'\n' % (
        m.group(1), crash.replace('\n', '\n' + m.group(1)).rstrip(' '), m.group(1)), after='workers_group:')
    rc, stack = create(template, {'key_name': 'k', 'workers': 1}, work, args)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED', stack)
    reason = stack['stack_status_reason']
    ls.check('node 0 (master)' in reason, 'the master reported the failure: ' + reason, stack)
    data = job_result(stack).get('node-0', '')
    ls.check(re.search(dead, data) is not None, "the master's log names a worker's rank: " + data[-600:], stack)
    events = stack['events']
    crashed = [e['seconds'] for e in events if e['source'].startswith('mnist-workers')
               and 'user data exited with status -9' in e['text']]
    signal = [e['seconds'] for e in events if e['source'] == 'heat' and 'status:FAILURE' in e['text']]
    ls.check(crashed and signal, 'the crash and the signal are events', stack)
    ls.check(signal[0] - crashed[0] <= HEARTBEAT_BOUND_S, 'the master stopped %.1f s after the crash (<= %d s)'
             % (signal[0] - crashed[0], HEARTBEAT_BOUND_S), stack)


def dataset_sha256(dmlc, work):
    edits, args = ls.deb_runtime(dmlc, work)
    template = ls.compile_dml(dmlc, MNIST, work, edits)
    ls.edit_template(template, r"(dml_check_sha256 '[^']*train-labels-idx1-ubyte\.gz' ')0", r'\g<1>f')
    rc, stack = create(template, {'key_name': 'k', 'workers': 1}, work, args)
    reason = stack['stack_status_reason']
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED', stack)
    ls.check('node 0 (master): boot script failed while checking the dataset files' in reason and
             'the dataset file /usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz has sha256' in reason,
             'the reason names the node, the step and the file: ' + reason, stack)


CASES = {
    'mnist-2-workers': lambda d, w: mnist(d, w, 2, exchange='Gloo halving-doubling between 3 nodes (one rank each)'),
    'mnist-master-2-procs': lambda d, w: mnist(d, w, 1, master_procs=2, exchange='hierarchical (2 nodes (2, 1 ranks)'),
    'mnist-2x2-hierarchical': lambda d, w: mnist(d, w, 1, master_procs=2, worker_procs=2,
                                                 exchange='hierarchical (2 nodes x 2 ranks'),
    'preinstalled': preinstalled,
    'repo-job': repo_job_ok,
    'bad-requirement': bad_requirement,
    'killed-worker': killed_worker,
    'killed-worker-2x2': lambda d, w: killed_worker(d, w, procs=2),
    'dataset-sha256': dataset_sha256,
}


if __name__ == '__main__':
    ls.run_case(CASES, 'dmlls-test')
