"""What a node would fetch from the internet, served from this machine.

  git:   `--git URL=DIR` and the runtime's source URL (the boot script's
         DML_RUNTIME_URL, served from --runtime-src) reach the node as
         read-only binds under /run/localstack/git/, mapped by the node's
         /etc/gitconfig (url.<file>.insteadOf = URL). The runtime's source
         is a temporary bare clone of the checkout's HEAD commit in which the
         ref the template asks for (DML_RUNTIME_REF) names that commit.
  https: `--file URL=PATH` is served by an HTTPS server on the cloud side of
         the private network; the URL's host name maps to it in the node's
         /etc/hosts, and a throwaway CA (openssl) is added to the node's trust
         store (its own copy of /etc/ssl/certs/ca-certificates.crt).
         `--upload URL=DIR`: the same server takes a PUT to URL, as an object
         store takes one to a presigned URL: the query must be URL's own (the
         signature), else 403; the body lands whole in DIR under the path's
         last component.
"""
import http.server
import os
import re
import ssl
import subprocess
import threading
import urllib.parse

GIT_MOUNT = '/run/localstack/git'
RUNTIME_URL_RE = re.compile(r"DML_RUNTIME_URL='([^']*)'")
RUNTIME_REF_RE = re.compile(r"DML_RUNTIME_REF='([^']*)'")


class DownloadError(Exception):
    pass


def git(*args, cwd=None):
    # The checkout may belong to another user than root: read it anyway.
    proc = subprocess.run(['git', '-c', 'safe.directory=*'] + list(args),
                          cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DownloadError('git %s: %s' % (' '.join(args),
                                            proc.stderr.strip()))
    return proc.stdout.strip()


def runtime_sources(user_datas):
    """{(url, ref)} of the dml runtime that the boot scripts fetch."""
    found = set()
    for text in user_datas:
        url, ref = RUNTIME_URL_RE.search(text), RUNTIME_REF_RE.search(text)
        if url:
            found.add((url.group(1), ref.group(1) if ref else ''))
    return found


def runtime_repo(src, ref, dest):
    """A bare repository at DEST whose REF (and HEAD) is SRC's HEAD commit.

    Returns a note for the output (what is served, what is not)."""
    commit = git('rev-parse', 'HEAD', cwd=src)
    git('init', '-q', '--bare', dest)
    git('--git-dir', dest, 'fetch', '-q', '--no-tags', os.path.abspath(src),
        commit)
    git('--git-dir', dest, 'update-ref', 'refs/heads/main', commit)
    git('--git-dir', dest, 'symbolic-ref', 'HEAD', 'refs/heads/main')
    note = 'commit %s of %s' % (commit[:12], src)
    if re.fullmatch(r'[0-9a-f]{40}', ref or ''):
        if ref != commit:
            raise DownloadError('the template fetches commit %s; --runtime-src '
                                '%s is at %s' % (ref, src, commit))
    elif ref:
        git('--git-dir', dest, 'tag', ref, commit)
        note += ' as %s' % ref
    if git('status', '--porcelain', '--untracked-files=no', cwd=src):
        note += ' (uncommitted changes are not served)'
    return note


class GitMap(object):
    """URL -> local repository, as binds and a gitconfig for each node."""

    def __init__(self):
        self.repos = []  # (url, host dir)

    def add(self, url, directory):
        if not os.path.isdir(directory):
            raise DownloadError('--git %s=%s: no such directory'
                                % (url, directory))
        self.repos.append((url, os.path.abspath(directory)))

    def binds(self):
        return [(d, '%s/%d' % (GIT_MOUNT, i))
                for i, (_, d) in enumerate(self.repos)]

    def gitconfig(self):
        lines = ['# localstack: these URLs are served from this machine',
                 '[safe]', '\tdirectory = *']
        for i, (url, _) in enumerate(self.repos):
            lines += ['[url "file://%s/%d"]' % (GIT_MOUNT, i),
                      '\tinsteadOf = %s' % url]
        return '\n'.join(lines) + '\n'


def make_ca(work_dir, host_names):
    """A throwaway CA and a server certificate for HOST_NAMES: file paths."""
    ca_key, ca_crt = [os.path.join(work_dir, n) for n in ('ca.key', 'ca.crt')]
    key, csr, crt = [os.path.join(work_dir, n)
                     for n in ('server.key', 'server.csr', 'server.crt')]
    ext = os.path.join(work_dir, 'server.ext')
    with open(ext, 'w') as f:
        f.write('subjectAltName=%s\n' % ','.join('DNS:' + h
                                                 for h in host_names))

    def openssl(*args):
        proc = subprocess.run(['openssl'] + list(args), capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise DownloadError('openssl %s: %s' % (args[0], proc.stderr))
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
            '-keyout', ca_key, '-out', ca_crt,
            '-subj', '/CN=localstack throwaway CA')
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
            '-out', csr, '-subj', '/CN=localstack files')
    openssl('x509', '-req', '-in', csr, '-CA', ca_crt, '-CAkey', ca_key,
            '-CAcreateserial', '-days', '2', '-out', crt, '-extfile', ext)
    return ca_crt, crt, key


