#!/usr/bin/python3
"""Downloads and the upload on a stack, the boot scripts' side: a template
with one download (train.downloads) and `output { upload = upload_url }`
(tests/compiler/emit/files_template_main.cc), a master and one worker whose
image has a stand-in dmlrun (an --image-layer; it prints the downloaded
file and writes model.pt, result.json and metrics.jsonl to --output).
localstack serves the download over https (--file) and takes the upload
(--upload: a PUT to a presigned URL, inside the emulated cloud).

usage: files_test.py TEMPLATE_TOOL CASE
  ok           CREATE_COMPLETE; the master fetched the file from the URL, the
               worker from the master; the stack's `upload` output names the
               archive, its size and sha256, which are those of the file the
               server received; it holds <job>-output/model.pt; neither URL's
               query (its signature) is in any console or output
  bad-digest   the served file is not the digest's: CREATE_FAILED naming the
               download, its path and both digests; nothing uploaded
  refused      the upload URL's signature is not the server's: CREATE_FAILED,
               the master's reason has curl's 403, not the signature
"""
import hashlib
import json
import os
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

DATA_URL = 'https://data.example.org/sets/blob.bin'
BASE = 'https://objects.example.org/v1/AUTH_lab/results/mnist-output.tar.gz'
UPLOAD_URL = BASE + '?temp_url_sig=UPLOADSECRET&temp_url_expires=1893456000'
BLOB = b'tiny-blob-content\n'
STUB_DMLRUN = r'''#!/bin/bash
if [[ $1 == version ]]; then echo '{"name": "dmlrun", "plan_versions": [2]}'; exit 0; fi
out=
while [[ $# -gt 0 ]]; do [[ $1 == --output ]] && out=$2; shift; done
echo "stand-in dmlrun: blob: $(cat /var/lib/dml/datasets/tiny/blob.bin)"
mkdir -p "$out"
printf 'model-bytes' >"$out/model.pt"
echo '{"test_accuracy": 0.5}' >"$out/result.json"
echo '{"epoch": 1}' >"$out/metrics.jsonl"
echo "done: test accuracy 0.5"
'''


def deploy(tool, work, served_blob, server_url):
    template = os.path.join(work, 'files.heat.yaml')
    with open(template, 'w') as f:
        subprocess.run([tool, hashlib.sha256(BLOB).hexdigest()], stdout=f, check=True)
    blob = os.path.join(work, 'blob.bin')
    with open(blob, 'wb') as f:
        f.write(served_blob)
    layer = os.path.join(work, 'layer')
    os.makedirs(os.path.join(layer, 'usr', 'local', 'bin'))
    stub = os.path.join(layer, 'usr', 'local', 'bin', 'dmlrun')
    with open(stub, 'w') as f:
        f.write(STUB_DMLRUN)
    os.chmod(stub, 0o755)
    received = os.path.join(work, 'received')
    os.makedirs(received)
    rc, stack = ls.create(template, [
        '--parameter', 'key_name=k', '--parameter', 'upload_url=' + UPLOAD_URL,
        '--file', '%s=%s' % (DATA_URL + '?sig=DOWNLOADSECRET', blob),
        '--upload', '%s=%s' % (server_url, received),
        '--image-layer', '%s=%s' % (ls.default_image(template), layer)], work, timeout=300)
    return rc, stack, received


def no_secrets(stack):
    seen = json.dumps(stack.get('outputs')) + stack.get('stack_status_reason', '')
    seen += ''.join(ls.console(stack, n['name']) for n in stack['nodes'])
    ls.check('UPLOADSECRET' not in seen and 'DOWNLOADSECRET' not in seen,
             "neither URL's signature is in a console, the reason or an output")


def ok(tool, work):
    rc, stack, received = deploy(tool, work, BLOB, UPLOAD_URL)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    result = json.loads(ls.output(stack, 'job_result'))
    ls.check(all('blob: tiny-blob-content' in result[n] for n in ('node-0', 'node-1')),
             'both nodes had the downloaded file', stack)
    worker = [n['name'] for n in stack['nodes'] if 'workers' in n['name']][0]
    ls.check('fetched from the master, sha256 OK' in ls.console(stack, worker), 'the worker fetched it from the master')
    upload = ls.output(stack, 'upload')
    ls.check(isinstance(upload, dict) and upload.get('file') == 'mnist-output.tar.gz',
             'the upload output: %s' % upload, stack)
    data = open(os.path.join(received, 'mnist-output.tar.gz'), 'rb').read()
    ls.check(len(data) == upload['bytes'] and hashlib.sha256(data).hexdigest() == upload['sha256'],
             'the received archive has the size and sha256 of the output (%d bytes)' % len(data))
    with tarfile.open(os.path.join(received, 'mnist-output.tar.gz')) as archive:
        ls.check('mnist-output/model.pt' in archive.getnames(), 'it holds mnist-output/model.pt')
        ls.check(archive.extractfile('mnist-output/model.pt').read() == b'model-bytes', "model.pt is dmlrun's")
    no_secrets(stack)


def bad_digest(tool, work):
    rc, stack, received = deploy(tool, work, b'tampered\n', UPLOAD_URL)
    reason = stack['stack_status_reason']
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED (%s)' % reason, stack)
    ls.check('train.downloads[0] (/var/lib/dml/datasets/tiny/blob.bin): %s has sha256 %s, not %s'
             % (DATA_URL, hashlib.sha256(b'tampered\n').hexdigest(), hashlib.sha256(BLOB).hexdigest()) in reason,
             'the reason names the download, its path and both digests')
    ls.check(os.listdir(received) == [], 'nothing was uploaded')
    no_secrets(stack)


def refused(tool, work):
    rc, stack, received = deploy(tool, work, BLOB, BASE + '?temp_url_sig=OTHER&temp_url_expires=1893456000')
    reason = stack['stack_status_reason']
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED (%s)' % reason, stack)
    ls.check('its output was not uploaded: uploading mnist-output.tar.gz to %s failed: curl: (22) ' % BASE in reason
             and '403' in reason, "the master's reason has curl's 403")
    no_secrets(stack)


if __name__ == '__main__':
    ls.run_case({'ok': ok, 'bad-digest': bad_digest, 'refused': refused}, 'dmlls-test-files')
