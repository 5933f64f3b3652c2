#!/usr/bin/env python3
"""Makes a dev chain spec whose maps hold as many entries as a grown chain's (docs/performance.md).

Usage: scripts/grow-state.py RPC_URL SPEC_IN SPEC_OUT ENTRIES

RPC_URL is a node of the same runtime that has run some of every workload (`medchain-load
chain`, any size), SPEC_IN the raw dev spec (`medchain-node export-chain-spec --chain dev
--raw`). For every map the workloads write, the script takes one of that node's entries, from
the latest block that has one, and adds ENTRIES keys to SPEC_IN's genesis: the map's prefix
followed by random bytes as long as the sample's key, each holding the sample's value. So the
trie under each map is as deep and as wide as a chain with ENTRIES entries in it, and the
values are ones the runtime decodes, were anything to read them.

Left out, so that nothing reads a made-up entry: the registry (whose practitioners every
directory lists), the expiry queues the runtime sweeps block by block, and key release.
"""
import importlib.util
import json
import os
import random
import sys

# The twox hasher and the RPC call are state-keys.py's (its file name is not a module name).
_spec = importlib.util.spec_from_file_location(
    "state_keys", os.path.join(os.path.dirname(os.path.abspath(__file__)), "state-keys.py")
)
state_keys = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(state_keys)

MAPS = {
    "System": ["Account"],
    "Balances": ["Holds"],
    "Records": ["Records", "PatientRecords", "Envelopes", "Prescriptions"],
    "Consent": [
        "Requests", "PendingRequests", "PendingCount", "PendingPerRequester",
        "PendingByRequester", "Grants", "PatientGrants", "GranteeGrants", "GrantCount",
        "HeldCount", "UnaskedGrants", "UnaskedHeld", "Audit", "AuditLen",
    ],
    "Appointments": [
        "Appointments", "PatientAppointments", "DoctorAppointments", "PendingByDoctor",
        "PendingPerPair", "AcceptedByDoctor", "OpenByPatient", "Treatment",
    ],
}


def main():
    url, spec_in, spec_out, entries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    def rpc(method, params):
        return state_keys.rpc(url, method, params)

    best = int(rpc("chain_getHeader", [])["number"], 16)
    hashes = {}  # block number -> hash, asked for only when a map needs an older block

    def blocks():
        for number in range(best, 0, -1):
            if number not in hashes:
                hashes[number] = rpc("chain_getBlockHash", [number])
            yield hashes[number]

    samples = {}
    for pallet, items in MAPS.items():
        for item in items:
            prefix = "0x" + state_keys.twox128(pallet) + state_keys.twox128(item)
            # The map may be empty at the end (requests granted, appointments accepted):
            # the latest block that still held an entry gives the sample.
            for at in blocks():
                keys = rpc("state_getKeysPaged", [prefix, 1, None, at])
                if keys:
                    samples[f"{pallet}::{item}"] = (prefix, keys[0], rpc("state_getStorage", [keys[0], at]))
                    break
            else:
                sys.exit(f"{pallet}::{item} holds no entry in any block of {url}: run a load first")

    spec = json.load(open(spec_in))
    top = spec["genesis"]["raw"]["top"]
    rng = random.Random(22)  # the same state on every run
    marker = "__GROWN_ENTRIES__"
    spec["genesis"]["raw"]["top"] = marker
    head, tail = json.dumps(spec).split(f'"{marker}"')
    with open(spec_out, "w") as out:
        # Streamed: a few million entries would take gigabytes as one JSON value.
        out.write(head + "{")
        out.write(",".join(f'"{k}":"{v}"' for k, v in top.items()))
        for name, (prefix, key, value) in samples.items():
            suffix = (len(key) - len(prefix)) // 2
            for _ in range(entries):
                out.write(f',"{prefix}{rng.randbytes(suffix).hex()}":"{value}"')
            print(f"{name}: {entries} entries of {suffix + 32}-byte keys, {len(value) // 2 - 1}-byte values")
        out.write("}" + tail)


if __name__ == "__main__":
    main()
