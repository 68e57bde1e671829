#!/usr/bin/env python3
"""Across nodes: dmlrun against stock PyTorch DDP on emulated nodes (see README.md). Driven by run.sh.

Part "cross" (issue 12, part 2): 2 nodes x 1 and 2 ranks, the link unshaped and shaped to a
cloud-like one, both sides. Part "table" (part 3): the paper's Table I sizes, 1 rank per node.
Every node is a namespace set of emulated_nodes.py; each side's command runs in each node at
once: `dmlrun node PLAN --node-rank i` against `torchrun --nnodes N --node_rank i`. Each run waits
for idle CPUs and is retried when other processes used the CPUs meanwhile (quiet.py).
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "runtime"))  # quiet.py, outputs.py (after this folder: its report.py is not ours)
from outputs import dml_final, peer_final  # noqa: E402
from quiet import busy_s, clean, wait_idle  # noqa: E402

import emulated_nodes  # noqa: E402
import step_trace  # noqa: E402

PY = "/usr/bin/python3"  # Debian's python with python3-torch
PEER_DIR = os.path.join(HERE, "..", "runtime")
DMLRUN, PLAN_DIR, LOG = os.environ["DMLRUN"], os.environ["PLAN_DIR"], os.environ["LOG"]
EPOCHS, REPS, SEED = os.environ.get("EPOCHS", "10"), int(os.environ.get("REPS", "2")), os.environ.get("SEED", "42")
RETRIES = int(os.environ.get("RETRIES", "2"))
IDLE_WAIT_S = int(os.environ.get("IDLE_WAIT_S", "300"))
SIDES = os.environ.get("SIDES", "dml,peer").split(",")
# Table I also runs dmlrun with the job's batch made global (`global_batch = 64`: 64 samples a step
# split over the ranks, so every size trains as 1 node does), beside the paper's 64 per rank.
TABLE_SIDES = os.environ.get("TABLE_SIDES", "dml,dml-global,peer").split(",")
PARTS = os.environ.get("PARTS", "cross,table").split(",")
TABLE_SIZES = [int(n) for n in os.environ.get("TABLE_SIZES", "1,2,5,17").split(",")]
RUN_TIMEOUT_S = int(os.environ.get("RUN_TIMEOUT_S", "1800"))
CLOUD_LINK = emulated_nodes.Link(gbit_per_s=10, one_way_ms=0.1)  # the cloud-like link
DELAY_LINE = os.environ.get("DELAY_LINE")  # delay_line.c's binary: the link's delay where tc has no netem
PEER_PORT = 29400


def plan_path(nodes, ranks, side="dml"):
    suffix = "_global" if side == "dml-global" else ""
    return os.path.join(PLAN_DIR, "mnist_n%d_r%d%s.plan.yaml" % (nodes, ranks, suffix))


def is_dml(side):
    return side.startswith("dml")


def dml_cmd(side, nodes, ranks, node, metrics, trace_dir):
    cmd = [DMLRUN, "node", plan_path(nodes, ranks, side), "--node-rank", str(node), "--epochs", EPOCHS,
           "--threads", "1", "--step-trace", trace_dir]
    return cmd + (["--metrics", metrics] if node == 0 else [])


def peer_cmd(nodes, ranks, node, master):
    return [PY, os.path.join(PEER_DIR, "torchrun.py"), "--nnodes", str(nodes), "--node_rank", str(node),
            "--nproc_per_node", str(ranks), "--master_addr", master, "--master_port", str(PEER_PORT),
            os.path.join(PEER_DIR, "ddp_mlp.py"), "--epochs", EPOCHS, "--threads", "1", "--seed", SEED,
            "--loader", "memory"]


def parse_dml(metrics):
    final = dml_final(metrics)
    if final is None:
        return None
    return {"samples_per_s": final["samples_per_second"], "train_s": final["train_seconds"],
            "test_acc": final["test_accuracy"], "final_loss": final["final_loss"]}


def parse_peer(out):
    d = peer_final(out)
    if d is None:
        return None
    return {"samples_per_s": d["samples_per_s"], "train_s": d["train_s"], "test_acc": d["test_acc"],
            "final_loss": d["final_loss"]}


def run(part, side, nodes, ranks, cluster, ping_ms=None):
    """One job on the emulated nodes: every node's command started together, all waited for."""
    label = "%s_n%d_r%d_%s" % (side, nodes, ranks, "shaped" if cluster.link else "veth")
    tag = "%s.%s.%.3f" % (part, label, time.time())
    metrics, trace_dir = "%s/%s.metrics.jsonl" % (LOG, tag), "%s/%s.trace" % (LOG, tag)
    waited = wait_idle(IDLE_WAIT_S)
    b0, t0, relay0 = busy_s(), time.perf_counter(), cluster.relay_cpu_s()
    procs = []
    for node in range(nodes):
        argv = (dml_cmd(side, nodes, ranks, node, metrics, trace_dir) if is_dml(side)
                else peer_cmd(nodes, ranks, node, cluster.addresses[0]))
        out = open("%s/%s.node%d.log" % (LOG, tag, node), "w")
        env = dict(os.environ, GLOO_SOCKET_IFNAME=emulated_nodes.NIC, OMP_NUM_THREADS="1")
        procs.append((subprocess.Popen(cluster.command(node, argv), stdout=out, stderr=subprocess.STDOUT,
                                       env=env), out))
    cpu, rc, deadline = 0.0, 0, time.time() + RUN_TIMEOUT_S
    for p, out in procs:
        while True:  # wait4 with a deadline: a hung job is killed, not waited for forever
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                for q, _ in procs:
                    q.kill()
                deadline = float("inf")
            time.sleep(0.05)
        code = os.waitstatus_to_exitcode(status)
        p.returncode = code
        rc = rc or code
        cpu += usage.ru_utime + usage.ru_stime
        out.close()
    wall = time.perf_counter() - t0
    relay = cluster.relay_cpu_s() - relay0  # the emulated link's own work: not the job's, not foreign
    foreign = (busy_s() - b0) - cpu - relay
    if is_dml(side):
        parsed = parse_dml(metrics)
    else:
        parsed = parse_peer(open("%s/%s.node0.log" % (LOG, tag)).read())
    ok = rc == 0 and parsed is not None
    d = {"part": part, "label": label, "side": side, "nodes": nodes, "ranks_per_node": ranks,
         "link": cluster.link.describe() if cluster.link else "veth, unshaped", "rc": rc, "ext_s": wall,
         "foreign_cpu_s": foreign, "relay_cpu_s": relay, "job_cpu_s": cpu, "clean": ok and clean(foreign, wall), "waited_s": waited, "tag": tag,
         "node_cpus": [cluster.cpus(n) for n in range(nodes)], "ping_ms": ping_ms}
    if ok:
        d.update(parsed)
        if is_dml(side):
            d["steps"] = step_trace.summarize(trace_dir)
    with open("%s/runs.jsonl" % LOG, "a") as f:
        f.write(json.dumps(d) + "\n")
    print("%s %s: %s foreign=%.1fs ext=%.1fs samples/s=%.0f acc=%s" % (
        part, label, "clean" if d["clean"] else "CONTAMINATED" if ok else "FAILED rc=%d" % rc, foreign, wall,
        d.get("samples_per_s", 0), d.get("test_acc")), file=sys.stderr, flush=True)
    return d


