"""results.md for bench/nodes: the cross-node table (issue 12, part 2) and Table I (part 3).

`report.py LOG/runs.jsonl [RESULTS]` re-renders from a run's log.
"""
import json
import os
import platform
import statistics
import sys

PAPER_TABLE_I = {1: 173, 2: 146, 5: 102, 17: 29}  # seconds, the prototype (Lightning DDP, 2-vCPU VMs)
TARGET_RATIO = 2.0      # dmlrun's samples/s against the peer's, every configuration
ACCURACY_POINTS = 0.5   # largest accuracy difference, in percentage points


def pick(runs):
    """The clean runs if there are any, else every successful one (marked)."""
    ok = [r for r in runs if r.get("samples_per_s")]
    clean = [r for r in ok if r["clean"]]
    return (clean, True) if clean else (ok, False)


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def group(results, part):
    out = {}
    for r in results:
        if r["part"] == part:
            out.setdefault((r["nodes"], r["ranks_per_node"], r["link"]), {}).setdefault(r["side"], []).append(r)
    return out


def fmt_int(v):
    return "–" if v is None else "{:,.0f}".format(v)


def fmt_acc(v):
    return "–" if v is None else "%.4f" % v


def steps_cell(runs):
    steps = [r["steps"] for r in runs if r.get("steps")]
    if not steps:
        return "–"
    m = {k: statistics.median(s[k] for s in steps) for k in ("step", "data", "compute", "wait", "exchange")}
    return "%.0f = %.0f data + %.0f compute + %.0f wait + %.0f exchange" % (
        m["step"], m["data"], m["compute"], m["wait"], m["exchange"])


