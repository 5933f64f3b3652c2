#!/usr/bin/env python3
"""What importing a block really costs, against `benchmark block` and the block's weight.

`benchmark block` executes a block and computes its storage root, but never commits it. To
compare a block's weight with everything a node does to import it, `scripts/bench.sh` has a
second node sync the chain and samples that node's Prometheus histogram
`substrate_block_verification_and_import_time` every 50 ms (`block-import.py sample`). Its
sum grows by each block's verification, execution and database commit as the block is
imported, and its count is the number of blocks imported so far: a syncing node imports
blocks 1, 2, 3, ... in order, so count n means block n is in. A block's import time is what
the sum grew by in the sample where the count reached it; when a light block finished in the
same 50 ms, its few milliseconds are counted too, so the figure errs on the high side.

The node's logs are not used for this. A `debug` or `trace` directive raises the log level
the runtime reads too (`sp_io::logging::max_level`), and `frame-executive` then formats every
extrinsic it applies with `Debug` ("Executing transaction: ...") and hands the line to the
node, which filters it out. That costs per extrinsic, more for larger ones: with trace logging
a sync of 22 blocks took 7.4 s instead of 5.9-6.1 s, and the earlier runs of this script, which
read the trace logs, saw imports up to 2.2 times slower than `benchmark block`.

Usage:
  block-import.py sample URL OUT       sample URL's metrics into OUT until killed
  block-import.py BLOCKS_MD LABEL=PATH...
BLOCKS_MD is `benchmark block`'s table (docs/performance/dev/blocks.md). Each LABEL names one
column. A PATH ending in `.md` is another `benchmark block` table of the same blocks (on another
copy of the chain), and its column shows the execution and its share of the weight. Any other
PATH is a file of samples, and its column shows the import time and its share of the weight.
Prints a Markdown table.
"""

import re
import sys
import time
import urllib.request

METRIC = "substrate_block_verification_and_import_time"
SUM = re.compile(r"^" + METRIC + r"_sum(?:\{[^}]*\})? (\S+)$", re.M)
COUNT = re.compile(r"^" + METRIC + r"_count(?:\{[^}]*\})? (\S+)$", re.M)


def sample(url, out):
    """Appends `count sum` to OUT whenever the count changes, every 50 ms, until killed."""
    last = None
    with open(out, "w") as f:
        while True:
            try:
                text = urllib.request.urlopen(url, timeout=1).read().decode()
            except OSError:
                time.sleep(0.05)
                continue
            s, c = SUM.search(text), COUNT.search(text)
            if s and c and c.group(1) != last:
                last = c.group(1)
                f.write(f"{int(float(c.group(1)))} {float(s.group(1))}\n")
                f.flush()
            time.sleep(0.05)


def import_times(path):
    """Block number -> import time (ms), from a file of samples."""
    times, count, total = {}, 0, 0.0
    for line in open(path):
        c, s = line.split()
        c, s = int(c), float(s)
        for number in range(count + 1, c + 1):
            times[number] = (s - total) * 1000
        count, total = c, s
    return times


def table_rows(path):
    """The cells of each block's row in a `benchmark block` table."""
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1].isdigit():
            yield cells


def benchmarked(path):
    """Block number -> executed ms, from a `benchmark block` table."""
    return {int(cells[1]): float(cells[4]) for cells in table_rows(path)}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "sample":
        sample(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    blocks_md, columns = sys.argv[1], []
    for arg in sys.argv[2:]:
        label, _, path = arg.partition("=")
        if path.endswith(".md"):
            columns.append((f"`benchmark block`, {label} (ms)", benchmarked(path)))
        else:
            columns.append((f"import, {label} (ms)", import_times(path)))

    head = "| workload | block | extrinsics | weight (ms) | `benchmark block` (ms) |"
    rule = "|---|---:|---:|---:|---:|"
    for title, _ in columns:
        head += f" {title} |"
        rule += "---:|"
    print(head)
    print(rule)
    for name, number, extrinsics, weight, executed, share in table_rows(blocks_md):
        row = f"| {name} | {number} | {extrinsics} | {weight} | {executed} ({share}) |"
        for title, times in columns:
            if int(number) not in times:
                sys.exit(f"{title}: no time for block {number}")
            took = times[int(number)]
            row += f" {took:.1f} ({100 * took / float(weight):.0f} %) |"
        print(row)


if __name__ == "__main__":
    main()
