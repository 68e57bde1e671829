#!/usr/bin/python3
"""`output { upload = upload_url }` through localstack: samples/mnist.dml
(workers=1, the runtime from this build's .deb) whose master, once the job
has succeeded, PUTs an archive of dmlrun's output directory to a presigned
https URL that localstack's file server takes inside the emulated cloud
(`--upload URL=DIR`: the socket lives in the cloud's network namespace, as
the apt proxy's does; nothing is added to the machine's network). Checks:
CREATE_COMPLETE; the stack's `upload` output names the archive, its size
and sha256, and the received file has exactly those; it holds
mnist-output/model.pt, result.json and metrics.jsonl; Python's
torch.jit.load reads model.pt and reproduces, on Fashion-MNIST's test set, the
test accuracy the job reported in result.json; the URL's signature appears in
no node's console and no output.

usage: upload_test.py DMLC
Exits 77 (skipped) without root or namespaces.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

MNIST = os.path.join(ls.ROOT, 'samples', 'mnist.dml')
SECRET = 'c0ffee5ecret'
UPLOAD_URL = ('https://objects.example.org/v1/AUTH_lab/results/mnist-output.tar.gz'
              '?temp_url_sig=%s&temp_url_expires=1893456000' % SECRET)


# The job's model.pt on the test set, as a user would run it: images scaled
# to [0, 1] in [N, 1, 28, 28]; prints the accuracy.
ACCURACY = r"""
import gzip, sys
import numpy as np, torch
d = '/usr/share/datasets/fashion-mnist/'
x = np.frombuffer(gzip.open(d + 't10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
y = np.frombuffer(gzip.open(d + 't10k-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
model = torch.jit.load(sys.argv[1])
with torch.no_grad():
    predicted = model(torch.from_numpy(x.astype(np.float32) / 255)).argmax(1).numpy()
print(float((predicted == y).mean()))
"""


def main():
    dmlc = sys.argv[1]
    ls.skip_unless_possible()
    work = tempfile.mkdtemp(prefix='dmlls-test-upload-')
    try:
        run(dmlc, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(dmlc, work):
    edits, args = ls.deb_runtime(dmlc, work)
    edits += [(r'(\nparam ssh_from[^\n]*\n)', r'\1param upload_url: url  // a presigned PUT URL\n'),
              (r'(\n  timeouts \{)', r'\n  output { upload = upload_url }\n\1'),
              (r'epochs = 10', 'epochs = 2')]
    template = ls.compile_dml(dmlc, MNIST, work, edits)
    received = os.path.join(work, 'received')
    os.makedirs(received)
    rc, stack = ls.create(template, ['--parameter', 'key_name=k', '--parameter', 'workers=1',
                                     '--parameter', 'upload_url=' + UPLOAD_URL,
                                     '--upload', '%s=%s' % (UPLOAD_URL, received)] + args, work, timeout=900)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    upload = ls.output(stack, 'upload')
    if isinstance(upload, str):
        upload = json.loads(upload)
    ls.check(isinstance(upload, dict) and upload.get('file') == 'mnist-output.tar.gz',
             'the upload output names the archive: %s' % upload, stack)
    path = os.path.join(received, 'mnist-output.tar.gz')
    ls.check(os.path.isfile(path), 'the server received %s' % path, stack)
    data = open(path, 'rb').read()
    ls.check(len(data) == upload['bytes'], 'its size is the output\'s: %d bytes' % len(data))
    ls.check(hashlib.sha256(data).hexdigest() == upload['sha256'], 'its sha256 is the output\'s')
    with tarfile.open(path) as archive:
        names = archive.getnames()
        ls.check({'mnist-output/model.pt', 'mnist-output/result.json', 'mnist-output/metrics.jsonl'} <= set(names),
                 'the archive holds model.pt, result.json, metrics.jsonl: %s' % names)
        archive.extract('mnist-output/model.pt', work)
        reported = json.load(archive.extractfile('mnist-output/result.json'))['test_accuracy']
    model = os.path.join(work, 'mnist-output', 'model.pt')
    loaded = subprocess.run(['/usr/bin/python3', '-c', ACCURACY, model], capture_output=True, text=True)
    ls.check(loaded.returncode == 0, 'model.pt loads with torch.jit.load and runs: %s' % loaded.stderr[-500:])
    accuracy = float(loaded.stdout.strip())
    ls.check(abs(accuracy - reported) <= 0.001,
             'model.pt reproduces the reported test accuracy in Python: %.4f against %.4f' % (accuracy, reported))
    seen = json.dumps(stack.get('outputs')) + ''.join(ls.console(stack, n['name']) for n in stack['nodes'])
    ls.check(SECRET not in seen, 'the URL\'s signature is in no output and no console')


if __name__ == '__main__':
    main()