def cross_table(results):
    lines = ["| nodes x ranks | link (ping RTT) | dmlrun samples/s | peer samples/s | dmlrun/peer | accuracy dmlrun / peer "
             "| dmlrun step, us (median of ranks' means) | runs |",
             "|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for (nodes, ranks, link), sides in sorted(group(results, "cross").items()):
        dml, dml_clean = pick(sides.get("dml", []))
        peer, peer_clean = pick(sides.get("peer", []))
        d, p = median(dml, "samples_per_s"), median(peer, "samples_per_s")
        da, pa = median(dml, "test_acc"), median(peer, "test_acc")
        ratio = d / p if d and p else None
        rtt = next((r.get("ping_ms") for r in dml + peer if r.get("ping_ms") is not None), None)
        note = "" if dml_clean and peer_clean else " (some contaminated)"
        lines.append("| %d x %d | %s (%s) | %s | %s | %s | %s / %s | %s | %d + %d%s |" % (
            nodes, ranks, link, "%.3f ms" % rtt if rtt else "–", fmt_int(d), fmt_int(p),
            "%.2fx" % ratio if ratio else "–", fmt_acc(da), fmt_acc(pa), steps_cell(dml), len(dml), len(peer), note))
        if ratio is not None:
            acc_ok = da is not None and pa is not None and abs(da - pa) * 100 <= ACCURACY_POINTS
            verdicts.append("%d x %d, %s: %.2fx %s; accuracy %+.2f pt %s" % (
                nodes, ranks, link, ratio, "meets 2x" if ratio >= TARGET_RATIO else "BELOW 2x",
                (da - pa) * 100, "within 0.5 pt" if acc_ok else "OUTSIDE 0.5 pt"))
    return lines, verdicts


def table_one(results):
    """Table I: dmlrun with the paper's batch (64 per rank) and with it global (64 a step over all
    ranks), the peer (64 per rank), each size's accuracy against the same side's 1 node."""
    lines = ["| nodes | paper (Lightning, 2-vCPU VMs) | dmlrun whole job | dmlrun training | accuracy | vs 1 node "
             "| dmlrun global batch: whole job | accuracy | vs 1 node | peer whole job | peer accuracy |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = sorted(group(results, "table").items())
    base = {}
    verdicts = {"dml": [], "dml-global": []}
    for (nodes, ranks, link), sides in rows:
        cells = {}
        for side in ("dml", "dml-global"):
            runs, _ = pick(sides.get(side, []))
            acc = median(runs, "test_acc")
            if nodes == 1:
                base[side] = acc
            delta = (acc - base[side]) * 100 if acc is not None and base.get(side) is not None else None
            cells[side] = (runs, acc, delta)
            if delta is not None:
                verdicts[side].append("%d node%s: accuracy %+.2f pt against 1 node, %s" % (
                    nodes, "" if nodes == 1 else "s", delta,
                    "within 0.5 pt" if abs(delta) <= ACCURACY_POINTS else "OUTSIDE 0.5 pt"))
        peer, _ = pick(sides.get("peer", []))
        dml, acc, delta = cells["dml"]
        glob, gacc, gdelta = cells["dml-global"]
        lines.append("| %d | %s s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            nodes, PAPER_TABLE_I.get(nodes, "–"),
            "%.1f s" % median(dml, "ext_s") if dml else "–", "%.1f s" % median(dml, "train_s") if dml else "–",
            fmt_acc(acc), "%+.2f pt" % delta if delta is not None else "–",
            "%.1f s" % median(glob, "ext_s") if glob else "–", fmt_acc(gacc),
            "%+.2f pt" % gdelta if gdelta is not None else "–",
            "%.1f s" % median(peer, "ext_s") if peer else "–", fmt_acc(median(peer, "test_acc"))))
    out = []
    if verdicts["dml"]:
        out += ["dmlrun, batch 64 per rank (the paper's job, as DDP sizes it):"] + ["  - " + v for v in verdicts["dml"]]
    if verdicts["dml-global"]:
        out += ["dmlrun, global batch 64 (`global_batch = 64`: each step 64 samples over all ranks):"] + [
            "  - " + v for v in verdicts["dml-global"]]
    return lines, out


def write(results, path, meta):
    cross, cross_verdicts = cross_table(results)
    table, table_verdicts = table_one(results)
    delay = [r for r in results if r["link"] != "veth, unshaped"]
    shaped_note = meta.get("shaping", "")
    text = ["# Across nodes: dmlrun against stock PyTorch DDP on emulated nodes", "",
            "Written by `bench/nodes/run.sh` (see README.md); %s epochs, seed %s, %s clean runs per cell "
            "(medians); machine: %s, %d CPUs. Every node is a network namespace on one bridge with its own "
            "host name and /dev/shm; a node's ranks run on its share of the machine's cores (`taskset`)." % (
                meta["epochs"], meta["seed"], meta["reps"], platform.processor() or platform.machine(),
                os.cpu_count()), ""]
    if shaped_note:
        text += [shaped_note, ""]
    if meta.get("kept"):
        text += [meta["kept"], ""]
    if cross_verdicts:
        text += ["## Part 2: 2 nodes, dmlrun node against torchrun --nnodes 2", ""] + cross + [""]
        text += ["Against the targets (dmlrun >= %.0fx the peer's samples/s, accuracy within %.1f pt):" % (
            TARGET_RATIO, ACCURACY_POINTS), ""] + ["- " + v for v in cross_verdicts] + [""]
    if table_verdicts:
        text += ["## Part 3: the paper's Table I, 1 rank per node, link %s" % meta["link"], ""] + table + [""]
        text += ["- " + v if not v.startswith("  ") else v for v in table_verdicts] + [""]
    text += ["Raw runs: `runs.jsonl` in the run's LOG directory (%d runs%s)." % (
        len(results), ", %d on the shaped link" % len(delay) if delay else "")]
    with open(path, "w") as f:
        f.write("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md")
    write(runs, out, {"epochs": "10", "seed": "42", "reps": "2", "link": "10 Gbit/s, 0.2 ms round trip"})
