"""`localstack create|destroy|list`: the command line and one run's life."""
import argparse
import os
import shutil
import signal
import sys

from . import apt_proxy, cleanup, downloads, images, network, output, roots

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))
POWER_OFF_GRACE_S = 60
NEEDED_TOOLS = ['ip', 'unshare', 'nft', 'mount', 'git']


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog='localstack', description='Run a Heat template the way '
        'OpenStack would, on this machine (as root).')
    sub = ap.add_subparsers(dest='command', required=True)
    c = sub.add_parser('create', help='create the stack and wait for it')
    c.add_argument('template')
    c.add_argument('--parameter', '-P', action='append', default=[],
                   metavar='KEY=VALUE')
    c.add_argument('--git', action='append', default=[], metavar='URL=DIR',
                   help='serve the repository DIR at URL')
    c.add_argument('--file', action='append', default=[], metavar='URL=PATH',
                   help='serve the file PATH at the https URL')
    c.add_argument('--upload', action='append', default=[], metavar='URL=DIR',
                   help='take a PUT to the https URL (its query is the signature) into DIR; split at the last =')
    c.add_argument('--runtime-src', default=CHECKOUT, metavar='DIR',
                   help='the dml checkout served as the runtime source '
                   '(default: this one)')
    c.add_argument('--image-layer', action='append', default=[], metavar='IMAGE=DIR',
                   help='servers that boot IMAGE see the files of DIR over the host\'s '
                        '(a baked image: e.g. dmlrun preinstalled)')
    c.add_argument('--timeout', type=float, default=3600, metavar='SECONDS')
    c.add_argument('--json', action='store_true')
    c.add_argument('--keep', action='store_true',
                   help='leave namespaces and files to inspect')
    c.add_argument('--log-dir', metavar='DIR')
    c.add_argument('--image', action='append', default=[], metavar='NAME=ROOTDIR',
                   help='servers whose image is NAME boot from the root file system ROOTDIR '
                        '(see `localstack root`), with real apt through localstack\'s proxy')
    c.add_argument('--apt-cache', default=apt_proxy.CACHE, metavar='DIR',
                   help='where the apt proxy keeps the .debs it downloaded (default %(default)s)')
    r = sub.add_parser('root', help='make a node image root file system with debootstrap')
    r.add_argument('name', choices=sorted(roots.RELEASES))
    r.add_argument('dir', nargs='?', help='where (default %s)' % roots.default_dir('NAME'))
    d = sub.add_parser('destroy', help='remove what a run left (--keep)')
    d.add_argument('name')
    sub.add_parser('list', help='runs that still have namespaces')
    return ap.parse_args(argv)


def pairs(items, flag, at_last=False):
    """KEY=VALUE items; at_last: split at the last '=' (a URL's query has some)."""
    out = []
    for item in items:
        key, sep, value = item.rpartition('=') if at_last else item.partition('=')
        if not sep or not key:
            raise SystemExit('localstack: %s %s: expected KEY=VALUE'
                             % (flag, item))
        out.append((key, value))
    return out


