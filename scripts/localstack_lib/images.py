"""`create --image NAME=ROOTDIR`: servers that boot a real image's root.

A server whose Heat image is NAME boots from ROOTDIR (made by `localstack
root`) instead of the host's file system: the root read-only under a private
writable layer (node_image.py), no apt-get shim. Its apt reaches Debian's
registry through localstack's apt proxy (apt_proxy.py), configured in the
node's layer the way a cloud configures its mirror: the image's
/etc/apt/mirrors lists (or sources) with http:// URLs, and an apt.conf.d
file naming the proxy. Servers of other images boot from the host as before.
"""
import os
import re

from . import apt_proxy, netns_socket, network

APT_CONF = '/etc/apt/apt.conf.d/00localstack-proxy'
# A node's disk is thrown away with it: dpkg need not fsync every file it
# unpacks (as in Docker's Debian images: dpkg.cfg.d/docker-apt-speedup).
DPKG_CFG = '/etc/dpkg/dpkg.cfg.d/00localstack-unsafe-io'


def os_release(root):
    try:
        text = open(os.path.join(root, 'etc/os-release')).read()
    except OSError:
        return None
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)', text, re.M)
    return m.group(1) if m else 'unknown'


class Images(object):
    def __init__(self, pairs, cache_dir):
        self.roots = {}  # image name -> root directory
        for name, root in pairs:
            root = os.path.abspath(root)
            if not os.path.isdir(os.path.join(root, 'usr/bin')) or os_release(root) is None:
                raise SystemExit('localstack: --image %s=%s: not a root file system (no usr/bin, '
                                 'etc/os-release); make one with `localstack root`' % (name, root))
            self.roots[name] = root
        self.cache_dir = cache_dir
        self.proxy = None

    def root_of(self, server):
        return self.roots.get(getattr(server, 'image', ''))

    def start_proxy(self, cloud_ns, note):
        """The apt proxy on the cloud side, if any server boots an image."""
        if not self.roots:
            return
        hosts = set()
        for root in self.roots.values():
            hosts |= apt_proxy.hosts_in_sources(root)
        self.proxy = apt_proxy.AptProxy(hosts, self.cache_dir)
        sock = netns_socket.listening_socket(cloud_ns, network.APT_PROXY_ADDR,
                                             network.APT_PROXY_PORT)
        self.proxy.start(sock)
        for name, root in sorted(self.roots.items()):
            note('image %s: %s from %s; apt through localstack\'s proxy http://%s:%d '
                 '(Debian\'s registry only; packages cached in %s)'
                 % (name, os_release(root), root, network.APT_PROXY_ADDR,
                    network.APT_PROXY_PORT, self.cache_dir))

    def report_proxy(self, note):
        # The proxy's thread ends with localstack, as the other servers' do (a
        # shutdown() would wait forever on Heat's eventlet-patched threading);
        # its socket's namespace goes at clean-up, so nothing reaches it after.
        if self.proxy is not None:
            note('apt proxy: ' + self.proxy.stats.text())

    def node_files(self, root):
        """Files a node booted from ROOT gets in its layer: path -> text."""
        files = {APT_CONF: '// localstack: this cloud\'s mirror of Debian\'s registry\n'
                           'Acquire::http::Proxy "http://%s:%d/";\n'
                           % (network.APT_PROXY_ADDR, network.APT_PROXY_PORT),
                 DPKG_CFG: 'force-unsafe-io\n'}
        for d in ('etc/apt/mirrors', 'etc/apt/sources.list.d', 'etc/apt'):
            base = os.path.join(root, d)
            if not os.path.isdir(base):
                continue
            for name in sorted(os.listdir(base)):
                path = os.path.join(base, name)
                if not (os.path.isfile(path) and name.endswith(('.list', '.sources'))):
                    continue
                text = open(path).read()
                if 'https://' in text:  # the proxy carries http; apt checks signatures
                    files['/' + os.path.join(d, name)] = text.replace('https://', 'http://')
        return files
