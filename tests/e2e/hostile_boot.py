#!/usr/bin/python3
"""Hostile stack-create values through Heat's own engine into the boot scripts.

usage: hostile_boot.py DMLC PLAN_CHECK HEAT_VALIDATE HOSTILE.dml

Compiles HOSTILE.dml, then for each set of stack-create values: Heat validates
them (its constraints may refuse them: then they never reach a node); for the
accepted ones, renders the user_data of the master and of a member of every
ResourceGroup exactly as Heat does (str_replace, then index_var), runs each in
bash with stand-in commands that only log, and checks that no injected
command ran, the node's plan reads back (dmlrun's reader and PyYAML) with
exactly the values given, the node's rank is right, and a count that is not a
whole number fails the node with a reason naming the parameter.
Exit 77 (skipped) when Heat's validator is absent.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

import heat_render

PATHS = ["/var/log/dml", "/var/cache/dml", "/var/lib/dml", "/etc/dml", "/opt/dml"]
# The plan field each text param goes into (hostile.dml).
FIELD_OF = {"org": "command.repo", "branch": "command.ref", "note": "command.args[0]"}
LOGGING_STUBS = ["apt-get", "git", "shutdown", "systemctl", "poweroff", "curl", "dpkg"]


def stub(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/bash\n" + body)
    os.chmod(path, 0o755)


def make_stubs(bin_dir, log, plan_version):
    os.makedirs(bin_dir)
    for name in LOGGING_STUBS:
        stub(os.path.join(bin_dir, name), f'echo "{name} $*" >> {log}\nexit 0\n')
    # The image's dmlrun (runtime { source = preinstalled }): reads the plan's
    # version, and keeps the plan a node runs.
    stub(os.path.join(bin_dir, "dmlrun"),
         f'if [[ $1 == version ]]; then echo \'{{"plan_versions": [{plan_version}]}}\'; exit 0; fi\n'
         f'echo "dmlrun $*" >> {log}\ncp "$2" {log}.plan\nexit 0\n')
    stub(os.path.join(bin_dir, heat_render.NOTIFY_STAND_IN),
         f'while [[ $# -gt 0 ]]; do\n  if [[ $1 == --data-binary ]]; then printf "%s\\n" "$2" >> {log}.signals; fi\n'
         '  shift\ndone\n')


def run_node(script, work):
    for path in PATHS:
        script = script.replace(path, work + path)
    log = os.path.join(work, "log")
    version = re.search(r"dml_plan: (\d+)", script)
    make_stubs(os.path.join(work, "bin"), log, version.group(1) if version else "0")
    path = os.path.join(work, "boot.sh")
    with open(path, "w") as f:
        f.write(script)
    env = {"PATH": os.path.join(work, "bin") + ":/usr/bin:/bin", "HOME": work}
    proc = subprocess.run(["bash", path], env=env, cwd=work, capture_output=True, text=True, timeout=60)
    signals = []
    if os.path.exists(log + ".signals"):
        signals = [json.loads(line) for line in open(log + ".signals") if line.strip()]
    commands = open(log).read() if os.path.exists(log) else ""
    plan = log + ".plan" if os.path.exists(log + ".plan") else None
    return proc, signals, commands, plan


def check(ok, what, failures):
    if not ok:
        failures.append(what)


def main():
    dmlc, plan_check, validator, source = sys.argv[1:5]
    if not os.path.isfile(validator):
        print(f"Heat's validator is not at {validator}: skipped")
        sys.exit(77)
    top = tempfile.mkdtemp(prefix="dml-hostile-")
    try:
        sys.exit(run(dmlc, plan_check, validator, source, top))
    finally:
        shutil.rmtree(top)


def run(dmlc, plan_check, validator, source, top):
    out = os.path.join(top, "out")
    subprocess.run([dmlc, "build", source, "-o", out], check=True)
    template = next(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".heat.yaml"))
    doc = yaml.safe_load(open(template))
    groups = [name for name, r in doc["resources"].items() if r["type"] == "OS::Heat::ResourceGroup"]
    marker = os.path.join(top, "pwned")
    injections = [
        f"x'; touch {marker}; echo '", f"$(touch {marker})", f"`touch {marker}`", f"' ; touch {marker} #",
        f"${{IFS}}touch${{IFS}}{marker}", f"a\nDML_PLAN_EOF\ntouch {marker}", f"a\nDML_HEAT_VALUES_EOF\ntouch {marker}",
        "DML_PLAN_EOF", "DML_HEAT_VALUES_EOF", "@@DML_NODE_INDEX@@", "@@DML_PARAM_workers@@", "@@DML_WC_NOTIFY@@",
        "__DML_NODE_INDEX__", "__DML_PARAM_workers__", 'q"uote', "back\\slash", "tab\there", "del\x7f",
        "yes", "10", "2024-01-01", "1:20", "=", "<<", "#x", "&a", "*b", "|", ">", "{x: 1}", "[1, 2]", "%x", "!t",
        "~root", "a b", "--help", "-", "", "caf\u00e9", "\u2028", "\ufffe",
    ]
    base = {"key_name": "k", "org": "example-lab", "branch": "main", "note": "hello", "workers": "2", "extras": "1"}
    cases = [dict(base)]
    for value in injections:
        for field in ("org", "branch", "note"):
            cases.append(dict(base, **{field: value}))
    for count in ("2.0", "1e1", "2.5", "-1", "9", f"1; touch {marker}", "0x2", " 2"):
        cases.append(dict(base, workers=count))
    failures = []
    accepted = refused = ran = 0
    for n, params in enumerate(cases):
        label = f"case {n} {params!r}"
        try:
            stack = heat_render.load(validator, template, params)
        except heat_render.Refused:
            refused += 1
            continue
        accepted += 1
        # What Heat passes for a number parameter: int() of the text if it
        # takes it, else float(): " 2" is 2, but "1e1" is 10.0.
        try:
            workers, whole = int(params["workers"]), True
        except ValueError:
            workers, whole = None, False
        extras = int(params["extras"])
        nodes = [("master", None, 0), (groups[0], 0, 1), (groups[1], 0, 1 + (workers or 0))]
        for resource, index, rank in nodes:
            if workers == 0 and resource == groups[0]:
                continue
            work = os.path.join(top, f"n{n}-{resource}")
            os.makedirs(work)
            proc, signals, commands, plan = run_node(heat_render.user_data(stack, resource, index), work)
            ran += 1
            what = f"{label} on {resource}"
            check(not os.path.exists(marker), f"{what}: an injected command ran", failures)
            check(len(signals) == 1, f"{what}: {len(signals)} signals\n{proc.stdout}{proc.stderr}", failures)
            if not whole:
                reason = signals[0]["reason"] if signals else ""
                check(proc.returncode != 0 and "dmlrun " not in commands, f"{what}: ran with a bad count", failures)
                check(f"parameter workers is '{float(params['workers'])}', not a whole number" in reason,
                      f"{what}: reason does not name the parameter: {reason}", failures)
                continue
            check(proc.returncode == 0, f"{what}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}", failures)
            check(f"--node-rank {rank} " in commands, f"{what}: not node rank {rank}: {commands}", failures)
            if plan is None:
                failures.append(f"{what}: dmlrun never got a plan")
                continue
            read = subprocess.run([plan_check, plan], capture_output=True, text=True)
            if read.returncode != 0:
                # A value that Heat lets through but the plan's rules refuse
                # (a ref starting with '-'): the node's dmlrun refuses it,
                # naming the field the value went into, before anything runs.
                fields = [FIELD_OF[k] for k in FIELD_OF if params[k] != base[k]]
                if not fields or not any(f in read.stderr for f in fields):
                    failures.append(f"{what}: dmlrun's reader refused the plan: {read.stderr}")
                continue
            node = json.loads(read.stdout)
            py = yaml.safe_load(open(plan, encoding="utf-8"))
            expected = {
                "repo": f"https://github.com/{params['org']}/train.git", "ref": params["branch"],
                "args": [f"--note={params['note']}", "@@DML_PARAM_org@@", "@@DML_NODE_INDEX@@",
                         "x'; touch /tmp/dml-pwned; echo '"]}
            for key, want in expected.items():
                check(node["command"][key] == want, f"{what}: dmlrun reads {key}={node['command'][key]!r}", failures)
                check(py["command"][key] == want, f"{what}: PyYAML reads {key}={py['command'][key]!r}", failures)
            check(node["job"] == "__DML_PARAM_org__", f"{what}: job {node['job']!r}", failures)
            check(node["world_size"] == 1 + workers + extras, f"{what}: world size {node['world_size']}", failures)
    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(cases)} value sets: {accepted} accepted by Heat, {refused} refused; {ran} boot scripts run; "
          f"{len(failures)} failures")
    if ran == 0 or refused == 0:
        print("FAIL: the test exercised nothing")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    main()
