"""Make several byte strings on two cores: some in a forked child, the rest here at once.

`kg build` writes its graph in four formats, each a few tenths of a second of pure Python;
a forked child shares the graph without copying it and hands back only the bytes.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable


def make_in_two(jobs: dict[str, Callable[[], bytes]], in_child: set[str]) -> dict[str, bytes]:
    """Each job's bytes, by name and in the order of `jobs`. The jobs named in `in_child` run
    in a forked child while this process runs the others.

    Everything runs here, one job after another, where forking is not safe or of no use: no
    fork (Windows), one core, or other threads, Python's or native ones such as an open
    on-disk store's (a child would inherit the locks they hold).
    A child that fails is not trusted with anything: its jobs run again here, so that their
    errors are raised as they would be without it."""
    here = {k: f for k, f in jobs.items() if k not in in_child}
    there = {k: f for k, f in jobs.items() if k in in_child}
    if not there or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or not _single_threaded():
        return {k: f() for k, f in jobs.items()}
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: make its bytes, hand them over, leave without any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            data = pickle.dumps({k: f() for k, f in there.items()}, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    pipe = os.fdopen(read_end, "rb")
    try:
        made = {k: f() for k, f in here.items()}
        data = pipe.read()
    finally:
        pipe.close()  # after a failure here, the child's write fails and it leaves
        _, status = os.waitpid(pid, 0)
    if status == 0:
        made.update(pickle.loads(data))
    else:
        made.update((k, f()) for k, f in there.items())
    return {k: made[k] for k in jobs}


def _single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1  # Linux: every thread of the process
    except OSError:
        return threading.active_count() == 1
