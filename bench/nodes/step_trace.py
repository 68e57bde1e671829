"""Where a dmlrun step's time goes, from the ranks' `--step-trace` files (runtime/train/step_trace.h).

Each rank-<R>.tsv holds, per step, four steady-clock times: start, exchange start, exchange end, end.
All emulated nodes run on one machine, so the ranks' clocks are one clock and the files line up
step by step. Per rank and step:

  data      from the previous step's end to this start (gathering the next batch): the median,
            since the gaps between epochs hold the evaluation
  compute   forward + backward (start -> exchange start) and the optimizer (exchange end -> end)
  wait      from this rank's exchange start to the LAST rank's: idle for the slowest rank
  exchange  from the last rank's exchange start to this rank's exchange end: the allreduce itself

summarize() returns the means over ranks and steps in microseconds (the first epoch's first
steps included; the trace starts after set-up).
"""
import glob
import os


def _read(path):
    rows = []
    with open(path) as f:
        next(f, None)  # header
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                rows.append([int(p) for p in parts])
    return rows


def summarize(trace_dir):
    files = sorted(glob.glob(os.path.join(trace_dir, "rank-*.tsv")))
    ranks = [_read(f) for f in files]
    if not ranks or not all(ranks):
        return None
    steps = min(len(r) for r in ranks)
    total = {"compute": 0.0, "wait": 0.0, "exchange": 0.0}
    gaps = []
    count = 0
    for s in range(steps):
        last_arrival = max(r[s][1] for r in ranks)
        for r in ranks:
            start, x_start, x_end, end = r[s]
            if s > 0:
                gaps.append(start - r[s - 1][3])
            total["compute"] += (x_start - start) + (end - x_end)
            total["wait"] += last_arrival - x_start
            total["exchange"] += x_end - last_arrival
            count += 1
    out = {k: round(v / count / 1000.0, 1) for k, v in total.items()}
    gaps.sort()
    out["data"] = round(gaps[len(gaps) // 2] / 1000.0, 1) if gaps else 0.0
    out["step"] = round(sum(out[k] for k in ("data", "compute", "wait", "exchange")), 1)
    out["ranks"], out["steps"] = len(ranks), steps
    return out


if __name__ == "__main__":
    import json
    import sys
    print(json.dumps(summarize(sys.argv[1])))
