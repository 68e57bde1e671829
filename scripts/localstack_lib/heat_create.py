"""Create a Heat Stack's resources in Heat's dependency order, on the emulation.

The walk is Heat's: resources come from `stack.dependencies` (the order
heat-engine creates them in), and after each one its state and attribute
values go into the stack definition with `node_data()`, as heat-engine does,
so every later `get_attr`, `get_resource`, `str_replace` or yaql resolves
through Heat's own functions. Heat-native resources run Heat's own code
(the wait condition handle's token and curl_cli, the wait condition's
counting and data, ResourceGroup's member definitions and index_var); the
cloud's resources (networks, ports, servers) are emulated by a `cloud`
object (localstack_lib.cloud.Cloud) that answers with their attributes.
"""
import secrets

# OS:: types the tool knows how to run; anything else is refused (a stack
# that half-runs would mislead more than one that does not start).
NEUTRON_NOOPS = ('OS::Neutron::Router', 'OS::Neutron::RouterInterface')


class Unsupported(Exception):
    pass


def set_emulated_attributes(rsrc, resource_id, attrs):
    """The cloud's answer to get_resource and get_attr for RSRC."""
    from heat.engine import attributes

    def get_attribute(key, *path):
        if key == 'show':
            return dict(attrs)
        return attributes.select_from_attribute(attrs.get(key), path)
    rsrc.resource_id = resource_id
    rsrc.get_attribute = get_attribute
    rsrc.FnGetAtt = get_attribute


def mark_created(stack, rsrc):
    """CREATE_COMPLETE, and its data where Heat's functions will look."""
    from heat.engine import stk_defn
    rsrc.action, rsrc.status = rsrc.CREATE, rsrc.COMPLETE
    rsrc.status_reason = 'state changed'
    stk_defn.update_resource_data(stack.defn, rsrc.name, rsrc.node_data())


