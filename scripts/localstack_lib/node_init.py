#!/usr/bin/python3
"""A node's first process: its file system, host name, then its user data.

Runs as PID 1 of the node's own PID namespace, inside its own mount, UTS,
IPC and network namespaces (started by localstack_lib.node). Standalone: it
imports nothing of the tool but node_image.py beside it, so it runs the same
whatever the node's paths.

usage: node_init.py CONFIG.json
  An image's root (`create --image`: node_image.py), or else the host's file
  system with a private writable layer (overlayfs, upper
  directories in the tool's run directory) over the directories a boot
  script writes, fresh tmpfs on /tmp, /run and /dev/shm, a fresh /proc; the
  served repositories bound read-only under /run/localstack; /etc/hosts,
  /etc/hostname, /etc/resolv.conf, /etc/gitconfig, the CA bundle and the
  config's other files (an image's apt proxy) written as the config says;
  the shims installed; the image's services started (IMAGE_SERVICES, e.g. a
  firewall); then the user data is
  written to the file cloud-init writes it to and run the way cloud-init
  runs it (root, a clean environment). The power-off shims signal this
  process (SIGUSR1): it ends every process of the node and exits.
"""
import json
import os
import signal
import socket
import subprocess
import sys

import node_image  # beside this file; imported before the root changes

OVERLAY_DIRS = ['/etc', '/var', '/opt', '/usr', '/root', '/home', '/srv']
TMPFS_DIRS = [('/run', '0755'), ('/tmp', '1777'), ('/dev/shm', '1777')]
CLOUD_INIT_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin',
                   '/usr/bin', '/sbin', '/bin']
USER_DATA = '/var/lib/cloud/instance/scripts/part-001'
# An image's services that start before cloud-init runs the user data (as
# systemd orders firewalld.service before cloud-final.service): executables
# an --image-layer puts here, run in name order, each to its end.
IMAGE_SERVICES = '/etc/localstack/boot.d'
POWER_OFF_NOTE = '/run/localstack/power-off'


def say(text):
    sys.stdout.write('localstack: %s\n' % text)
    sys.stdout.flush()


def mount(*args):
    subprocess.run(['mount'] + list(args), check=True)


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.islink(path):
        os.unlink(path)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


def build_file_system(cfg):
    mount('--make-rprivate', '/')
    for d in OVERLAY_DIRS:
        if not os.path.isdir(d):
            continue
        upper = os.path.join(cfg['layer_dir'], 'upper' + d)
        work = os.path.join(cfg['layer_dir'], 'work' + d)
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        # An image layer (--image-layer) lies over the host's files.
        lower = d
        if cfg.get('image_layer') and os.path.isdir(cfg['image_layer'] + d):
            lower = cfg['image_layer'] + d + ':' + d
        mount('-t', 'overlay', 'overlay', '-o',
              'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, work), d)
    mount('-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run')
    # Binds first: their sources may sit under the host's /tmp.
    for source, target in cfg['binds']:
        os.makedirs(target, exist_ok=True)
        mount('--bind', source, target)
        mount('-o', 'remount,bind,ro', target)
    for d, mode in TMPFS_DIRS[1:]:
        mount('-t', 'tmpfs', '-o', 'mode=' + mode, 'tmpfs', d)
    mount('-t', 'proc', 'proc', '/proc')


def configure(cfg):
    socket.sethostname(cfg['hostname'])
    write('/etc/hostname', cfg['hostname'] + '\n')
    write('/etc/hosts', cfg['hosts'])
    write('/etc/resolv.conf', cfg['resolv_conf'])
    if cfg.get('gitconfig'):
        write('/etc/gitconfig', cfg['gitconfig'])
    if cfg.get('ca_cert'):
        bundle = '/etc/ssl/certs/ca-certificates.crt'
        old = open(bundle).read() if os.path.exists(bundle) else ''
        write(bundle, old + cfg['ca_cert'])
    for path, text in cfg.get('files', {}).items():
        write(path, text)
    for path, text in cfg['shims'].items():
        write(path, text, 0o755)
    os.makedirs('/run/localstack', exist_ok=True)


def start_image_services(env):
    if not os.path.isdir(IMAGE_SERVICES):
        return
    for name in sorted(os.listdir(IMAGE_SERVICES)):
        path = os.path.join(IMAGE_SERVICES, name)
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        status = subprocess.run([path], env=env, cwd='/', stdin=subprocess.DEVNULL).returncode
        # As systemd: a failed unit is logged and the boot goes on.
        say('image service %s ran, exit status %d' % (name, status))


def run_user_data(cfg):
    write(USER_DATA, cfg['user_data'], 0o700)
    env = {'PATH': ':'.join(CLOUD_INIT_PATH), 'HOME': '/root'}
    start_image_services(env)
    say('running user data (%s) as root with PATH=%s HOME=/root'
        % (USER_DATA, env['PATH']))
    return subprocess.Popen([USER_DATA], env=env, cwd='/',
                            stdin=subprocess.DEVNULL, close_fds=True)


def power_off(*_):
    try:
        how = open(POWER_OFF_NOTE).read().strip()
    except OSError:
        how = 'power off'
    say('power off requested by `%s`: stopping every process' % how)
    os.kill(-1, signal.SIGKILL)  # all of this PID namespace but PID 1
    os._exit(0)


def main():
    cfg = json.load(open(sys.argv[1]))
    signal.signal(signal.SIGUSR1, power_off)
    if cfg.get('image_root'):
        node_image.build_root(cfg)  # the image's root (create --image)
    else:
        build_file_system(cfg)
    configure(cfg)
    say('node %s booted: %s' % (cfg['hostname'], ', '.join(
        '%s %s' % (nic, addr) for nic, addr in cfg['nics'])))
    script = run_user_data(cfg)
    while True:  # PID 1: reap every orphan until the node is powered off
        try:
            pid, status = os.wait()
        except ChildProcessError:
            signal.pause()
            continue
        if pid == script.pid:
            say('user data exited with status %d; the node stays up'
                % os.waitstatus_to_exitcode(status))


if __name__ == '__main__':
    main()
