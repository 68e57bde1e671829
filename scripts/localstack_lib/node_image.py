"""A node's file system when it boots an image's root (`create --image`).

Called by node_init.py (PID 1 of the node, in its own mount namespace) and,
like it, standalone. The image's root is the read-only lower layer of an
overlayfs whose upper layer is the node's own (in the run directory), so the
cached root is never written and nodes never see each other's files. On it,
what a booted VM has: a fresh /proc (this PID namespace), /sys (this network
namespace, read-only), a /dev with only the usual device nodes, a devpts of
its own and /dev/shm, tmpfs on /run and /tmp; the served repositories bound
read-only under /run/localstack. Then pivot_root: the host's file system is
detached, and nothing of it stays reachable from the node.
"""
import ctypes
import os
import subprocess

DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
DEV_LINKS = {'fd': '/proc/self/fd', 'stdin': '/proc/self/fd/0', 'stdout': '/proc/self/fd/1',
             'stderr': '/proc/self/fd/2', 'ptmx': 'pts/ptmx'}
OLD_ROOT = '.localstack-host'
MNT_DETACH = 2


def mount(*args):
    subprocess.run(['mount'] + list(args), check=True)


def make_dev(dev):
    mount('-t', 'tmpfs', '-o', 'mode=0755,nosuid', 'tmpfs', dev)
    for name in DEVICES:  # the host's device numbers: the same kernel
        st = os.stat('/dev/' + name)
        os.mknod(os.path.join(dev, name), st.st_mode, st.st_rdev)
        os.chmod(os.path.join(dev, name), 0o666)
    for name, target in DEV_LINKS.items():
        os.symlink(target, os.path.join(dev, name))
    for d in ('pts', 'shm'):
        os.makedirs(os.path.join(dev, d))
    mount('-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620,gid=5', 'devpts',
          os.path.join(dev, 'pts'))
    mount('-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs', os.path.join(dev, 'shm'))


def build_root(cfg):
    """Mount the node's root from cfg['image_root'] and make it '/'."""
    layer = cfg['layer_dir']
    root, upper, work = [os.path.join(layer, d) for d in ('root', 'upper', 'work')]
    for d in (root, upper, work):
        os.makedirs(d, exist_ok=True)
    mount('--make-rprivate', '/')
    lower = cfg['image_root']
    if cfg.get('image_layer'):  # --image-layer's files over the image's (a baked image)
        lower = cfg['image_layer'] + ':' + lower
    mount('-t', 'overlay', 'overlay', '-o', 'lowerdir=%s,upperdir=%s,workdir=%s'
          % (lower, upper, work), root)
    mount('-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev', 'tmpfs', root + '/run')
    for source, target in cfg['binds']:  # their sources may sit under the host's /tmp
        os.makedirs(root + target, exist_ok=True)
        mount('--bind', source, root + target)
        mount('-o', 'remount,bind,ro', root + target)
    mount('-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs', root + '/tmp')
    make_dev(root + '/dev')
    mount('-t', 'proc', 'proc', root + '/proc')
    mount('-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', root + '/sys')
    libc = ctypes.CDLL('libc.so.6', use_errno=True)  # loaded while the host's /lib is here
    os.chdir(root)
    os.makedirs(OLD_ROOT, exist_ok=True)
    subprocess.run(['pivot_root', '.', OLD_ROOT], check=True)
    os.chroot('.')
    os.chdir('/')
    if libc.umount2(('/' + OLD_ROOT).encode(), MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), 'umount the host file system')
    os.rmdir('/' + OLD_ROOT)
