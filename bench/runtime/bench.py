#!/usr/bin/env python3
"""Side-by-side bench: `dmlrun local` against stock PyTorch DDP (ddp_mlp.py) on the same machine.

Driven by run.sh. Every configuration (world 1 and 2 x 1 and 2 threads per rank) runs on both
sides, REPS clean times, interleaved; then two independent 1 x 1 runs started together (the
ceiling for 2 ranks x 1 thread on this machine) and dmlrun with glibc malloc tunables. Writes
results.md and results.png next to this file.

The machine is a shared 2-vCPU VM, so (as the peer's bench.py does) each run waits for idle
CPUs, measures the CPU time OTHER processes used meanwhile (system busy time from /proc/stat
minus this run's own rusage), and a run where that exceeds 5% of one core is marked
contaminated and retried. Medians use clean runs when there are any.
"""
import json, os, platform, re, statistics, subprocess, sys, time

from outputs import dml_final, peer_final  # bench/runtime/outputs.py
from quiet import busy_s, clean, wait_idle  # bench/runtime/quiet.py

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's python with python3-torch; a pyenv python3 on PATH has no torch
DMLRUN, PLAN_DIR, LOG = os.environ["DMLRUN"], os.environ["PLAN_DIR"], os.environ["LOG"]
EPOCHS, REPS, SEED = os.environ.get("EPOCHS", "10"), int(os.environ.get("REPS", "2")), os.environ.get("SEED", "42")
MAX_RETRIES = int(os.environ.get("RETRIES", "2"))
IDLE_WAIT_S = int(os.environ.get("IDLE_WAIT_S", "300"))
RESULTS = os.environ.get("RESULTS", os.path.join(HERE, "results.md"))
PLOT = os.environ.get("PLOT", os.path.join(HERE, "results.png"))
SIDES = os.environ.get("SIDES", "dml,peer").split(",")
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=268435456"
CONFIGS = [(1, 1), (1, 2), (2, 1), (2, 2)]  # (world, threads per rank)


def dml_cmd(world, threads, metrics):
    return [DMLRUN, "local", f"{PLAN_DIR}/mnist_w{world}.plan.yaml", "--epochs", EPOCHS, "--threads",
            str(threads), "--metrics", metrics]


def peer_cmd(world, threads):
    return [PY, f"{HERE}/torchrun.py", "--standalone", f"--nproc_per_node={world}", f"{HERE}/ddp_mlp.py",
            "--epochs", EPOCHS, "--threads", str(threads), "--seed", SEED, "--loader", "memory"]


def parse_dml(out, metrics):
    final = dml_final(metrics)
    if final is None:
        return None
    blas = re.search(r"BLAS: (.*)", out)
    return {"samples_per_s": final["samples_per_second"], "train_s": final["train_seconds"],
            "test_acc": final["test_accuracy"], "final_loss": final["final_loss"],
            "first_step_unix_s": final.get("first_step_unix_s"), "rank0_rss_mb": final.get("peak_rss_mb"),
            "rank_startup_s": final.get("first_step_process_age_s"),
            "job_startup_s": final.get("first_step_since_main_s"),
            "threads_used": final.get("threads_used"),
            "threads": final.get("threads_per_rank"), "blas": blas.group(1) if blas else "?"}


def parse_peer(out):
    d = peer_final(out)
    if d is None:
        return None
    return {"samples_per_s": d["samples_per_s"], "train_s": d["train_s"], "test_acc": d["test_acc"],
            "final_loss": d["final_loss"], "first_step_unix_s": d.get("first_step_unix_s"),
            "rank0_rss_mb": d["peak_rss_mb"][0], "threads": d["threads"], "blas": d.get("blas", "?"),
            "rank_startup_s": d.get("startup_s")}