class Run(object):
    """One create's names, directories, served files and clean-up list."""

    def __init__(self, args):
        self.prefix = 'dmlls-%d' % os.getpid()
        self.run_dir = cleanup.run_dir(self.prefix)
        self.log_dir = os.path.abspath(
            args.log_dir or os.path.join('localstack-logs', self.prefix))
        self.timeout = args.timeout
        self.runtime_src = args.runtime_src
        self.recorded = []
        self.git = downloads.GitMap()
        for url, d in pairs(args.git, '--git'):
            self.git.add(url, d)
        self.files = downloads.FileServer()
        for url, path in pairs(args.file, '--file', at_last=True):
            self.files.add(url, path)
        for url, path in pairs(args.upload, '--upload', at_last=True):
            self.files.add_upload(url, path)
        self.image_layers = dict(pairs(args.image_layer, '--image-layer'))
        for image, d in self.image_layers.items():
            if not os.path.isdir(d):
                raise SystemExit('localstack: --image-layer %s=%s: no such directory' % (image, d))
        self.images = images.Images(pairs(args.image, '--image'), args.apt_cache)
        self.ca_cert = None
        self.note = lambda text: None  # set by create: the report's note
        # Last: an option refused above leaves no directory behind.
        os.makedirs(self.run_dir)

    def record(self, kind, name):
        self.recorded.append((kind, name))

    def start_file_server(self, cloud_ns):
        if not self.files.files and not self.files.uploads:
            return
        ca, crt, key = downloads.make_ca(self.run_dir,
                                         self.files.host_names())
        self.ca_cert = open(ca).read()
        from . import netns_socket
        sock = netns_socket.listening_socket(cloud_ns, network.FILES_ADDR, 443)
        self.files.start(sock, crt, key)

    def _serve_runtime(self, user_data):
        served = {url for url, _ in self.git.repos}
        for url, ref in sorted(downloads.runtime_sources([user_data])):
            if url in served:
                continue
            dest = os.path.join(self.run_dir, 'git',
                                'runtime-%d' % len(self.git.repos))
            note = downloads.runtime_repo(self.runtime_src, ref, dest)
            self.git.add(url, dest)
            self.note('runtime source %s served from %s' % (url, note))

    def node_config(self, server, nics):
        self._serve_runtime(server.user_data)
        root = self.images.root_of(server)
        hosts = ['127.0.0.1\tlocalhost',
                 '%s\t%s' % (server.ports[0].ip, server.name)]
        hosts += ['%s\t%s' % (network.FILES_ADDR, h)
                  for h in self.files.host_names()]
        return {
            'hostname': server.name, 'nics': nics,
            'hosts': '\n'.join(hosts) + '\n',
            'resolv_conf': '# localstack: no DNS server on this network\n'
                           'nameserver %s\n' % network.HEAT_API_ADDR,
            'binds': self.git.binds(), 'gitconfig': self.git.gitconfig(),
            'ca_cert': self.ca_cert, 'user_data': server.user_data,
            'image_layer': os.path.abspath(self.image_layers[server.image])
                           if getattr(server, 'image', '') in self.image_layers else None,
            'image_root': root, 'files': self.images.node_files(root) if root else {},
        }

    def remove(self):
        cleanup.destroy(self.prefix, force=True)


def check_host():
    if os.geteuid() != 0:
        return 'localstack needs root (namespaces, mounts, nftables)'
    missing = [t for t in NEEDED_TOOLS if shutil.which(t) is None]
    if missing:
        return 'localstack needs %s (scripts/setup.sh --with-tests)' % (
            ', '.join(missing))
    return None


def terminate(signum, frame):
    raise KeyboardInterrupt()


def main(argv=None):
    import faulthandler
    faulthandler.register(signal.SIGUSR2)  # a stack dump, for a hang
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == 'list':
        print('\n'.join(cleanup.running_prefixes()))
        return 0
    problem = check_host()
    if problem:
        print('localstack: ' + problem, file=sys.stderr)
        return 2
    if args.command == 'root':
        return roots.main(args)
    if args.command == 'destroy':
        try:
            removed = cleanup.destroy(args.name)
        except ValueError as ex:
            print('localstack: %s' % ex, file=sys.stderr)
            return 1
        for line in removed:
            print('removed ' + line)
        return 0
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    from . import create
    report = output.Report(args.json)
    run = Run(args)
    try:
        return create.create(args, run, report)
    except KeyboardInterrupt:
        report.event('localstack', 'interrupted: removing everything')
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if args.keep:
            print('localstack: kept %s (namespaces: ip netns list | grep %s; '
                  'files: %s); remove them with: scripts/localstack destroy %s'
                  % (run.prefix, run.prefix, run.run_dir, run.prefix),
                  file=sys.stderr)
        else:
            run.remove()
