"""`localstack root debian12|debian13 [DIR]`: a node image's root file system.

Made with debootstrap from Debian's registry, with the package set of Debian's
`genericcloud` cloud images, so that a node booted from it (`create --image
NAME=DIR`) lacks what a fresh cloud VM lacks. Debian's cloud team builds those
images with FAI from debian-cloud-images (salsa.debian.org/cloud-team/
debian-cloud-images; read at its GitHub mirror mozi1924/debian-cloud-images,
commit 743a0133): the genericcloud vendor (src/debian_cloud_images/resources/
image.yaml) is `debootstrap --variant minbase` (config_space/12/hooks/
extrbase.BASE) plus, with `install-norec`, the package_config lists of the
classes SYSTEM_BOOT, TIME_SYSTEMD, CLOUD, GENERIC, EXTRAS and AMD64, and apt
sources `SUITE SUITE-updates SUITE-backports` and `SUITE-security` through
/etc/apt/mirrors/*.list (config_space/12/files/etc/apt/...). Left out: what
only boots a VM (the kernel, grub-cloud-amd64, cloud-initramfs-growroot,
dosfstools): every node shares the host's kernel.

A root is built in NAME.partial and renamed when complete, so a root that
exists is whole; it is re-used until removed. The default place is
/var/cache/dml/roots/NAME-genericcloud.
"""
import fcntl
import os
import shutil
import subprocess
import sys
import time

CACHE = '/var/cache/dml/roots'
MIRROR = 'http://deb.debian.org/debian'
STAMP = '.localstack-root'

# config_space/{12,13}/package_config/SYSTEM_BOOT (and TIME_SYSTEMD)
SYSTEM_BOOT = ['sudo', 'libpam-systemd', 'systemd-resolved', 'libnss-myhostname',
               'netplan.io', 'polkitd', 'unattended-upgrades', 'apparmor', 'zstd',
               'apt-utils', 'init', 'iptables', 'iputils-ping', 'less', 'nano',
               'netbase', 'vim-tiny', 'whiptail', 'systemd-timesyncd']
CLOUD = ['openssh-server', 'ssh-import-id']                  # package_config/CLOUD
GENERIC = ['cloud-init', 'cloud-guest-utils']                # package_config/GENERIC
EXTRAS = ['apt-listchanges', 'bash-completion', 'bind9-host', 'man-db', 'manpages',
          'socat', 'pciutils', 'reportbug', 'traceroute', 'vim', 'psmisc', 'tcpdump',
          'ca-certificates', 'curl', 'ethtool', 'uuid-runtime', 'screen', 'xz-utils']

RELEASES = {
    'debian12': {'suite': 'bookworm', 'extra': []},
    # Debian 13's SYSTEM_BOOT adds e2fsprogs and linux-sysctl-defaults.
    'debian13': {'suite': 'trixie', 'extra': ['e2fsprogs', 'linux-sysctl-defaults']},
}

# config_space/{12,13}/files/etc/apt/sources.list.d/debian.sources/DEBIAN
SOURCES = """Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian.list
Suites: {suite} {suite}-updates {suite}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian-security.list
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
MIRRORS = {'debian.list': 'https://deb.debian.org/debian\n',
           'debian-security.list': 'https://deb.debian.org/debian-security\n'}

# Run inside a private mount and PID namespace, so that every mount goes with
# it; services are kept from starting (policy-rc.d) while packages install.
CHROOT_INSTALL = r'''
set -euo pipefail
root=$1; shift
mount --make-rprivate /
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
chroot "$root" apt-get -q update
chroot "$root" apt-get -q -y --no-install-recommends install "$@"
chroot "$root" apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
'''


PRIVATE = ['unshare', '--mount', '--pid', '--fork', '--kill-child']


class RootError(Exception):
    pass


def packages(name):
    return SYSTEM_BOOT + CLOUD + GENERIC + EXTRAS + RELEASES[name]['extra']


def default_dir(name):
    # Not CACHE/NAME: scripts/debian13_check.sh builds dml inside that one.
    return os.path.join(CACHE, name + '-genericcloud')


def is_root(path):
    return os.path.isfile(os.path.join(path, STAMP))


def _run(what, cmd, log):
    log(what)
    status = subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
    if status != 0:
        raise RootError('%s failed (exit status %d)' % (what, status))


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.islink(path):
        os.unlink(path)
    with open(path, 'w') as f:
        f.write(text)


def build(name, dest, log):
    """Make the root NAME at DEST (unless it exists); returns its path."""
    if name not in RELEASES:
        raise RootError('unknown root %r (known: %s)' % (name, ', '.join(sorted(RELEASES))))
    dest = os.path.abspath(dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time per root
        if is_root(dest):
            log('%s: already made (%s)' % (dest, open(os.path.join(dest, STAMP)).read().strip()))
            return dest
        if os.path.exists(dest):
            raise RootError('%s exists but is not a finished root: remove it' % dest)
        suite = RELEASES[name]['suite']
        partial = dest + '.partial'
        shutil.rmtree(partial, ignore_errors=True)  # a build that was cut short
        started = time.monotonic()
        try:
            # In private namespaces: what debootstrap mounts in the root goes with them.
            _run('debootstrap %s (minbase) from %s' % (suite, MIRROR),
                 PRIVATE + ['debootstrap', '--variant=minbase', '--arch=amd64',
                            '--components=main', suite, partial, MIRROR], log)
            _run('apt-get install of the genericcloud packages',
                 PRIVATE + ['bash', '-c', CHROOT_INSTALL, 'chroot-install', partial]
                 + packages(name), log)
            finish(partial, suite)
            with open(os.path.join(partial, STAMP), 'w') as f:
                f.write('%s (%s), genericcloud packages, made %s\n'
                        % (name, suite, time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())))
            os.rename(partial, dest)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        log('%s: made in %.0f s' % (dest, time.monotonic() - started))
        return dest


def finish_apt(root, suite):
    """The apt sources of Debian's cloud images instead of debootstrap's."""
    if os.path.lexists(os.path.join(root, 'etc/apt/sources.list')):
        os.unlink(os.path.join(root, 'etc/apt/sources.list'))
    _write(os.path.join(root, 'etc/apt/sources.list.d/debian.sources'),
           SOURCES.format(suite=suite))
    for name, text in MIRRORS.items():
        _write(os.path.join(root, 'etc/apt/mirrors', name), text)


def finish(root, suite):
    """Debian's apt sources, no package indexes, no host data."""
    finish_apt(root, suite)
    if os.path.lexists(os.path.join(root, 'etc/hostname')):
        os.unlink(os.path.join(root, 'etc/hostname'))
    lists = os.path.join(root, 'var/lib/apt/lists')
    for entry in os.listdir(lists):
        path = os.path.join(lists, entry)
        if os.path.isfile(path) and entry != 'lock':
            os.unlink(path)
    _write(os.path.join(root, 'etc/resolv.conf'), '')  # a node writes its own


def main(args):
    """`localstack root NAME [DIR]`: exit status."""
    dest = args.dir or default_dir(args.name)

    def log(text):
        print('localstack root: ' + text, file=sys.stderr, flush=True)
    if shutil.which('debootstrap') is None:
        log('needs debootstrap (apt-get install debootstrap)')
        return 2
    try:
        print(build(args.name, dest, log))
    except RootError as ex:
        log(str(ex))
        return 1
    return 0
