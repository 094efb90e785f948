"""Median time of a full render of the template, per answer set.

    uv run python benchmarks/render.py [--runs 7]

Renders in-process with the copier API (what ``copier copy`` does after start-up), from the
committed HEAD, into fresh temporary directories. Prints one line per answer set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import ANSWER_SETS, render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{'answer set':<28} {'median':>8} {'min':>8} {'max':>8}  (seconds, {args.runs} runs)")
    for answer_set in ANSWER_SETS:
        timings = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as directory:
                start = time.perf_counter()
                render(Path(directory) / "service", answer_set.answers)
                timings.append(time.perf_counter() - start)
        print(
            f"{answer_set.name:<28} {statistics.median(timings):>8.3f} "
            f"{min(timings):>8.3f} {max(timings):>8.3f}"
        )


if __name__ == "__main__":
    main()
