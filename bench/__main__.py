"""`python -m bench [name ...]`: run the benchmarks (all of them by default)."""

import sys
import time

from bench import common

BENCHMARKS = ("sending", "partner", "pages", "sweep", "annex", "schedule", "themes", "inbox")


def main(names):
    names = names or BENCHMARKS
    print(f"Machine: {common.machine()}")
    print(f"PostgreSQL {common.postgres_version()}, Redis {common.redis_version()}", flush=True)
    for name in names:
        if name not in BENCHMARKS:
            raise SystemExit(f"No benchmark called {name}; there are: {', '.join(BENCHMARKS)}")
        started = time.perf_counter()
        module = __import__(f"bench.{name}", fromlist=["run"])
        module.run()
        print(f"  ({name} took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
