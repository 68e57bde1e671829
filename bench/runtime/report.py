#!/usr/bin/env python3
"""Tables and plot for bench.py's runs: results.md (markdown) and results.png.

Also usable alone to re-render from a log: report.py LOG/runs.jsonl [results.md] [results.png].
"""
import json, os, platform, re, statistics, subprocess, sys

TARGET_RATIO = 2.0         # dml samples/s over the peer's, every configuration
TARGET_PAIR_SHARE = 0.90   # 2 x 1 over two independent 1 x 1 runs started together
TARGET_WALL_S = 6.0        # whole 10-epoch job
TARGET_STARTUP_S = 1.0     # launch -> end of the first step
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository
DEFAULT_LOG = "/tmp/dml_bench_runtime"  # run.sh's default work directory


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(xs, p=1):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{statistics.median(xs):,.{p}f} ({', '.join(f'{x:,.{p}f}' for x in xs)})"


def pick(runs):  # clean runs when there are any
    ok = [r for r in runs if r.get("samples_per_s")]
    return [r for r in ok if r["clean"]] or ok


def host():
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    return f"{cpu}, {os.cpu_count()} vCPUs, {platform.platform()}"


def portable(cmd):
    """A run's command as results.md shows it, with no one machine's paths: the bench's work
    directory as $LOG (run.sh's variable), paths in the repository relative to its root."""
    log = os.environ.get("LOG", DEFAULT_LOG).rstrip("/")
    return cmd.replace(log + "/", "$LOG/").replace(ROOT + "/", "")


def mark(ok):
    return "**yes**" if ok else "**no**"


