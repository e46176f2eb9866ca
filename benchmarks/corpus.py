"""Make a synthetic corpus of N reports shaped like the real one (kg.corpus says how).

    python benchmarks/corpus.py 100 /tmp/corpus-100          # from this checkout's report
    python benchmarks/corpus.py 10 /tmp/c10 --seed 7 --root path/to/project
    kg --root /tmp/corpus-100 build                           # then use it like any project
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kg.corpus import generate_corpus
from kg.errors import KgError

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many reports")
    parser.add_argument("out", type=Path, help="the project folder to write (replaced)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project whose first report is copied (default: this checkout)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the substitutions (default 0)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("n must be at least 1")
    start = time.perf_counter()
    try:
        slugs = generate_corpus(args.root, args.out, args.n, seed=args.seed)
    except KgError as e:
        print(f"corpus: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {len(slugs)} reports ({slugs[0]} .. {slugs[-1]}) to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
