#!/usr/bin/python3
"""localstack's file server takes uploads (`--upload URL=DIR`) as an object
store takes a PUT to a presigned URL: the right query stores the body whole
under the path's last component, another query gets 403 and stores nothing,
another path 404. Real curl over TLS, with the run's throwaway CA trusted
through CURL_CA_BUNDLE; the server listens on 127.0.0.1 (no namespaces).

usage: upload_unit_test.py
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), 'scripts'))
from localstack_lib import downloads  # noqa: E402

HOST = 'objects.example.org'
URL = 'https://%s/v1/AUTH_lab/out/job-output.tar.gz?temp_url_sig=abc&temp_url_expires=9' % HOST


def check(condition, what):
    print(('ok: ' if condition else 'FAILED: ') + what)
    if not condition:
        sys.exit(1)


def main():
    for tool in ('curl', 'openssl'):
        if shutil.which(tool) is None:
            print('skipped: %s is not installed' % tool)
            sys.exit(77)
    work = tempfile.mkdtemp(prefix='dmlls-upload-unit-')
    try:
        received = os.path.join(work, 'received')
        os.makedirs(received)
        server = downloads.FileServer()
        server.add_upload(URL, received)
        ca, crt, key = downloads.make_ca(work, server.host_names())
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        sock.listen(16)
        port = sock.getsockname()[1]
        httpd = server.start(sock, crt, key)
        body = os.path.join(work, 'body')
        with open(body, 'wb') as f:
            f.write(os.urandom(3 << 20))  # past curl's 1 MiB Expect: 100-continue

        def put(url):
            return subprocess.run(
                ['curl', '--proto', '=https', '--fail', '--silent', '--show-error',
                 '--resolve', '%s:%d:127.0.0.1' % (HOST, port), '--upload-file', body,
                 '--url', url.replace(HOST, '%s:%d' % (HOST, port))],
                capture_output=True, text=True, env=dict(os.environ, CURL_CA_BUNDLE=ca))

        wrong = put(URL.replace('sig=abc', 'sig=abd'))
        check(wrong.returncode == 22 and '403' in wrong.stderr, 'another signature: 403 (%s)' % wrong.stderr.strip())
        check(os.listdir(received) == [], 'nothing stored for it')
        other = put(URL.replace('job-output', 'other'))
        check(other.returncode == 22 and '404' in other.stderr, 'another path: 404')
        good = put(URL)
        check(good.returncode == 0, 'the presigned URL: stored (%s)' % good.stderr.strip())
        stored = os.path.join(received, 'job-output.tar.gz')
        check(open(stored, 'rb').read() == open(body, 'rb').read(), 'the body whole, under its name')
        check(server.received == [('https://%s/v1/AUTH_lab/out/job-output.tar.gz' % HOST,
                                   'job-output.tar.gz', 3 << 20)], 'recorded without its query')
        httpd.shutdown()
    finally:
        shutil.rmtree(work)


if __name__ == '__main__':
    main()