def launch(cmd, tag, env=None):
    out, err = open(f"{LOG}/{tag}.out", "w"), open(f"{LOG}/{tag}.err", "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **(env or {})})
    return p, out, err


def finish(p, out, err, tag):
    _, status, usage = os.wait4(p.pid, 0)  # usage covers the whole process tree (waited-for descendants)
    p.returncode = os.waitstatus_to_exitcode(status)
    out.close(), err.close()
    return p.returncode, usage, open(f"{LOG}/{tag}.out").read()


def run(label, side, world, threads, jobs=1, env=None):
    """Runs `jobs` identical commands at once (jobs=2: the independent-runs ceiling)."""
    waited = wait_idle(IDLE_WAIT_S)
    load = os.getloadavg()[0]
    b0, t0, unix0 = busy_s(), time.perf_counter(), time.time()
    procs, tags = [], []
    for j in range(jobs):
        tag = f"{label}.{time.time():.3f}.{j}"
        metrics = f"{LOG}/{tag}.metrics.jsonl"
        cmd = dml_cmd(world, threads, metrics) if side == "dml" else peer_cmd(world, threads)
        procs.append((launch(cmd, tag, env), metrics, cmd))
        tags.append(tag)
    results, cpu, rss, rc = [], 0.0, 0.0, 0
    for ((p, out, err), metrics, cmd), tag in zip(procs, tags):
        code, usage, text = finish(p, out, err, tag)
        rc = rc or code
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss / 1024)
        parsed = parse_dml(text, metrics) if side == "dml" else parse_peer(text)
        results.append(parsed)
    wall = time.perf_counter() - t0
    foreign = (busy_s() - b0) - cpu
    ok = rc == 0 and all(results)
    d = {"label": label, "side": side, "world": world, "threads": threads, "jobs": jobs, "rc": rc, "ext_s": wall,
         "foreign_cpu_s": foreign, "clean": ok and clean(foreign, wall), "waited_s": waited,
         "load1": load, "max_rss_mb": rss, "cmd": " ".join(f"{k}={v}" for k, v in (env or {}).items()) +
         (" " if env else "") + " ".join(procs[0][2])}
    if ok:
        r0 = results[0]
        d.update({k: r0.get(k) for k in ("test_acc", "final_loss", "blas", "rank0_rss_mb", "rank_startup_s",
                                         "job_startup_s", "threads_used")})
        d["samples_per_s"] = sum(r["samples_per_s"] for r in results)  # jobs=2: summed throughput
        d["train_s"] = max(r["train_s"] for r in results)
        d["startup_s"] = (r0["first_step_unix_s"] - unix0) if r0.get("first_step_unix_s") else None
    with open(f"{LOG}/runs.jsonl", "a") as f:
        f.write(json.dumps(d) + "\n")
    print(f"{label}: {'clean' if d['clean'] else 'CONTAMINATED' if ok else 'FAILED rc=%d' % rc} "
          f"foreign={foreign:.1f}s ext={wall:.1f}s samples/s={d.get('samples_per_s', 0):.0f} "
          f"acc={d.get('test_acc')} startup={d.get('startup_s')}", file=sys.stderr, flush=True)
    return d


def plan_runs():
    runs = []
    for world, threads in CONFIGS:
        for side in SIDES:
            runs.append((f"{side}_w{world}_t{threads}", side, world, threads, 1, None))
    if "dml" in SIDES:
        runs.append(("dml_pair_w1_t1", "dml", 1, 1, 2, None))
        runs.append(("dml_w1_t1_malloc", "dml", 1, 1, 1, {"GLIBC_TUNABLES": MALLOC_TUNABLES}))
        runs.append(("dml_w2_t1_malloc", "dml", 2, 1, 1, {"GLIBC_TUNABLES": MALLOC_TUNABLES}))
    if "peer" in SIDES:
        runs.append(("peer_pair_w1_t1", "peer", 1, 1, 2, None))
    return runs


def profile():
    """step_profile's per-phase report (markdown), run on idle CPUs, best of PROFILE_REPS runs."""
    binary = os.environ.get("PROFILE")
    if not binary:
        return ""
    best, best_s = "", None
    for _ in range(int(os.environ.get("PROFILE_REPS", "2"))):
        wait_idle(IDLE_WAIT_S)
        b0, t0 = busy_s(), time.perf_counter()
        p = subprocess.run([binary, os.environ.get("PROFILE_STEPS", "3000")], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        foreign = (busy_s() - b0) - wall  # it keeps about one core busy
        if p.returncode != 0:
            return f"step_profile failed: {p.stderr}"
        if best_s is None or foreign < best_s:
            best, best_s = p.stdout, foreign
    text = f"# Where the time goes (bench/runtime/step_profile, least disturbed of its runs)\n\n{best}"
    open(f"{LOG}/profile.md", "w").write(text)
    os.environ["RESULTS_APPENDIX"] = f"{LOG}/profile.md"
    return text


def main():
    open(f"{LOG}/runs.jsonl", "w").close()
    print(profile(), file=sys.stderr)
    res = {}
    runs = plan_runs()
    for _ in range(REPS):  # interleaved: rep 1 of everything, then rep 2
        for label, *args in runs:
            res.setdefault(label, []).append(run(label, *args))
    for label, *args in runs:  # retries for contaminated or failed runs
        for _ in range(MAX_RETRIES):
            if sum(r["clean"] for r in res[label]) >= REPS:
                break
            res[label].append(run(label, *args))
    import report  # bench/runtime/report.py: the table and the plot
    report.write(res, RESULTS, PLOT, {"epochs": EPOCHS, "reps": REPS, "seed": SEED})


if __name__ == "__main__":
    main()
