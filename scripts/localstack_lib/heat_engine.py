"""Heat's own engine, offline: parse, validate and resolve a HOT template.

Debian's python3-heat (Heat 19, Zed) builds the Stack exactly as heat-engine
does for `openstack stack create`; only what needs a cloud is replaced:
  * the database: resource data and metadata live in memory (MemoryStore);
  * look-ups of cloud objects (custom constraints such as nova.keypair,
    glance.image, nova.flavor, neutron.network) pass and are recorded as
    "not checked locally";
  * Keystone's catalogue: Heat's URL is the tool's own wait-condition
    endpoint (clients_heat.url), so the handle's endpoint and curl_cli are
    built by Heat's own code.
Anything else that would reach a service fails with OfflineCall.
"""
import logging
import uuid
import warnings

PROJECT_ID = 'localstack'


class OfflineCall(Exception):
    """Heat wanted a cloud service that localstack does not emulate."""


class TemplateError(Exception):
    """Heat refused the template or its parameters (Heat's own message)."""


class MemoryStore(object):
    """In-memory replacement of Heat's resource data and metadata tables."""

    def __init__(self):
        self.data = {}      # id(resource) -> {key: value}
        self.metadata = {}  # id(resource) -> dict

    def install(self):
        from heat.engine import resource
        store = self

        def data(rsrc):
            return dict(store.data.get(id(rsrc), {}))

        def data_set(rsrc, key, value, redact=False):
            store.data.setdefault(id(rsrc), {})[key] = value

        def metadata_get(rsrc, refresh=False):
            if id(rsrc) in store.metadata:
                return dict(store.metadata[id(rsrc)])
            return rsrc.t.metadata() or {}

        def metadata_set(rsrc, metadata, merge_metadata=None):
            if merge_metadata is not None:
                metadata = merge_metadata(metadata, metadata_get(rsrc))
            store.metadata[id(rsrc)] = metadata

        from heat.engine import stack
        # No stored resources: every stack here is being created.
        stack.Stack._db_resources_get = lambda st, *a, **k: {}
        # Heat's limit on resources per stack counts what it stored; count
        # the template instead.
        stack.Stack.total_resources = (
            lambda st, stack_id=None: len(st.t[st.t.RESOURCES]))
        stack.Stack.root_stack_id = lambda st: st.owner_id or st.id
        resource.Resource.data = data
        resource.Resource.data_set = data_set
        resource.Resource.metadata_get = metadata_get
        resource.Resource.metadata_set = metadata_set


class Engine(object):
    """Heat, configured once per process, with its cloud look-ups stubbed."""

    def __init__(self, heat_url):
        logging.disable(logging.CRITICAL)
        warnings.simplefilter('ignore')
        from oslo_config import cfg
        cfg.CONF([], project='heat', default_config_files=[],
                 default_config_dirs=[])
        from heat.common import config  # registers clients_heat and the rest
        from heat.engine import resources
        config.list_opts()
        resources.initialise()
        # The wait condition endpoint: Heat builds the handle's URL from it.
        cfg.CONF.set_override('url', heat_url + '/%(tenant_id)s',
                              group='clients_heat')
        self.not_checked = []  # (constraint name, value)
        self.store = MemoryStore()
        self.store.install()
        self._stub_cloud()

    def _stub_cloud(self):
        import novaclient
        from heat.common import context
        from heat.engine import constraints, resource
        from heat.engine.clients import client_plugin
        from heat.engine.clients.os import glance, neutron, nova

        not_checked = self.not_checked
        real_is_valid = constraints.CustomConstraint._is_valid

        def is_valid(con, value, schema, ctx):
            # Constraints that look a name up in the cloud (their class keeps
            # BaseCustomConstraint.validate) pass; the others (ip_addr,
            # net_cidr, ...) are Heat's own checks and run.
            kind = type(con.custom_constraint)
            if kind.validate is constraints.BaseCustomConstraint.validate:
                if (con.name, value) not in not_checked:
                    not_checked.append((con.name, value))
                return True
            return real_is_valid(con, value, schema, ctx)
        constraints.CustomConstraint._is_valid = is_valid

        resource.Resource.is_service_available = classmethod(
            lambda cls, ctx: (True, None))
        nova.NovaClientPlugin.max_microversion = (
            novaclient.API_MAX_VERSION.get_string())
        nova.NovaClientPlugin.absolute_limits = lambda self: {
            'maxServerMeta': 128, 'maxPersonality': 5,
            'maxPersonalitySize': 10240}
        from heat.engine.resources.openstack.nova import server
        server.Server._validate_image_flavor = lambda self, i, f: None
        # A name or id of a cloud object is taken as its id.
        same = (lambda self, *args, **kw: args[-1])
        neutron.NeutronClientPlugin.find_resourceid_by_name_or_id = same
        nova.NovaClientPlugin.find_flavor_by_name_or_id = same
        glance.GlanceClientPlugin.find_image_by_name_or_id = same

        def offline(what):
            raise OfflineCall('Heat wanted to call %s, which localstack does '
                              'not emulate' % what)

        class NoEngineRPC(object):
            def __getattr__(self, name):
                offline('heat-engine RPC ' + name)
        resource.Resource.rpc_client = lambda self: NoEngineRPC()
        client_plugin.ClientPlugin.client = (
            lambda self, *a, **k: offline(type(self).__name__))
        context.RequestContext.keystone_session = property(
            lambda self: offline('keystone'))

    def load(self, path, params, name):
        """The Stack heat-engine builds for `stack create -t PATH`."""
        from heatclient.common import template_utils
        from oslo_serialization import jsonutils
        from heat.common import context, exception, template_format
        from heat.engine import environment, stack, template

        try:
            with open(path) as f:
                template_format.parse(f.read())
            files, tpl = template_utils.get_template_contents(path)
        except Exception as ex:
            raise TemplateError('%s: %s' % (type(ex).__name__, ex))
        tpl, files = jsonutils.loads(jsonutils.dumps([tpl, files]))
        env = environment.Environment({'parameters': dict(params)})
        tmpl = template.Template(tpl, files=files, env=env)
        ctx = context.RequestContext(project_id=PROJECT_ID, user_id='localstack',
                                     auth_token='localstack')
        st = stack.Stack(ctx, name, tmpl, stack_user_project_id=PROJECT_ID)
        st.id = str(uuid.uuid4())
        try:
            st.validate()
        except exception.HeatException as ex:
            # What `openstack stack create` prints after "ERROR: ".
            raise TemplateError(str(ex))
        except Exception as ex:
            raise TemplateError('%s: %s' % (type(ex).__name__, ex))
        return st

    def not_checked_text(self):
        return ['%s %r' % (name, value) for name, value in self.not_checked]
