#!/usr/bin/python3
"""samples/mnist.dml through localstack on an image with firewalld, as
Chameleon's CC images on bare metal: the image layer tests/localstack/images/
firewalld starts a stand-in firewalld at boot that really enforces, with
nftables in each node's own network namespace (inbound: SSH, ICMP, loopback
and replies only, unless the source is in the trusted zone), and a stand-in
firewall-cmd that adds sources to that zone. Runtime from this build's .deb.

usage: firewall_test.py DMLC CASE
  opened      workers=1: every node's boot opens firewalld's trusted zone to
              the subnet, the nodes train, CREATE_COMPLETE
  not-opened  the same template with the two firewall-cmd calls removed
              (rendezvous timeout 30 s): the nodes never reach each other,
              CREATE_FAILED; so `opened` passes only because the boot
              opened the firewall
  conflict    the image's permanent firewalld configuration binds the subnet
              to the `public` zone: firewall-cmd refuses (ZONE_CONFLICT) and
              the stack fails naming the node, the step and firewalld's error
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import localstack_run as ls  # noqa: E402

MNIST = os.path.join(ls.ROOT, 'samples', 'mnist.dml')
LAYER = os.path.join(ls.HERE, 'images', 'firewalld')
SUBNET = '10.8.1.0/24'
STEP = 'opening the host firewall (firewalld) to the private subnet'


def deploy(dmlc, work, layer, dml_edits=(), template_edit=None):
    edits, args = ls.deb_runtime(dmlc, work)
    template = ls.compile_dml(dmlc, MNIST, work, list(dml_edits) + edits)
    if template_edit:
        template_edit(template)
    return ls.create(template, ['--parameter', 'key_name=k', '--parameter', 'workers=1',
                                '--image-layer', '%s=%s' % (ls.default_image(template), layer)] + args,
                     work, timeout=900)


def check_firewalld_started(stack):
    for n in stack['nodes']:
        text = ls.console(stack, n['name'])
        ls.check('image service firewalld ran, exit status 0' in text and
                 'firewalld (stand-in): running' in text, '%s booted with firewalld running' % n['name'], stack)


def opened(dmlc, work):
    rc, stack = deploy(dmlc, work, LAYER)
    ls.check(rc == 0 and stack['stack_status'] == 'CREATE_COMPLETE',
             'CREATE_COMPLETE (%s)' % stack['stack_status_reason'], stack)
    check_firewalld_started(stack)
    for n in stack['nodes']:
        ls.check('dml: firewalld trusts the private subnet %s (runtime and permanent)' % SUBNET
                 in ls.console(stack, n['name']), '%s opened firewalld to %s' % (n['name'], SUBNET), stack)
    acc = re.search(r'done: test accuracy ([0-9.]+)', ls.output(stack, 'job_result') or '')
    ls.check(acc is not None and float(acc.group(1)) >= 0.85, 'the two nodes trained: %s'
             % (acc.group(1) if acc else 'no accuracy'), stack)


def remove_firewall_calls(template):
    text = open(template).read()
    text, n = re.subn(r'\n( *)dml_firewall_cmd (--permanent )?--zone=trusted [^\n]*', r'\n\1:', text)
    ls.check(n == 4, 'removed the 2 firewall-cmd calls of both boot scripts (%d)' % n)
    with open(template, 'w') as f:
        f.write(text)


def not_opened(dmlc, work):
    rc, stack = deploy(dmlc, work, LAYER, [(r'rendezvous = 10m', 'rendezvous = 30s')], remove_firewall_calls)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED', stack)
    check_firewalld_started(stack)
    # Whichever gives up first at the 30 s timeout: the worker, which never
    # reached the master's package, or the master, whose rendezvous the
    # worker never joined.
    reason = stack['stack_status_reason']
    data = ls.output(stack, 'job_result') or ''
    worker = ('node 1 (workers): boot script failed while fetching the dml runtime package from the master'
              in reason and 'no answer from the master' in reason)
    master = 'node 0 (master): dmlrun exited' in reason and re.search('rendezvous', data, re.I) is not None
    ls.check(worker or master, 'firewalld kept the nodes apart: ' + reason, stack)


def conflict(dmlc, work):
    layer = os.path.join(work, 'image')
    shutil.copytree(LAYER, layer, symlinks=True)
    zones = os.path.join(layer, 'etc', 'firewalld', 'zones')
    os.makedirs(zones)
    with open(os.path.join(zones, 'public.xml'), 'w') as f:
        f.write('<zone><source address="%s"/></zone>\n' % SUBNET)
    rc, stack = deploy(dmlc, work, layer)
    ls.check(rc == 1 and stack['stack_status'] == 'CREATE_FAILED', 'CREATE_FAILED', stack)
    reason = stack['stack_status_reason']
    ls.check(re.search(r'node \d \((master|workers)\): boot script failed while %s \(exit status 1\): '
                       r'firewall-cmd --zone=trusted --add-source=%s failed: '
                       r"Error: ZONE_CONFLICT: '%s' already bound to 'public'"
                       % (re.escape(STEP), re.escape(SUBNET), re.escape(SUBNET)), reason) is not None,
             'the reason names the node, the step and firewalld\'s error: ' + reason, stack)


CASES = {'opened': opened, 'not-opened': not_opened, 'conflict': conflict}


if __name__ == '__main__':
    ls.run_case(CASES, 'dmlls-test-firewall')
