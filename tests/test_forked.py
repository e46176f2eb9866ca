"""kg.forked.make_in_two: the same bytes as one process makes, the child's jobs really in a
child, and failures on either side neither lost nor left hanging.

Each case runs in a fresh interpreter: the test process may hold threads of its own (servers
of other tests), and then make_in_two rightly declines to fork."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

HEAD = textwrap.dedent("""
    import os, sys
    from kg.forked import make_in_two
    parent = os.getpid()
    def pid(): return str(os.getpid()).encode()
    def big(): return b"x" * 5_000_000  # more than a pipe holds
    def no_child_left():
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        return False
""")


def _run(body: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HEAD + textwrap.dedent(body)], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="make_in_two forks only on two cores")
def test_the_child_makes_its_jobs_and_the_answer_keeps_the_order_of_the_jobs():
    r = _run("""
        out = make_in_two({"a": pid, "b": big, "c": pid}, {"b", "c"})
        assert list(out) == ["a", "b", "c"]
        assert out["a"] == str(parent).encode() and out["b"] == big()
        assert out["c"] != str(parent).encode(), "c was not made in a child"
        assert no_child_left()
        print("ok")
    """)
    assert r.stdout.strip() == "ok", r.stderr


def test_a_job_that_fails_in_the_child_is_made_again_here():
    r = _run("""
        def only_here():
            if os.getpid() != parent:
                raise RuntimeError("the child fails")
            return b"made here"
        out = make_in_two({"a": pid, "b": only_here}, {"b"})
        assert out == {"a": str(parent).encode(), "b": b"made here"}
        assert no_child_left()
        print("ok")
    """)
    assert r.stdout.strip() == "ok", r.stderr


def test_an_error_is_raised_here_and_no_child_is_left_behind():
    r = _run("""
        def fails(): raise ValueError("cannot write this")
        for jobs in ({"a": fails, "b": big}, {"a": big, "b": fails}):
            try:
                make_in_two(jobs, {"b"})
            except ValueError as e:
                assert str(e) == "cannot write this"
            else:
                raise AssertionError("no error")
            assert no_child_left()
        print("ok")
    """)
    assert r.stdout.strip() == "ok", r.stderr


def test_with_other_threads_everything_is_made_here():
    r = _run("""
        import threading
        stop = threading.Event()
        t = threading.Thread(target=stop.wait); t.start()
        out = make_in_two({"a": pid, "b": pid}, {"b"})
        stop.set(); t.join()
        assert out == {"a": str(parent).encode(), "b": str(parent).encode()}
        print("ok")
    """)
    assert r.stdout.strip() == "ok", r.stderr