def measure(part, nodes, ranks, link, results, sides=SIDES):
    """REPS clean runs of each side, interleaved, on one set of emulated nodes."""
    with emulated_nodes.EmulatedNodes(nodes, link=link, ranks_per_node=ranks, delay_line=DELAY_LINE) as cluster:
        rtt = cluster.ping(0, 1) if nodes > 1 else None
        for _ in range(REPS):
            for side in sides:
                results.append(run(part, side, nodes, ranks, cluster, rtt))
        for side in sides:  # retries for contaminated or failed runs
            for _ in range(RETRIES):
                mine = [r for r in results if r["part"] == part and r["side"] == side and r["nodes"] == nodes
                        and r["ranks_per_node"] == ranks and r["link"] == (link.describe() if link else
                                                                          "veth, unshaped")]
                if sum(r["clean"] for r in mine) >= REPS:
                    break
                results.append(run(part, side, nodes, ranks, cluster, rtt))


def main():
    emulated_nodes.cleanup_stale()
    open("%s/runs.jsonl" % LOG, "w").close()
    results = []
    if "cross" in PARTS:
        for ranks in (1, 2):
            for link in (None, CLOUD_LINK):
                measure("cross", 2, ranks, link, results)
    if "table" in PARTS:
        for nodes in TABLE_SIZES:
            measure("table", nodes, 1, CLOUD_LINK, results, TABLE_SIDES)
    shaping = {"netem": "The shaped link: `tc netem` on each node's egress (10 Gbit/s, 0.1 ms each way).",
               "delay_line": "The shaped link: this kernel has no `sch_netem` (nor `fq`), so `tc tbf` on each "
                             "node's egress gives the 10 Gbit/s and `delay_line.c`, a user-space switch in place "
                             "of the bridge, holds every packet 0.1 ms (its CPU time, the emulation's own cost, "
                             "is in the raw runs as `relay_cpu_s`; it comes out of the same two cores).",
               "none": "The shaped link: this kernel has no `sch_netem` and no DELAY_LINE was given: the shaped "
                       "runs have the 10 Gbit/s rate (`tbf`) alone, no added delay."}.get(CLOUD_LINK.delay, "")
    # EARLIER_RUNS: a previous run's runs.jsonl; its runs of the parts not measured now go into
    # results.md beside this run's (said there), so one part can be re-run alone.
    earlier = os.environ.get("EARLIER_RUNS")
    kept = []
    if earlier:
        kept = [r for r in (json.loads(l) for l in open(earlier) if l.strip()) if r["part"] not in PARTS]
    import report  # bench/nodes/report.py
    kept_note = ("The runs of part %s are from an earlier run (%d runs of `%s`, kept in this run's LOG as "
                 "`earlier_runs.jsonl`); the rest are from this run." % (
                     ", ".join('"%s"' % p for p in sorted({r["part"] for r in kept})), len(kept),
                     os.path.basename(earlier))) if kept else ""
    if kept:
        with open("%s/earlier_runs.jsonl" % LOG, "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in kept))
    report.write(kept + results, os.environ.get("RESULTS", os.path.join(HERE, "results.md")),
                 {"epochs": EPOCHS, "reps": REPS, "seed": SEED, "link": CLOUD_LINK.describe(), "shaping": shaping,
                  "kept": kept_note})


if __name__ == "__main__":
    main()
