"""Debian's registry for the nodes: an HTTP proxy that reaches only Debian.

Nodes have no route out of the private network. A node booted from an image
(`--image`) has its apt configured, as a cloud configures its mirror, to use
this proxy at APT_PROXY_ADDR:APT_PROXY_PORT on the cloud side of the private
network. Its listening socket is made inside the cloud namespace
(netns_socket), but the proxy runs in localstack's own threads, in the host's
network namespace: it reaches the registry as the host does, and nothing (no
address, route or NAT) is added to the host's network namespace.

It forwards plain HTTP GET and HEAD to Debian's registry hosts only
(deb.debian.org, security.debian.org and the hosts the image's apt sources
name) and refuses everything else (another host, another port, CONNECT):
403 with the reason. Packages (pool/.../*.deb) are kept in a cache shared
between runs, keyed by URL: apt checks each one against the hash of the
signed index anyway. Indexes (InRelease, Packages, ...) always pass through.
"""
import http.client
import http.server
import os
import re
import threading
import urllib.parse

CACHE = '/var/cache/dml/apt-proxy'
REGISTRY_HOSTS = ('deb.debian.org', 'security.debian.org')
HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization',
              'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade',
              'host', 'content-length'}
UPSTREAM_TIMEOUT_S = 60
CHUNK = 1 << 16
CACHED_RE = re.compile(r'^/[A-Za-z0-9._~+/-]*/pool/[A-Za-z0-9._~+%/-]+\.u?deb$')


def hosts_in_sources(root):
    """Host names in the image's apt sources and mirror lists."""
    found = set()
    for d in ('etc/apt', 'etc/apt/sources.list.d', 'etc/apt/mirrors'):
        base = os.path.join(root, d)
        if not os.path.isdir(base):
            continue
        for name in os.listdir(base):
            path = os.path.join(base, name)
            if os.path.isfile(path) and (name.endswith(('.list', '.sources'))):
                found.update(re.findall(r'https?://([A-Za-z0-9.-]+)', open(path).read()))
    return found


