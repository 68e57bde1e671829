"""One `create`: the cloud's objects made real on this machine, and waited on.

The Backend is what localstack_lib.cloud.Cloud calls as Heat's walk creates
each object: a subnet becomes a bridge, a server a node (namespaces, NIC,
firewall, file system, boot), a wait condition handle an endpoint, and a
wait condition Heat's own polling (check_create_complete) until it is done,
fails or times out.
"""
import time

from . import network, node as node_mod, waitserver

POLL_S = 0.5


class StackTimeout(BaseException):
    """The whole create ran past --timeout ("Create timed out", as Heat).

    Not an Exception: Heat's walk must not wrap it as a resource failure."""


class AllStopped(BaseException):
    """Every server stopped with signals still missing. Heat would wait
    until the wait condition's timeout; localstack says so and ends."""


class Backend(object):
    def __init__(self, run, report):
        self.run = run            # localstack_lib.cli.Run: options, paths
        self.report = report
        self.net = network.Network(run.prefix, run.record)
        self.nodes = []
        self.hub = waitserver.SignalHub(self._signalled)
        self.deadline = time.monotonic() + run.timeout
        self.cloud = None

    # Cloud callbacks -------------------------------------------------------
    def subnet_created(self, subnet):
        self.net.add_subnet(subnet)
        self.report.event('network', 'subnet %s: bridge in %s, gateway %s'
                          % (subnet.cidr, self.net.cloud_ns, subnet.gateway))

    def rules_changed(self, cloud):
        self.cloud = cloud
        self.net.apply_security_groups(cloud)

    def server_created(self, server):
        nics = self.net.add_node(server, server.group)
        self.net.apply_security_groups(self.cloud)
        n = node_mod.Node(server, self.net.node_ns[server.name],
                          self.run.run_dir, self.run.log_dir, self._node_event)
        n.nics = nics
        self.nodes.append(n)
        n.start(self.run.node_config(server, nics))
        self.report.event(server.name, 'server created (%s), %s'
                          % (self.net.node_ns[server.name],
                             ', '.join('%s %s' % x for x in nics)))

    def wait_handle_created(self, rsrc, token):
        self.hub.add(rsrc, token)

    def wait(self, rsrc, check):
        self.report.event('heat', '%s: waiting for %s signal(s), timeout %s s'
                          % (rsrc.name, rsrc.properties['count'],
                             rsrc.properties['timeout']))
        while True:
            with self.hub.lock:
                if check():  # Heat's: raises on a failure or its timeout
                    return
            if time.monotonic() > self.deadline:
                raise StackTimeout()
            if self.nodes and not any(n.running() for n in self.nodes):
                with self.hub.lock:
                    if not check():
                        raise AllStopped()
            time.sleep(POLL_S)

    # Events ----------------------------------------------------------------
    def _signalled(self, handle, details, reason):
        self.report.event('heat', '%s: Signal: %s' % (handle.name, reason))

    def _node_event(self, n, text):
        self.report.event(n.name, text)

    # End -------------------------------------------------------------------
    def stop_all(self):
        for n in self.nodes:
            if n.running():
                n.stop()
                self.report.event(n.name, 'stopped by localstack')

    def wait_power_off(self, seconds):
        node_mod.wait_all(self.nodes, seconds)

    def collect_logs(self):
        for n in self.nodes:
            n.copy_logs()


