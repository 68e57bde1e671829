#!/usr/bin/env python3
"""Writes every user_data script of a Heat template to OUT_DIR/<resource>.sh.

Heat fills `str_replace` params before a node runs the script; this does the
same with stand-in values (a get_param/get_attr becomes a plausible literal),
so that bash -n and shellcheck see what a node would run.
"""
import os
import sys

import yaml

STAND_INS = {"get_attr": "curl -i -X POST -H 'X-Auth-Token: t' http://heat.invalid/signal",
             "get_param": "3", "get_resource": "0a1b2c3d"}


def stand_in(value):
    if isinstance(value, dict):
        (fn, _), = value.items()
        return STAND_INS.get(fn, "x")
    return str(value)


def user_data_in(node):
    """Every user_data value under `node` (a ResourceGroup nests its server)."""
    if isinstance(node, dict):
        if "user_data" in node:
            yield node["user_data"]
        for value in node.values():
            yield from user_data_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from user_data_in(item)


def scripts(resources):
    for name, resource in resources.items():
        for user_data in user_data_in(resource):
            yield name, user_data


def render(user_data):
    if isinstance(user_data, str):
        return user_data
    spec = user_data["str_replace"]
    text = spec["template"]
    for token, value in spec.get("params", {}).items():
        text = text.replace(token, stand_in(value))
    return text


def main():
    template, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    with open(template) as f:
        doc = yaml.safe_load(f)
    found = 0
    for name, user_data in scripts(doc.get("resources", {})):
        text = render(user_data)
        path = os.path.join(out_dir, f"{os.path.basename(template)}.{name}.sh")
        with open(path, "w") as f:
            f.write(text)
        found += 1
    if found == 0:
        sys.exit(f"{template}: no user_data found")


if __name__ == "__main__":
    main()
