"""Telling a quiet machine from a busy one, for benches on a shared 2-vCPU VM.

Each run first waits for idle CPUs (wait_idle); afterwards the CPU time OTHER processes used
during it (system busy time from /proc/stat minus the run's own rusage) says whether it was
disturbed: above CONTAMINATION of one core per wall second, the run is retried.
"""
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
CONTAMINATION = 0.05  # foreign CPU seconds per wall second above which a run is retried


def busy_s():
    """System-wide non-idle CPU seconds so far."""
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return (sum(v[:8]) - v[3] - v[4]) / HZ  # minus idle, iowait


def wait_idle(longest_s):
    """Waits up to longest_s for 3 s of idle CPUs; returns the seconds waited, -1 if it gave up."""
    t0 = time.time()
    while time.time() - t0 < longest_s:
        b = busy_s()
        time.sleep(3)
        if busy_s() - b < 0.3:  # < 10% of one core over 3 s
            return round(time.time() - t0)
        print("  waiting for idle CPUs ...", file=sys.stderr, flush=True)
    return -1  # ran anyway; the contamination check still applies


def clean(foreign_cpu_s, wall_s):
    return foreign_cpu_s < CONTAMINATION * wall_s
