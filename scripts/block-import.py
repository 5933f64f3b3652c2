#!/usr/bin/env python3
"""What importing a block really costs: execution and the database commit.

`benchmark block` executes a block and computes its storage root, but never commits it, and
`benchmark storage` prices a write with the commit included. To compare a block's weight with
everything a node does to import it, `scripts/bench.sh` has a second node sync the chain with
its import queue, client and database logging at trace level, and this script times each of
the blocks `benchmark block` measured from those lines:

- start: `sync::import-queue: Block N (..) has K logs` (before the seal is verified);
- executed: `sc_service::client::client: Imported .., (#N)` (after execution and the storage
  root, before anything is written);
- committed: `db: DB Commit done 0x..` of that block (after ParityDB's commit).

Usage: block-import.py BLOCKS_MD LABEL=PATH...
BLOCKS_MD is `benchmark block`'s table (docs/performance/dev/blocks.md). Each LABEL names one
column. A PATH ending in `.md` is another `benchmark block` table of the same blocks (on another
copy of the chain), and its column shows the execution and its share of the weight. Any other
PATH is an importing node's log, and its column shows the time until the block was executed,
until it was committed, and the latter as a share of the block's weight. Prints a Markdown
table.
"""

import datetime
import re
import sys

STAMP = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) "
START = re.compile(STAMP + r".*sync::import-queue: Block (\d+) \(.*\) has \d+ logs")
EXECUTED = re.compile(STAMP + r".*sc_service::client::client: Imported \S+, \(#(\d+)\)")
COMMIT = re.compile(STAMP + r".*db: DB Commit (0x[0-9a-f]{64}) \((\d+)\)")
DONE = re.compile(STAMP + r".*db: DB Commit done (0x[0-9a-f]{64})")


def stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


def import_times(path):
    """Block number -> (executed ms, executed and committed ms)."""
    start, executed, hashes, times = {}, {}, {}, {}
    for line in open(path, errors="replace"):
        if m := START.search(line):
            start[int(m.group(2))] = stamp(m.group(1))
        elif m := EXECUTED.search(line):
            executed[int(m.group(2))] = stamp(m.group(1))
        elif m := COMMIT.search(line):
            hashes[m.group(2)] = int(m.group(3))
        elif m := DONE.search(line):
            number = hashes.get(m.group(2))
            if number in start and number in executed:
                began = start[number]
                times[number] = (
                    (executed[number] - began).total_seconds() * 1000,
                    (stamp(m.group(1)) - began).total_seconds() * 1000,
                )
    return times


def benchmarked(path):
    """Block number -> executed ms, from a `benchmark block` table."""
    times = {}
    for cells in table_rows(path):
        times[int(cells[1])] = float(cells[4])
    return times


def table_rows(path):
    """The cells of each block's row in a `benchmark block` table."""
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1].isdigit():
            yield cells


def main():
    blocks_md, imports = sys.argv[1], sys.argv[2:]
    if not imports:
        sys.exit(__doc__)
    timed = []
    for arg in imports:
        label, _, path = arg.partition("=")
        if path.endswith(".md"):
            timed.append((label, benchmarked(path), "`benchmark block`, {} (ms)"))
        else:
            timed.append((label, import_times(path), "import, {}: executed / committed (ms)"))

    head = "| workload | block | extrinsics | weight (ms) | `benchmark block` (ms) |"
    rule = "|---|---:|---:|---:|---:|"
    for label, _, title in timed:
        head += f" {title.format(label)} |"
        rule += "---:|"
    print(head)
    print(rule)
    for name, number, extrinsics, weight, executed, share in table_rows(blocks_md):
        row = f"| {name} | {number} | {extrinsics} | {weight} | {executed} ({share}) |"
        for label, times, _ in timed:
            if int(number) not in times:
                sys.exit(f"{label}: no times for block {number}")
            if isinstance(times[int(number)], float):
                run = times[int(number)]
                row += f" {run:.1f} ({100 * run / float(weight):.0f} %) |"
            else:
                run, total = times[int(number)]
                row += f" {run:.0f} / {total:.0f} ({100 * total / float(weight):.0f} %) |"
        print(row)


if __name__ == "__main__":
    main()
