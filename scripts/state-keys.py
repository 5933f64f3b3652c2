#!/usr/bin/env python3
"""Counts a node's state keys per storage item, in key order (docs/performance.md).

Usage: scripts/state-keys.py [RPC_URL]   (default http://127.0.0.1:9944)

Prints, for every storage item in the order its keys lie in the trie, how many keys it holds
and the running total, so that `benchmark storage --keys-limit N` (the first N keys in key
order) can be read as "these items". Items are named from MedChain's pallet sources and the
FRAME pallets the runtime uses; any other prefix is printed in hex.
"""
import collections
import glob
import json
import os
import re
import struct
import sys
import urllib.request

M = (1 << 64) - 1
P1, P2, P3, P4, P5 = (
    11400714785074694791,
    14029467366897019727,
    1609587929392839161,
    9650029242287828579,
    2870177450012600261,
)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def xxh64_round(acc, lane):
    return (rotl((acc + lane * P2) & M, 31) * P1) & M


def xxh64(data, seed):
    """XXH64, as Substrate's twox hashers use it (Python's standard library has none)."""
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            v = [xxh64_round(a, b) for a, b in zip(v, struct.unpack_from("<4Q", data, i))]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for a in v:
            h = ((h ^ xxh64_round(0, a)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ xxh64_round(0, struct.unpack_from("<Q", data, i)[0]), 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", data, i)[0] * P1) & M, 23) * P2 + P3) & M
        i += 4
    for byte in data[i:]:
        h = (rotl(h ^ (byte * P5) & M, 11) * P1) & M
    h ^= h >> 33
    h = (h * P2) & M
    h ^= h >> 29
    h = (h * P3) & M
    return h ^ (h >> 32)


def twox128(name):
    return b"".join(struct.pack("<Q", xxh64(name.encode(), seed)) for seed in (0, 1)).hex()


FRAME = {
    "System": "Account BlockHash Number ParentHash Digest Events EventCount EventTopics "
    "BlockWeight ExtrinsicCount AllExtrinsicsLen ExtrinsicData LastRuntimeUpgrade "
    "UpgradedToU32RefCount UpgradedToTripleRefCount ExecutionPhase InherentsApplied",
    "Balances": "TotalIssuance InactiveIssuance Account Locks Reserves Holds Freezes",
    "Timestamp": "Now DidUpdate",
    "Aura": "Authorities CurrentSlot",
    "Grandpa": "State PendingChange NextForced Stalled CurrentSetId SetIdSession Authorities",
    "TransactionPayment": "NextFeeMultiplier StorageVersion",
    "Sudo": "Key",
}
MEDCHAIN = {
    "Registry": "registry",
    "Appointments": "appointments",
    "Records": "records",
    "Consent": "consent",
    "ShareLinks": "share-links",
    "KeyRelease": "key-release",
}


def item_names():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pallets")
    items = {pallet: names.split() for pallet, names in FRAME.items()}
    for pallet, crate in MEDCHAIN.items():
        source = "".join(
            open(path).read()
            for path in glob.glob(os.path.join(root, crate, "src", "**", "*.rs"), recursive=True)
        )
        items[pallet] = set(re.findall(r"#\[pallet::storage\][^;]*?type\s+(\w+)", source, re.S))
    names = {
        twox128(pallet) + twox128(item): f"{pallet}::{item}"
        for pallet, names in items.items()
        for item in names
    }
    for pallet in items:
        names[twox128(pallet) + twox128(":__STORAGE_VERSION__:")] = f"{pallet}, storage version"
    names[b":code".hex()] = ":code (the runtime)"
    return names


def rpc(url, method, params):
    """The result of one JSON-RPC call to the node at `url`."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["result"]


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9944"
    names = item_names()
    counts = collections.Counter()
    start = None
    while True:
        keys = rpc(url, "state_getKeysPaged", ["0x", 1000] + ([start] if start else []))
        for key in keys:
            counts[key[2:66]] += 1  # Counter keeps first-seen order: the trie's key order
        if len(keys) < 1000:
            break
        start = keys[-1]
    print(f"{sum(counts.values())} keys\n\n| keys up to here | keys | storage item |\n|---:|---:|---|")
    total = 0
    for prefix, count in counts.items():
        total += count
        print(f"| {total} | {count} | {names.get(prefix, prefix)} |")


if __name__ == "__main__":
    main()
