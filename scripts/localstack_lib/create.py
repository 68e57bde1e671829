"""`localstack create`: Heat's engine over the emulated cloud, start to end.

  1. Heat parses and validates the template with the parameters (a refusal
     ends here with Heat's message, as `openstack stack create` would).
  2. The cloud side of the network and the wait condition endpoint start.
  3. Heat's walk creates the resources in its order; servers boot as they
     are created; the wait condition waits with Heat's own counting.
  4. CREATE_COMPLETE: the nodes power themselves off (grace period);
     CREATE_FAILED (a failure signal, Heat's timeout, --timeout): every node
     is stopped at once.
  5. Outputs by Heat's own resolution; nodes' logs copied; the caller
     removes everything (unless --keep).
"""
import os

from . import heat_create, heat_engine, netns_socket, network, runner
from . import waitserver
from .cloud import Cloud, CloudError
from .cli import POWER_OFF_GRACE_S, pairs

HEAT_URL = 'http://%s:%d/v1' % (network.HEAT_API_ADDR, network.HEAT_API_PORT)


def stack_name(template):
    return os.path.basename(template).split('.')[0] or 'stack'


def create(args, run, report):
    from heat.common import exception
    engine = heat_engine.Engine(HEAT_URL)
    name = stack_name(args.template)
    try:
        stack = engine.load(args.template, pairs(args.parameter,
                                                 '--parameter'), name)
    except (heat_engine.TemplateError, heat_engine.OfflineCall) as ex:
        print('ERROR: %s' % ex)
        return 1
    for text in engine.not_checked_text():
        report.note('not checked locally: ' + text)
    report.note('apt-get on nodes booted from the host is localstack\'s shim: '
                'installed host packages count as installed, nothing is downloaded')

    run.note = report.note
    backend = runner.Backend(run, report)
    backend.net.setup()
    sock = netns_socket.listening_socket(
        backend.net.cloud_ns, network.HEAT_API_ADDR, network.HEAT_API_PORT)
    waitserver.make_server(sock, backend.hub)
    run.start_file_server(backend.net.cloud_ns)
    run.images.start_proxy(backend.net.cloud_ns, report.note)
    cloud = Cloud(backend)
    backend.cloud = cloud
    report.event('heat', 'stack %s: CREATE_IN_PROGRESS (run %s)'
                 % (name, run.prefix))

    status, reason = 'CREATE_COMPLETE', 'Stack CREATE completed successfully'
    try:
        heat_create.StackCreator(
            cloud, lambda text: report.event('heat', text)).create(stack)
    except exception.ResourceFailure as ex:
        status, reason = 'CREATE_FAILED', 'Resource CREATE failed: %s' % ex
    except runner.StackTimeout:
        status, reason = 'CREATE_FAILED', 'Create timed out'
    except runner.AllStopped:
        status, reason = 'CREATE_FAILED', (
            'localstack: every server stopped before the wait condition got '
            'its signals (Heat would wait until its timeout)')
    except (CloudError, heat_create.Unsupported) as ex:
        status, reason = 'CREATE_FAILED', str(ex)
    report.event('heat', 'stack %s: %s: %s' % (name, status, reason))

    if status == 'CREATE_COMPLETE':
        backend.wait_power_off(POWER_OFF_GRACE_S)
    backend.stop_all()
    backend.hub.close()  # later signals find no stack, as after a delete
    backend.collect_logs()
    run.images.report_proxy(report.note)
    outputs = heat_create.outputs(stack)
    nodes = [{'name': n.name, 'netns': n.netns,
              'addresses': [str(p.ip) for p in n.server.ports],
              'nics': network.nic_counters(n.netns, n.nics),
              'powered_off': bool(n.powered_off),
              'first_training_s': report.first_event(n.name, 'training: '),
              'log_dir': n.log_dir} for n in backend.nodes]
    report.finish(name, status, reason, outputs,
                  {'run': run.prefix, 'log_dir': run.log_dir,
                   'nodes': nodes} if args.json else
                  {'run': run.prefix, 'log_dir': run.log_dir})
    return 0 if status == 'CREATE_COMPLETE' else 1
