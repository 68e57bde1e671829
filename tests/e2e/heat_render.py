"""Heat's own engine (Debian's python3-heat), offline, as a test library:
validates a template with stack-create values and resolves the user_data each
server gets, a ResourceGroup member's with Heat's own index_var substitution.

Loads the stubs of shared/heat-validate (heat_validate.py, whose path the
caller gives). The wait handle's curl_cli resolves to NOTIFY_STAND_IN, a
command a test provides. Run with /usr/bin/python3.
"""
import argparse
import logging
import os
import sys
import warnings

NOTIFY_STAND_IN = "dml_test_notify"

_ready = False


def _init(validator):
    global _ready
    if _ready:
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(validator)))
    import heat_validate
    logging.disable(logging.CRITICAL)
    warnings.simplefilter('ignore')
    from oslo_config import cfg
    cfg.CONF([], project='heat', default_config_files=[], default_config_dirs=[])
    from heat.engine import resources
    resources.initialise()
    heat_validate.stub_cloud()
    from heat.engine.hot import functions
    plain_result = functions.GetAtt.result

    def result(self):
        args = self.args if isinstance(self.args, list) else []
        if len(args) >= 2 and args[1] == 'curl_cli':
            return NOTIFY_STAND_IN
        return plain_result(self)
    functions.GetAtt.result = result
    _ready = True


class Refused(Exception):
    """Heat refused the template or a value (its message is the text)."""


def load(validator, template, params):
    """The validated Stack, or Refused with Heat's message."""
    _init(validator)
    import heat_validate
    stack = heat_validate.load(argparse.Namespace(
        template=template, environment=[], notes=set(),
        param=['%s=%s' % (k, v) for k, v in params.items()]))
    try:
        stack.validate()
    except Exception as e:  # Heat's StackValidationFailed and friends
        raise Refused(str(e))
    return stack


def user_data(stack, resource, index=None):
    """The user_data text of a server, or of member `index` of a group."""
    res = stack.resources[resource]
    if index is None:
        return res.properties['user_data']
    definition = res.build_resource_definition(str(index), res.get_resource_def(include_all=True))
    return definition._properties['user_data']
