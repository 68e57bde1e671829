#!/usr/bin/python3
"""Prints the master's user_data as Heat resolves it at stack create.

usage: heat_user_data.py HEAT_VALIDATE TEMPLATE [-P KEY=VALUE ...]

Runs Heat's own engine offline (the stubs and loader of heat_validate.py,
shared/heat-validate): the template is validated, then the master server's
user_data property is resolved, str_replace and all, with the parameters
given. Attributes of resources not yet created (the wait handle's curl_cli)
resolve to empty text. Run it with /usr/bin/python3 (Debian's python3-heat).
"""
import argparse
import logging
import os
import sys
import warnings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('validator')
    ap.add_argument('template')
    ap.add_argument('-P', '--param', action='append', default=[], metavar='KEY=VALUE')
    args = ap.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(args.validator)))
    import heat_validate
    logging.disable(logging.CRITICAL)
    warnings.simplefilter('ignore')
    from oslo_config import cfg
    cfg.CONF([], project='heat', default_config_files=[], default_config_dirs=[])
    from heat.engine import resources
    resources.initialise()
    heat_validate.stub_cloud()

    stack = heat_validate.load(argparse.Namespace(
        template=args.template, environment=[], param=args.param, notes=set()))
    stack.validate()
    sys.stdout.write(stack.resources['master'].properties['user_data'])


if __name__ == '__main__':
    main()
