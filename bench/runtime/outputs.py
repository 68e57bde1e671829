"""Reading each side's final result, for both benches (bench/runtime, bench/nodes).

dmlrun writes its metrics as JSON lines (`--metrics`), the last with "event": "final"; the peer
(ddp_mlp.py) prints one JSON line on rank 0's stdout. Each bench picks its fields from these.
"""
import json
import os


def dml_final(metrics_path):
    """dmlrun's final metrics record, or None when the run wrote none (it failed)."""
    if not os.path.exists(metrics_path):
        return None
    records = [json.loads(l) for l in open(metrics_path) if l.strip()]
    return next((r for r in reversed(records) if r.get("event") == "final"), None)


def peer_final(stdout_text):
    """The peer's JSON line (its last), or None when it printed none."""
    lines = [l for l in stdout_text.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None