class Stats(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {'from cache': 0, 'downloaded': 0, 'passed': 0, 'refused': 0}
        self.bytes = {'from cache': 0, 'downloaded': 0, 'passed': 0}
        self.refused = []

    def add(self, kind, size=0, what=None):
        with self.lock:
            self.counts[kind] += 1
            if kind in self.bytes:
                self.bytes[kind] += size
            if what and len(self.refused) < 20:
                self.refused.append(what)

    def text(self):
        mb = {k: v / 1e6 for k, v in self.bytes.items()}
        return ('%d package(s) from the cache (%.0f MB), %d downloaded and cached (%.0f MB), '
                '%d index request(s) passed through (%.0f MB), %d refused%s' % (
                    self.counts['from cache'], mb['from cache'], self.counts['downloaded'],
                    mb['downloaded'], self.counts['passed'], mb['passed'],
                    self.counts['refused'],
                    (': ' + ', '.join(self.refused)) if self.refused else ''))


class AptProxy(object):
    def __init__(self, allowed_hosts, cache_dir):
        self.allowed = set(REGISTRY_HOSTS) | set(allowed_hosts)
        self.cache_dir = cache_dir
        self.stats = Stats()
        self.server = None
        # Host name -> connection to it (the tests' fake registry replaces it).
        self.connect = lambda host: http.client.HTTPConnection(host, 80,
                                                               timeout=UPSTREAM_TIMEOUT_S)

    def cache_path(self, host, path):
        """Where URL's package is cached, or None if it is not cached."""
        if not CACHED_RE.match(path) or '/../' in path or '/./' in path:
            return None
        return os.path.join(self.cache_dir, host, path.lstrip('/'))

    def check(self, method, url):
        """(host, path) of a request the proxy serves, or a reason to refuse."""
        if method not in ('GET', 'HEAD'):
            return None, '%s is not proxied (only http GET and HEAD to Debian\'s registry)' % method
        u = urllib.parse.urlsplit(url)
        if u.scheme != 'http' or not u.hostname:
            return None, '%s: only http:// URLs are proxied' % url
        if u.port not in (None, 80):
            return None, '%s: only port 80 is proxied' % url
        if u.hostname not in self.allowed:
            return None, ('%s is not Debian\'s registry (this proxy reaches only %s)'
                          % (u.hostname, ', '.join(sorted(self.allowed))))
        return (u.hostname, u.path + ('?' + u.query if u.query else '')), None

    def start(self, sock):
        os.makedirs(self.cache_dir, exist_ok=True)
        remove_stale_parts(self.cache_dir)
        self.server = http.server.ThreadingHTTPServer(('0.0.0.0', 0), make_handler(self),
                                                      bind_and_activate=False)
        self.server.socket.close()
        self.server.socket = sock
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

def make_handler(proxy):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'  # keep-alive: apt sends many requests per connection

        def do_GET(self):
            target, refusal = proxy.check(self.command, self.path)
            if refusal:
                proxy.stats.add('refused', what=self.path)
                return self.reply(403, {'Content-Type': 'text/plain'},
                                  ('localstack apt proxy: %s\n' % refusal).encode())
            host, path = target
            cached = proxy.cache_path(host, path)
            if cached and os.path.isfile(cached):
                proxy.stats.add('from cache', os.path.getsize(cached))
                return self.send_file(cached)
            try:
                status, headers, body = self.upstream(host, path, cached)
            except (OSError, http.client.HTTPException) as ex:
                return self.reply(502, {'Content-Type': 'text/plain'},
                                  ('localstack apt proxy: %s: %s\n' % (host, ex)).encode())
            if body is None:  # stored in the cache
                proxy.stats.add('downloaded', os.path.getsize(cached))
                return self.send_file(cached)
            proxy.stats.add('passed', len(body))
            return self.reply(status, headers, body)

        # Anything else is answered (refused) by do_GET's check, not with a 501.
        do_HEAD = do_POST = do_PUT = do_DELETE = do_CONNECT = do_GET

        def upstream(self, host, path, cached):
            """(status, headers, body); body None: a package stored in the cache."""
            conn = proxy.connect(host)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP and not (cached and k.lower() == 'range')}
                headers['Host'] = host
                conn.request(self.command, path, headers=headers)
                resp = conn.getresponse()
                out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
                if cached and resp.status == 200 and self.command == 'GET':
                    store(resp, cached)
                    return 200, out, None
                return resp.status, out, resp.read()
            finally:
                conn.close()

        def reply(self, status, headers, body):
            self.send_response(status)
            for k, v in (headers.items() if isinstance(headers, dict) else headers):
                self.send_header(k, v)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)

        def send_file(self, path):
            self.send_response(200)
            self.send_header('Content-Type', 'application/vnd.debian.binary-package')
            self.send_header('Content-Length', str(os.path.getsize(path)))
            self.end_headers()
            if self.command == 'HEAD':
                return
            with open(path, 'rb') as f:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        break
                    self.wfile.write(chunk)

        def log_message(self, *args):
            pass

    return Handler


def remove_stale_parts(cache_dir):
    """Partial downloads of a localstack that was killed (-9) mid-download."""
    for d, _, names in os.walk(cache_dir):
        for name in names:
            m = re.search(r'\.part-([0-9]+)-[0-9]+$', name)
            if m and not os.path.exists('/proc/' + m.group(1)):
                os.unlink(os.path.join(d, name))


def store(resp, path):
    """The response's body into PATH, whole or not at all (renamed when complete)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    part = '%s.part-%d-%d' % (path, os.getpid(), threading.get_ident())
    expected = resp.getheader('Content-Length')
    size = 0
    try:
        with open(part, 'wb') as f:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                f.write(chunk)
                size += len(chunk)
        if expected is not None and int(expected) != size:
            raise http.client.IncompleteRead(b'', int(expected) - size)
        os.rename(part, path)
    finally:
        if os.path.exists(part):
            os.unlink(part)
