"""Summarise the pstats files of bench/profile/gunicorn.profile.py: per-request microseconds by function.

    python3 report.py REQUESTS FILE.pstats... [--top N] [--merge]

Prints, for every file, the total recorded time per request and the top functions by cumulative and by own
(self) time, each in microseconds per request (REQUESTS is how many requests the worker answered). --merge sums
the files first (a gthread worker's request threads are one file each): one table for the whole worker.
"""

import argparse
import pstats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("requests", type=int)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--merge", action="store_true")
    args = parser.parse_args()
    groups = [(f"{len(args.files)} files merged", args.files)] if args.merge else [(path, [path]) for path in args.files]
    for path, paths in groups:
        stats = pstats.Stats(*paths)
        print(f"== {path}: {stats.total_tt / args.requests * 1e6:.0f} us recorded per request")
        for key, label in (("cumulative", "cumulative"), ("tottime", "self")):
            rows = sorted(stats.stats.items(), key=lambda item: item[1][3 if key == "cumulative" else 2], reverse=True)
            print(f"-- top by {label} time (us per request, calls per request)")
            for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in rows[: args.top]:
                where = f"{filename.split('/dist-packages/')[-1].split('/lib/python3.11/')[-1]}:{line}({name})"
                value = cumtime if key == "cumulative" else tottime
                print(f"{value / args.requests * 1e6:9.1f} us  {ncalls / args.requests:6.2f}  {where}")


if __name__ == "__main__":
    main()
