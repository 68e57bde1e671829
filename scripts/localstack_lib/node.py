"""One server: its process tree in its own namespaces, its console, its logs.

The node runs `ip netns exec <its netns> unshare --mount --uts --ipc --pid
--fork --kill-child node_init.py CONFIG`: node_init becomes PID 1 of a new
PID namespace, so killing it (or the unshare above it, through
--kill-child) ends every process of the node. Its stdout and stderr are the
node's console, saved as <log-dir>/<server>/console.log and watched for the
lines a boot script and dmlrun print (events).
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

NODE_INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'node_init.py')
SHIM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'shims')

# Console lines worth an event: the boot script's and localstack's own, and
# dmlrun's start of training, result and errors.
EVENT_LINE = re.compile(r'^(dml: .*|localstack: .*|training: .*|done: .*|'
                        r'dmlrun: (error|done).*)$')


def shims(apt_shim=True):
    """Path in the node -> text of its shim (a node booted from an image
    has its own apt, which reaches Debian's registry: no apt-get shim)."""
    text = {n: open(os.path.join(SHIM_DIR, n)).read()
            for n in ('apt-get', 'power-off', 'systemctl')}
    out = {'/usr/local/sbin/systemctl': text['systemctl']}
    if apt_shim:
        out['/usr/local/sbin/apt-get'] = text['apt-get']
    for cmd in ('shutdown', 'poweroff', 'halt', 'reboot'):
        # On the PATH first, and over the image's own (/sbin is /usr/sbin).
        out['/usr/local/sbin/' + cmd] = text['power-off']
        out['/usr/sbin/' + cmd] = text['power-off']
    return out


class Node(object):
    def __init__(self, server, netns, run_dir, log_dir, on_event):
        self.server, self.netns = server, netns
        self.name = server.name
        self.dir = os.path.join(run_dir, 'nodes', self.name)
        self.log_dir = os.path.join(log_dir, self.name)
        self.on_event = on_event  # callable(node, text)
        self.proc = None
        self.powered_off = None   # how, once the node stopped itself
        self.ended = threading.Event()
        self.tail = []

    def start(self, config):
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.log_dir, exist_ok=True)
        config = dict(config, layer_dir=os.path.join(self.dir, 'layer'),
                      shims=shims(apt_shim=not config.get('image_root')))
        path = os.path.join(self.dir, 'config.json')
        with open(path, 'w') as f:
            json.dump(config, f)
        cmd = ['ip', 'netns', 'exec', self.netns, 'unshare', '--mount',
               '--uts', '--ipc', '--pid', '--fork', '--kill-child',
               '/usr/bin/python3', NODE_INIT, path]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env={'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'},
            start_new_session=True)
        threading.Thread(target=self._console, daemon=True).start()

    def _console(self):
        with open(os.path.join(self.log_dir, 'console.log'), 'wb') as log:
            for raw in self.proc.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode('utf-8', 'replace').rstrip('\n')
                # The node's own lines may end without a newline (curl's
                # body): localstack's notes start wherever they are.
                cut = line.find('localstack: ')
                if cut > 0:
                    line = line[cut:]
                self.tail = (self.tail + [line])[-20:]
                m = EVENT_LINE.match(line)
                if m:
                    if line.startswith('localstack: power off'):
                        self.powered_off = line
                    self.on_event(self, line)
        self.proc.wait()
        self.ended.set()
        if self.powered_off:
            self.on_event(self, 'powered off')
        else:
            self.on_event(self, 'stopped (exit status %s)'
                          % self.proc.returncode)

    def running(self):
        return self.proc is not None and not self.ended.is_set()

    def stop(self):
        """Power the node off from outside: every process of it ends."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:  # unshare, whose --kill-child takes PID 1 and so all the node
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.ended.wait(10)

    def copy_logs(self):
        """The node's /var/log/dml/*.log, from its writable layer."""
        upper = os.path.join(self.dir, 'layer', 'upper', 'var', 'log', 'dml')
        for path in glob.glob(os.path.join(upper, '*.log')):
            try:
                shutil.copy(path, self.log_dir)
            except OSError:
                pass


def wait_all(nodes, timeout):
    deadline = time.monotonic() + timeout
    for n in nodes:
        n.ended.wait(max(0, deadline - time.monotonic()))
