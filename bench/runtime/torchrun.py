#!/usr/bin/env python3
"""`python3 -m torch.distributed.run` for Debian's torch 1.13 on Python 3.11.

torch 1.13's Std.from_str iterates an IntFlag to map "0" -> Std.NONE; Python 3.11 no longer
yields zero/multi-bit members, so the launcher crashes with "'NoneType' object has no attribute
'get'" (see meta-llama/llama#86). Fixed upstream in torch 2.x. Usage is identical to torchrun.
Copied unchanged from the project's shared peer (../shared/peer/torchrun.py).
"""
import runpy

from torch.distributed.elastic.multiprocessing.api import Std


def _from_str(cls, vm):
    if ":" not in vm:
        return cls(int(vm))
    return {int(i): cls(int(v)) for i, v in (m.split(":") for m in vm.split(","))}


Std.from_str = classmethod(_from_str)
runpy.run_module("torch.distributed.run", run_name="__main__", alter_sys=True)