class FileServer(object):
    """HTTPS on the cloud side: URL -> file, each URL's host to one address."""

    def __init__(self):
        self.files = {}  # (host, path) -> local file
        self.uploads = {}  # (host, path) -> (query, local directory)
        self.received = []  # (url without its query, file, bytes), as PUT

    def add_upload(self, url, directory):
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != 'https' or not parsed.hostname:
            raise DownloadError('--upload %s: only https URLs are served' % url)
        name = os.path.basename(parsed.path)
        if not name or name in ('.', '..'):
            raise DownloadError('--upload %s: the path names no file' % url)
        if not os.path.isdir(directory):
            raise DownloadError('--upload %s=%s: no such directory' % (url, directory))
        self.uploads[(parsed.hostname, parsed.path)] = (parsed.query, os.path.abspath(directory))

    def add(self, url, path):
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != 'https' or not parsed.hostname:
            raise DownloadError('--file %s: only https URLs are served' % url)
        if not os.path.isfile(path):
            raise DownloadError('--file %s=%s: no such file' % (url, path))
        self.files[(parsed.hostname, parsed.path)] = os.path.abspath(path)

    def host_names(self):
        return sorted({h for h, _ in self.files} | {h for h, _ in self.uploads})

    def start(self, sock, crt, key):
        files, uploads, received = self.files, self.uploads, self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = (self.headers.get('Host') or '').split(':')[0]
                path = urllib.parse.urlparse(self.path).path
                local = files.get((host, path))
                if local is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length',
                                 str(os.path.getsize(local)))
                self.end_headers()
                with open(local, 'rb') as f:
                    while True:
                        chunk = f.read(1 << 16)
                        if not chunk:
                            break
                        self.wfile.write(chunk)

            def do_PUT(self):
                host = (self.headers.get('Host') or '').split(':')[0]
                parsed = urllib.parse.urlparse(self.path)
                target = uploads.get((host, parsed.path))
                if target is None:
                    self.send_error(404)
                    return
                query, directory = target
                if parsed.query != query:
                    self.send_error(403, 'SignatureDoesNotMatch')
                    return
                length = self.headers.get('Content-Length')
                if length is None or not length.isdigit():
                    self.send_error(411)
                    return
                name = os.path.basename(parsed.path)
                part = os.path.join(directory, '.%s.part' % name)
                left = int(length)
                with open(part, 'wb') as f:
                    while left > 0:
                        chunk = self.rfile.read(min(left, 1 << 16))
                        if not chunk:
                            break
                        f.write(chunk)
                        left -= len(chunk)
                if left > 0:
                    os.unlink(part)
                    self.send_error(400, 'body shorter than Content-Length')
                    return
                os.replace(part, os.path.join(directory, name))
                received.append(('https://%s%s' % (host, parsed.path), name, int(length)))
                self.send_response(201)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        server = http.server.ThreadingHTTPServer(('0.0.0.0', 0), Handler,
                                                 bind_and_activate=False)
        server.socket.close()
        server.socket = ctx.wrap_socket(sock, server_side=True)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
