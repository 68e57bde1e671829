#!/usr/bin/python3
"""localstack's image parts that need no root and no network: the apt proxy
(which hosts it serves and which it refuses, what it caches, the cache never
holding a partial file) against a fake registry on loopback, the apt
configuration a node booted from an image gets, and the package set of a
root.

usage: image_unit_test.py
"""
import http.client
import http.server
import os
import socket
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

from localstack_lib import apt_proxy, images, roots  # noqa: E402

DEB = '/debian/pool/main/h/hello/hello_2.10-3_amd64.deb'
INDEX = '/debian/dists/bookworm/InRelease'


class FakeRegistry(object):
    """Answers every path with its text; counts the requests; can cut a body short."""

    def __init__(self):
        self.requests, self.short = [], False
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                registry.requests.append((self.headers.get('Host'), self.path))
                body = ('body of %s' % self.path).encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(body) + (5 if registry.short else 0)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class AptProxy(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.registry = FakeRegistry()
        self.proxy = apt_proxy.AptProxy({'mirror.example.org'}, self.tmp.name)
        port = self.registry.server.server_address[1]
        self.proxy.connect = lambda host: http.client.HTTPConnection('127.0.0.1', port,
                                                                     timeout=10)
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        sock.listen(8)
        self.port = sock.getsockname()[1]
        self.proxy.start(sock)

    def tearDown(self):
        self.proxy.server.shutdown()
        self.registry.server.shutdown()
        self.tmp.cleanup()

    def get(self, url, method='GET'):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        conn.request(method, url)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()

    def test_packages_are_cached_indexes_pass_through(self):
        for _ in range(2):
            self.assertEqual(self.get('http://deb.debian.org' + DEB),
                             (200, 'body of ' + DEB))
            self.assertEqual(self.get('http://deb.debian.org' + INDEX),
                             (200, 'body of ' + INDEX))
        self.assertEqual(self.registry.requests.count(('deb.debian.org', DEB)), 1)
        self.assertEqual(self.registry.requests.count(('deb.debian.org', INDEX)), 2)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp.name, 'deb.debian.org',
                                                    DEB.lstrip('/'))))
        self.assertIn('1 package(s) from the cache', self.proxy.stats.text())

    def test_sources_hosts_are_served(self):
        self.assertEqual(self.get('http://mirror.example.org' + INDEX)[0], 200)
        self.assertEqual(self.get('http://security.debian.org/x')[0], 200)

    def test_refuses_other_hosts_ports_schemes_and_connect(self):
        for url, method in [('http://example.com/', 'GET'),
                            ('http://deb.debian.org:8080' + DEB, 'GET'),
                            ('https://deb.debian.org' + DEB, 'GET'),
                            ('deb.debian.org:443', 'CONNECT'),
                            ('http://deb.debian.org' + DEB, 'POST')]:
            status, text = self.get(url, method)
            self.assertEqual(status, 403, url)
            self.assertIn('localstack apt proxy', text)
        self.assertEqual(self.registry.requests, [])
        self.assertIn('5 refused', self.proxy.stats.text())

    def test_a_short_body_is_not_cached(self):
        self.registry.short = True
        status, _ = self.get('http://deb.debian.org' + DEB)
        self.assertEqual(status, 502)
        self.assertEqual([f for _, _, fs in os.walk(self.tmp.name) for f in fs], [])

    def test_a_killed_runs_partial_files_are_removed(self):
        d = os.path.join(self.tmp.name, 'deb.debian.org', 'debian', 'pool')
        os.makedirs(d)
        dead = os.path.join(d, 'x.deb.part-999999999-1')  # no such process
        alive = os.path.join(d, 'y.deb.part-%d-1' % os.getpid())
        for path in (dead, alive):
            open(path, 'w').close()
        apt_proxy.remove_stale_parts(self.tmp.name)
        self.assertFalse(os.path.exists(dead))
        self.assertTrue(os.path.exists(alive))

    def test_only_pool_debs_are_cached(self):
        p = self.proxy.cache_path
        self.assertIsNotNone(p('deb.debian.org', DEB))
        self.assertIsNone(p('deb.debian.org', INDEX))
        self.assertIsNone(p('deb.debian.org', '/debian/pool/../../etc/x.deb'))
        self.assertIsNone(p('deb.debian.org', '/debian/pool/main/h/hello/hello.dsc'))


class NodeApt(unittest.TestCase):
    def test_mirrors_become_http_and_apt_uses_the_proxy(self):
        with tempfile.TemporaryDirectory() as root:
            roots.finish_apt(root, 'bookworm')
            os.makedirs(os.path.join(root, 'usr/bin'))
            with open(os.path.join(root, 'etc/os-release'), 'w') as f:
                f.write('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
            files = images.Images([('img', root)], '/nonexistent').node_files(root)
            self.assertIn('Acquire::http::Proxy "http://192.0.2.3:3142/";',
                          files[images.APT_CONF])
            self.assertEqual(files['/etc/apt/mirrors/debian.list'],
                             'http://deb.debian.org/debian\n')
            self.assertNotIn('/etc/apt/sources.list.d/debian.sources', files)  # no https in it
            self.assertEqual(apt_proxy.hosts_in_sources(root), {'deb.debian.org'})
            self.assertEqual(files[images.DPKG_CFG], 'force-unsafe-io\n')

    def test_not_a_root_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(SystemExit):
                images.Images([('img', d)], '/nonexistent')


class PackageSet(unittest.TestCase):
    def test_genericcloud_packages(self):
        for name in ('debian12', 'debian13'):
            pkgs = roots.packages(name)
            for p in ('cloud-init', 'curl', 'ca-certificates', 'sudo', 'openssh-server'):
                self.assertIn(p, pkgs)  # python3 comes with cloud-init
            self.assertNotIn('libtorch-dev', pkgs)
            self.assertEqual(len(pkgs), len(set(pkgs)))


if __name__ == '__main__':
    unittest.main(verbosity=2)