class StackCreator(object):
    """Runs `stack create` for one (possibly nested) Stack."""

    def __init__(self, cloud, events):
        self.cloud = cloud
        self.events = events  # callable(text)

    def create(self, stack):
        for rsrc in stack.dependencies:
            self.create_resource(stack, rsrc)
        return stack

    def create_resource(self, stack, rsrc):
        kind = rsrc.type()
        handler = {
            'OS::Neutron::Net': self._net,
            'OS::Neutron::Subnet': self._subnet,
            'OS::Neutron::SecurityGroup': self._security_group,
            'OS::Neutron::SecurityGroupRule': self._security_group_rule,
            'OS::Neutron::Port': self._port,
            'OS::Neutron::FloatingIP': self._floating_ip,
            'OS::Nova::Server': self._server,
            'OS::Heat::WaitConditionHandle': self._wait_handle,
            'OS::Heat::WaitCondition': self._wait_condition,
            'OS::Heat::ResourceGroup': self._resource_group,
        }.get(kind)
        if handler is None and kind in NEUTRON_NOOPS:
            handler = self._noop
        if handler is None:
            raise Unsupported('resource %s: type %s is not emulated by '
                              'localstack' % (rsrc.name, kind))
        from heat.common import exception
        try:
            handler(stack, rsrc)
        except exception.ResourceFailure:
            raise
        except Exception as ex:
            # Heat's wording: "<Error>: resources.<name>: <message>".
            raise exception.ResourceFailure(ex, rsrc, 'CREATE')
        if rsrc.action != rsrc.CREATE or rsrc.status != rsrc.COMPLETE:
            mark_created(stack, rsrc)

    # Neutron -----------------------------------------------------------
    def _noop(self, stack, rsrc):
        set_emulated_attributes(rsrc, '%s-%s' % (rsrc.name, stack.id[:8]), {})

    def _net(self, stack, rsrc):
        net = self.cloud.create_net(rsrc.properties['name'] or rsrc.name)
        set_emulated_attributes(rsrc, net.id, net.attributes())

    def _subnet(self, stack, rsrc):
        p = rsrc.properties
        subnet = self.cloud.create_subnet(
            p['network'], p['cidr'], p['gateway_ip'],
            p['allocation_pools'] or [], p['name'] or rsrc.name)
        set_emulated_attributes(rsrc, subnet.id, subnet.attributes())

    def _security_group(self, stack, rsrc):
        p = rsrc.properties
        group = self.cloud.create_security_group(
            p['name'] or rsrc.name, p['rules'] or [])
        set_emulated_attributes(rsrc, group.id, group.attributes())

    def _security_group_rule(self, stack, rsrc):
        p = dict(rsrc.properties)
        group_id = p.pop('security_group')
        rule = self.cloud.add_security_group_rule(group_id, p)
        set_emulated_attributes(rsrc, rule['id'], rule)

    def _port(self, stack, rsrc):
        p = rsrc.properties
        port = self.cloud.create_port(
            p['network'], p['fixed_ips'] or [], p['security_groups'],
            p['name'] or rsrc.name)
        set_emulated_attributes(rsrc, port.id, port.attributes())

    def _floating_ip(self, stack, rsrc):
        p = rsrc.properties
        fip = self.cloud.create_floating_ip(p['port_id'])
        set_emulated_attributes(rsrc, fip['id'], fip)

    # Nova --------------------------------------------------------------
    def _server(self, stack, rsrc):
        p = rsrc.properties
        if p['user_data_format'] != 'RAW':
            raise Unsupported('server %s: user_data_format %s; localstack '
                              'runs RAW user_data only'
                              % (rsrc.name, p['user_data_format']))
        # Nova's name is Heat's physical name when the template gives none:
        # <stack>-<resource>-<12 random characters>.
        name = p['name'] or '%s-%s-%s' % (stack.name, rsrc.name,
                                          secrets.token_hex(6))
        # A ResourceGroup's members form one group (None: a top-level server).
        group = stack.parent_resource_name
        server = self.cloud.create_server(
            name, p['user_data'] or '', p['networks'] or [],
            p['security_groups'] or [], group, image=p['image'] or '')
        set_emulated_attributes(rsrc, server.id, server.attributes())

    # Heat's own resources, through Heat's code ---------------------------
    def _wait_handle(self, stack, rsrc):
        if not rsrc._signal_transport_token():
            raise Unsupported('wait handle %s: signal_transport %s; '
                              'localstack serves TOKEN_SIGNAL only'
                              % (rsrc.name, rsrc.properties['signal_transport']))
        # What HeatWaitConditionHandle.handle_create stores, with the stack
        # user's Keystone token made here.
        token = secrets.token_hex(16)
        rsrc.resource_id = 'stack-user-' + rsrc.name
        rsrc.data_set('token', token, True)
        rsrc.data_set('endpoint', '%s/signal' % rsrc._get_resource_endpoint())
        rsrc.action, rsrc.status = rsrc.CREATE, rsrc.COMPLETE
        self.cloud.register_wait_handle(rsrc, token)
        mark_created(stack, rsrc)

    def _wait_condition(self, stack, rsrc):
        rsrc.action = rsrc.CREATE
        rsrc.status = rsrc.IN_PROGRESS
        data = rsrc.handle_create()  # Heat's: (handle, started_at, timeout)
        self.cloud.wait_for(rsrc, lambda: rsrc.check_create_complete(data))

    def _resource_group(self, stack, rsrc):
        rsrc.action = rsrc.CREATE
        rsrc.status = rsrc.IN_PROGRESS
        names = list(rsrc._resource_names())
        child_template = rsrc.child_template()  # Heat's member definitions
        child = rsrc._parse_nested_stack(
            '%s-%s' % (stack.name, rsrc.name), child_template,
            rsrc.child_params())
        child.id = '%s-%s' % (stack.id, rsrc.name)
        self.events('group %s: %d member(s)' % (rsrc.name, len(names)))
        self.create(child)
        # The group's attributes are its nested stack's outputs, as Heat's
        # show_stack would return them.
        from heat.engine import api
        outputs = api.format_stack_outputs(child.outputs, resolve_value=True)
        rsrc._outputs = {o['output_key']: o for o in outputs}
        rsrc._nested = child
        rsrc.resource_id = child.id
        rsrc.action, rsrc.status = rsrc.CREATE, rsrc.COMPLETE
        mark_created(stack, rsrc)


def outputs(stack):
    """`openstack stack show`'s outputs, by Heat's own output resolution."""
    from heat.engine import api
    stack._update_all_resource_data(False, True)
    shown = api.format_stack_outputs(stack.outputs, resolve_value=True)
    return [{'output_key': o['output_key'],
             'output_value': o.get('output_value'),
             **({'output_error': o['output_error']}
                if 'output_error' in o else {})}
            for o in shown]