def write(res, results_path, plot_path, meta):
    rows = {k: pick(v) for k, v in res.items()}
    o = ["# dmlrun vs stock PyTorch DDP: MLP 784-100-ReLU-10 on Fashion-MNIST\n",
         f"- host: {host()}",
         f"- {meta['epochs']} epochs, batch 64 per rank, Adam 1e-3, seed {meta['seed']} on both sides; "
         "test accuracy on the full 10k test set",
         "- values: median (individual runs) over clean runs; samples/s = the training loop only (all ranks); "
         "ext wall = the whole command (launcher, start-up, training, evaluation, exit); start-up = launch of "
         "the command to the end of rank 0's first step; rank start-up = rank 0's process start to the end of "
         "its first step (dmlrun: loading libtorch, rendezvous, data, first step; 10 ms resolution); job start-up = "
         "rank 0's main() to the end of its first step: rendezvous, data loading, model set-up and the step, "
         "without loading the program (dmlrun only); peak RSS = the largest process of the job "
         "(rank 0's own in brackets)",
         "- world x threads: as asked; dmlrun caps ranks x threads at the cores (2 x 2 runs as 2 x 1 here) and "
         "runs a step on one thread per 128 rows of batch (batch 64: one), shown as `used N`",
         "- load: 1-minute load average when each run started; foreign = CPU seconds other processes used "
         "during the run (a run is retried above 5% of a core)\n"]
    blas = {side: sorted({r.get("blas", "?") for rs in rows.values() for r in rs if r["side"] == side})
            for side in ("dml", "peer")}
    o += [f"- BLAS, dmlrun (as it reports at start): {', '.join(blas['dml']) or '-'}",
          f"- BLAS, peer (the libblas the process mapped): {', '.join(blas['peer']) or '-'}\n"]

    o += ["| run | world x threads | samples/s | train s | ext wall s | start-up s | rank start-up s "
          "| job start-up s | test acc | peak RSS MB | load | clean/runs | foreign cpu s |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, rs in rows.items():
        if not rs:
            o.append(f"| {label} | - | failed | | | | | | | | 0/{len(res[label])} | |")
            continue
        r0 = rs[0]
        used = r0.get("threads_used")
        used = f" (used {used})" if used is not None and used != r0["threads"] else ""
        o.append(f"| {label} | {r0['world']} x {r0['threads']}{used}{' (2 jobs)' if r0['jobs'] == 2 else ''} | "
                 f"{fmt([r['samples_per_s'] for r in rs], 0)} | {fmt([r['train_s'] for r in rs], 2)} | "
                 f"{fmt([r['ext_s'] for r in rs], 2)} | {fmt([r.get('startup_s') for r in rs], 2)} | "
                 f"{fmt([r.get('rank_startup_s') for r in rs], 2)} | {fmt([r.get('job_startup_s') for r in rs], 2)} | "
                 f"{fmt([r['test_acc'] for r in rs], 4)} | {med([r['max_rss_mb'] for r in rs]):.0f} "
                 f"({med([r.get('rank0_rss_mb') for r in rs]) or 0:.0f}) | {fmt([r['load1'] for r in rs], 1)} | "
                 f"{sum(r['clean'] for r in res[label])}/{len(res[label])} | "
                 f"{fmt([r['foreign_cpu_s'] for r in rs], 1)} |")

    o += ["\n## Targets\n", "| target | measured | met |", "|---|---|---|"]
    ratios = {}
    for label in [k for k in rows if k.startswith("dml_w") and "malloc" not in k]:
        peer = label.replace("dml_", "peer_")
        d, p = med([r["samples_per_s"] for r in rows[label]]), med([r["samples_per_s"] for r in rows.get(peer, [])])
        if d and p:
            ratios[label] = d / p
            o.append(f"| {label[4:]}: dml >= {TARGET_RATIO:.0f}x peer samples/s | {d:,.0f} / {p:,.0f} = "
                     f"**{d / p:.2f}x** | {mark(d / p >= TARGET_RATIO)} |")
    two, pair = med([r["samples_per_s"] for r in rows.get("dml_w2_t1", [])]), \
        med([r["samples_per_s"] for r in rows.get("dml_pair_w1_t1", [])])
    why = []
    if two and pair:
        o.append(f"| 2 ranks x 1 thread >= {TARGET_PAIR_SHARE:.0%} of two independent 1 x 1 runs at once | "
                 f"{two:,.0f} / {pair:,.0f} = **{two / pair:.0%}** | {mark(two / pair >= TARGET_PAIR_SHARE)} |")
        if two / pair < TARGET_PAIR_SHARE:
            # Each rank of either run does 64 samples a step: the step times tell the overhead apart.
            step_two, step_pair = 2 * 64 / two * 1e6, 2 * 64 / pair * 1e6
            why.append(f"- Why 2 x 1 falls short: a step of the 2-rank job takes {step_two:.0f} us against "
                       f"{step_pair:.0f} us for a rank of the independent pair, so the gradient exchange and the "
                       f"wait for the slower rank cost {step_two - step_pair:.0f} us a step. The exchange moves the "
                       "318 KB gradient between the two cores' caches each way (shared memory, no copies), and "
                       "the VM's noise makes one rank wait for the other; the profile below and "
                       "bench/runtime/README.md break the step down.")
    for label in [k for k in rows if k.startswith("dml_w") and "malloc" not in k]:
        w = med([r["ext_s"] for r in rows[label]])
        s = med([r.get("startup_s") for r in rows[label]])
        o.append(f"| {label[4:]}: whole job < {TARGET_WALL_S:.0f} s wall | {w:.2f} s | {mark(w < TARGET_WALL_S)} |")
        j = med([r.get("job_startup_s") for r in rows[label]])
        if j is not None:
            o.append(f"| {label[4:]}: rendezvous + data load + first step < {TARGET_STARTUP_S:.0f} s | "
                     f"{j:.2f} s (launch to first step done, program loading included: "
                     f"{s:.2f} s) | {mark(j < TARGET_STARTUP_S)} |")
    for label in [k for k in rows if k.endswith("_malloc")]:
        base = label.replace("_malloc", "")
        a, b = med([r["samples_per_s"] for r in rows[label]]), med([r["samples_per_s"] for r in rows.get(base, [])])
        if a and b:
            o.append(f"| (info) {base[4:]} with glibc malloc tunables vs without | {a:,.0f} vs {b:,.0f} "
                     f"({a / b - 1:+.0%}) | - |")
    if why:
        o += [""] + why
    o.append("\nCommands (first run of each; run from the repository's root, $LOG: the bench's work directory):\n")
    o += [f"- `{label}`: `{portable(rs[0]['cmd'])}`" for label, rs in rows.items() if rs]
    text = "\n".join(o) + "\n"
    extra = os.environ.get("RESULTS_APPENDIX")
    if extra and os.path.exists(extra):
        text += "\n" + open(extra).read()
    open(results_path, "w").write(text)
    print(text)
    plot(rows, plot_path)


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return
    cfgs = [f"w{w}_t{t}" for w, t in [(1, 1), (1, 2), (2, 1), (2, 2)]]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    x = range(len(cfgs))
    for i, side in enumerate(("dml", "peer")):
        sps = [med([r["samples_per_s"] for r in rows.get(f"{side}_{c}", [])]) or 0 for c in cfgs]
        ext = [med([r["ext_s"] for r in rows.get(f"{side}_{c}", [])]) or 0 for c in cfgs]
        a1.bar([j + (i - 0.5) * 0.4 for j in x], [s / 1000 for s in sps], 0.4, label=side)
        a2.bar([j + (i - 0.5) * 0.4 for j in x], ext, 0.4, label=side)
    a1.set_xticks(list(x), [c.replace("w", "world ").replace("_t", "\nthreads ") for c in cfgs])
    a2.set_xticks(list(x), [c.replace("w", "world ").replace("_t", "\nthreads ") for c in cfgs])
    a1.set_ylabel("thousand samples/s (training loop)")
    a2.set_ylabel("whole command, s")
    a2.axhline(TARGET_WALL_S, color="gray", linestyle="--", linewidth=1)
    a1.legend(), a2.legend()
    fig.suptitle("dmlrun local vs PyTorch DDP, 10 epochs Fashion-MNIST MLP, batch 64/rank")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    res = {}
    for r in runs:
        res.setdefault(r["label"], []).append(r)
    here = os.path.dirname(os.path.abspath(__file__))
    write(res, sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "results.md"),
          sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "results.png"),
          {"epochs": os.environ.get("EPOCHS", "10"), "reps": "?", "seed": os.environ.get("SEED", "42")})
