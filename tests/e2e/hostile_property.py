#!/usr/bin/python3
"""Random hostile values in every string field, identifier and param default
of a .dml file: each build either fails with a diagnostic (exit 1, an
`error: ... [kind]` line) or gives a template that Heat's own loader accepts
and plans (the standalone one, and the one a node writes from the template
as Heat renders it) that PyYAML and dmlrun's reader both read back exactly.

usage: hostile_property.py DMLC PLAN_CHECK HEAT_VALIDATE [CASES] [SEED]
Exit 77 (skipped) when Heat's validator is absent.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

import heat_render

# A run job and a train job; {S} is where the value goes (already written as
# .dml string text), {I} an identifier.
RUN = """import chameleon
param key_name: string
param t: string = "{S}"
cluster {I} {{
  site = chameleon.kvm_tacc
  key_pair = key_name
  network {{ cidr = 10.8.1.0/24 }}
  master {{ flavor = chameleon.m1_medium, image = {IMAGE} }}
  workers {{ count = 1, flavor = chameleon.m1_medium, image = chameleon.debian12 }}
}}
job {J} on {I} {{
  run {{
    repo = "https://github.com/{REPO}/x.git"
    ref = {REF}
    entrypoint = {ENTRY}
    args = [{ARG}, "${{t}}", "--x"]
  }}
}}
"""

SPICE = ["'", '"', "\\", "$", "$(touch /tmp/p)", "`id`", "${IFS}", "\n", "\t", "\r", "\x00", "\x01", "\x1b[2J",
         "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe",
         "\u202e", "\u0301", "\u4e2d", "\U0001f600", "@", "@@", "@@DML_PARAM_t@@", "@@DML_NODE_INDEX@@",
         "@@DML_WC_NOTIFY@@", "__DML_PARAM_t__", "DML_PLAN_EOF", "DML_HEAT_VALUES_EOF", "EOF", "<<", "=", ": ",
         "- ", "#", "&a", "*a", "!!str ", "%", "yes", "10", "2024-01-01", "1:20", "~", "null", "..", "/", "-",
         " ", "{", "}", "[", "]", ",", "|", ">", "?", "a", "Z", "0", "_", "."]
FIELDS = ["S", "IMAGE", "REPO", "REF", "ENTRY", "ARG"]
DEFAULTS = {"S": "d", "IMAGE": "chameleon.debian12", "REPO": "lab", "REF": '"main"', "ENTRY": '"train.py"',
            "ARG": '"--a"', "I": "c", "J": "j"}


def dml_string(value):
    """`value` as the text between a .dml string's quotes: escapes for what
    has one, everything else raw (the lexer decides what it takes)."""
    out = []
    for ch in value:
        out.append({"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\t": "\\t"}.get(ch, ch))
    return "".join(out)


def random_value(rng):
    return "".join(rng.choice(SPICE) for _ in range(rng.randint(1, 6)))


def random_identifier(rng):
    pool = ["__DML_PARAM_t__", "__DML_NODE_INDEX__", "DML_PLAN_EOF", "a", "Z", "_", "9", "x" * 70]
    name = rng.choice(["_", "a", "Z"]) + "".join(rng.choice(pool) for _ in range(rng.randint(0, 3)))
    return name


def build(dmlc, text, work):
    os.makedirs(work)
    source = os.path.join(work, "case.dml")
    with open(source, "wb") as f:
        f.write(text.encode("utf-8", "surrogatepass"))
    out = os.path.join(work, "out")
    proc = subprocess.run([dmlc, "build", source, "-o", out], capture_output=True, timeout=60)
    return proc, out


def node_plan(validator, template, params=None):
    """The plan the master writes from the template as Heat renders it."""
    stack = heat_render.load(validator, template, dict({"key_name": "k"}, **(params or {})))
    script = heat_render.user_data(stack, "master")
    match = re.search(r"^cat >\"\$DML_PLAN_FILE\" <<'([A-Z_0-9]+)'\n(.*?)^\1$", script, re.S | re.M)
    return match.group(2)


def read_back(plan_check, text, work, name):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    proc = subprocess.run([plan_check, path], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, None, proc.stderr
    return json.loads(proc.stdout), yaml.safe_load(text), ""


def expected_command(field, value):
    cmd = {"repo": "https://github.com/lab/x.git", "ref": "main", "entrypoint": "train.py", "args": ["--a", "d", "--x"]}
    if field == "S":
        cmd["args"][1] = value
    elif field == "REPO":
        cmd["repo"] = f"https://github.com/{value}/x.git"
    elif field == "REF":
        cmd["ref"] = value
    elif field == "ENTRY":
        cmd["entrypoint"] = value
    elif field == "ARG":
        cmd["args"][0] = value
    return cmd


def one_case(n, rng, dmlc, plan_check, validator, top):
    field = rng.choice(FIELDS + ["I", "J"])
    value = random_identifier(rng) if field in ("I", "J") else random_value(rng)
    fill = dict(DEFAULTS)
    if field in ("I", "J"):
        fill[field] = value
    elif field in ("S", "REPO"):
        fill[field] = dml_string(value)
    else:
        fill[field] = '"' + dml_string(value) + '"'
    text = RUN.format(**fill)
    work = os.path.join(top, f"case{n}")
    proc, out = build(dmlc, text, work)
    stderr = proc.stderr.decode("utf-8", "replace")
    what = f"case {n}: {field}={value!r}"
    if proc.returncode == 1:
        if not re.search(r": error: .* \[[a-z_0-9]+\]$", stderr, re.M):
            return [f"{what}: exit 1 without a diagnostic:\n{stderr}"]
        return []
    if proc.returncode != 0:
        return [f"{what}: exit {proc.returncode} (a crash?):\n{stderr}"]
    template = next(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".heat.yaml"))
    plan_path = next(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".plan.yaml"))
    failures = []
    try:
        from heat.common import template_format
        heat_render._init(validator)  # Heat's configuration, before its loader
        template_format.parse(open(template, encoding="utf-8").read())
        node_text = node_plan(validator, template)
    except Exception as e:  # Heat refused what dmlc wrote
        return [f"{what}: Heat cannot load the template: {e}"]
    want = expected_command(field, value)
    for name, text in (("standalone", open(plan_path, encoding="utf-8").read()), ("node", node_text)):
        node, py, error = read_back(plan_check, text, work, name + ".yaml")
        if node is None:
            failures.append(f"{what}: dmlrun's reader refused the {name} plan: {error}")
            continue
        for key, val in want.items():
            if node["command"][key] != val:
                failures.append(f"{what}: dmlrun reads {name} {key} = {node['command'][key]!r}, not {val!r}")
            if py["command"][key] != val:
                failures.append(f"{what}: PyYAML reads {name} {key} = {py['command'][key]!r}, not {val!r}")
        if field == "J" and node["job"] != value:
            failures.append(f"{what}: job name {node['job']!r}")
    # A random value for param `t` at stack create: Heat refuses it, or the
    # node's plan holds exactly it.
    stack_value = random_value(rng)
    try:
        node_text = node_plan(validator, template, {"t": stack_value})
    except heat_render.Refused:
        return failures
    node, py, error = read_back(plan_check, node_text, work, "stack.yaml")
    if node is None:
        return failures + [f"{what}, t={stack_value!r} at stack create: dmlrun's reader refused it: {error}"]
    for reader, plan in (("dmlrun", node), ("PyYAML", py)):
        if plan["command"]["args"][1] != stack_value:
            failures.append(f"{what}, t={stack_value!r} at stack create: {reader} reads {plan['command']['args'][1]!r}")
    return failures


def main():
    dmlc, plan_check, validator = sys.argv[1:4]
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    if not os.path.isfile(validator):
        print(f"Heat's validator is not at {validator}: skipped")
        sys.exit(77)
    rng = random.Random(seed)
    top = tempfile.mkdtemp(prefix="dml-property-")
    failures, built = [], 0
    try:
        for n in range(cases):
            failures += one_case(n, rng, dmlc, plan_check, validator, top)
            built += os.path.isdir(os.path.join(top, f"case{n}", "out"))
    finally:
        shutil.rmtree(top)
    for failure in failures:
        print("FAIL:", failure)
    print(f"{cases} random cases (seed {seed}): {built} built, {cases - built} refused with a diagnostic; "
          f"{len(failures)} failures")
    sys.exit(1 if failures or built == 0 or built == cases else 0)


if __name__ == "__main__":
    main()
