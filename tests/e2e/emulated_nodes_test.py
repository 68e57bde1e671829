#!/usr/bin/python3
"""samples/mnist.dml on 2 emulated nodes (bench/nodes/emulated_nodes.py: a network namespace, host
name and /dev/shm each, the link shaped as the bench shapes it: 10 Gbit/s and 0.1 ms each way, by
netem or by tbf and delay_line), `dmlrun node` in each, 1 epoch:

  2x1   one rank per node: rank 0 logs Gloo's halving-doubling between the 2 nodes
  2x2   two ranks per node: the hierarchical exchange

Each case checks the link's round trip (at least the 0.2 ms it adds), both nodes exit 0, the
accuracy (>= 0.80), the exchange rank 0 logged, and --step-trace: one file per rank, one line per
step of the epoch, and bench/nodes/step_trace.py's breakdown of them; and that no namespace or
delay_line process is left behind.

usage: emulated_nodes_test.py DMLC DMLRUN DELAY_LINE CASE     (root: it makes network namespaces)
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "nodes"))
import emulated_nodes  # noqa: E402
import step_trace  # noqa: E402

CASES = {"2x1": (1, "Gloo halving-doubling between 2 nodes (one rank each)"),
         "2x2": (2, "hierarchical (2 nodes x 2 ranks")}
NODES, TRAIN_SIZE, BATCH, MIN_ACCURACY = 2, 60000, 64, 0.80


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def plan_for(dmlc, work, ranks):
    subprocess.run([dmlc, "build", os.path.join(ROOT, "samples", "mnist.dml"), "-o", work], check=True,
                   stdout=subprocess.DEVNULL)
    plan = yaml.safe_load(open(os.path.join(work, "mnist.plan.yaml")))
    master, workers = plan["cluster"]["groups"][:2]
    master["procs_per_node"] = workers["procs_per_node"] = ranks
    workers["count"] = NODES - 1
    path = os.path.join(work, "mnist_2x%d.plan.yaml" % ranks)
    yaml.safe_dump(plan, open(path, "w"), sort_keys=False)
    return path


def main():
    dmlc, dmlrun, delay_line, case = sys.argv[1:5]
    ranks, exchange = CASES[case]
    if os.geteuid() != 0:
        print("skipped: needs root for network namespaces")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as work:
        plan = plan_for(dmlc, work, ranks)
        metrics, trace = os.path.join(work, "metrics.jsonl"), os.path.join(work, "trace")
        link = emulated_nodes.Link(10, 0.1)
        with emulated_nodes.EmulatedNodes(NODES, link=link, ranks_per_node=ranks, delay_line=delay_line) as nodes:
            made = list(nodes.made)
            relay = nodes.relay
            rtt = nodes.ping(0, 1)
            print("link: %s, delay by %s, ping %.3f ms" % (link.describe(), link.delay, rtt))
            if link.delay not in ("netem", "delay_line") or rtt < 2 * link.one_way_ms:
                fail("the link adds no 0.2 ms round trip (delay by %s, ping %.3f ms)" % (link.delay, rtt))
            procs = []
            for node in range(NODES):
                argv = [dmlrun, "node", plan, "--node-rank", str(node), "--epochs", "1", "--threads", "1",
                        "--step-trace", trace, "--workdir", work] + (["--metrics", metrics] if node == 0 else [])
                procs.append(subprocess.Popen(nodes.command(node, argv), stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, text=True, cwd=work))
            logs = [p.communicate(timeout=600)[0] for p in procs]
        left = set(made) & set(emulated_nodes._namespaces())
        for node, (p, log) in enumerate(zip(procs, logs)):
            print("--- node %d (exit %d)\n%s" % (node, p.returncode, log[-3000:]))
            if p.returncode != 0:
                fail("node %d exited %d" % (node, p.returncode))
        if left:
            fail("namespaces left behind: %s" % sorted(left))
        if relay is not None and relay.poll() is None:
            fail("delay_line (pid %d) still runs" % relay.pid)
        if "gradient exchange: " + exchange not in logs[0]:
            fail("rank 0 did not log the gradient exchange '%s'" % exchange)
        final = [json.loads(l) for l in open(metrics) if l.strip()][-1]
        if final["world_size"] != NODES * ranks or final["test_accuracy"] < MIN_ACCURACY:
            fail("final record: %s" % final)
        world = NODES * ranks
        shard = -(-TRAIN_SIZE // world)  # ceil: dmlrun's samples per rank an epoch
        steps = -(-shard // BATCH)
        files = sorted(os.listdir(trace))
        if files != ["rank-%d.tsv" % r for r in range(world)]:
            fail("trace files %s" % files)
        for name in files:
            lines = open(os.path.join(trace, name)).read().splitlines()
            if lines[0].split("\t") != ["start_ns", "exchange_start_ns", "exchange_end_ns", "end_ns"]:
                fail("%s: header %r" % (name, lines[0]))
            if len(lines) - 1 != steps:
                fail("%s: %d steps, expected %d" % (name, len(lines) - 1, steps))
            for line in lines[1:]:
                t = [int(v) for v in line.split("\t")]
                if not t[0] <= t[1] <= t[2] <= t[3]:
                    fail("%s: times out of order: %s" % (name, line))
        summary = step_trace.summarize(trace)
        print("step breakdown (us):", summary)
        if summary["ranks"] != world or summary["steps"] != steps or summary["exchange"] <= 0:
            fail("step_trace.summarize: %s" % summary)
    print("PASS: %s, accuracy %.4f" % (case, final["test_accuracy"]))


if __name__ == "__main__":
    main()
