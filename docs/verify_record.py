#!/usr/bin/env python3
"""Verify Consiglio's public record from outside, trusting nothing but this file.

Usage: python3 verify_record.py https://consiglio.example.org [--anchor SEQ:HASH]

Uses only the Python standard library. Downloads every event from /api/v1/record, recomputes
the hash chain as docs/record.md specifies, compares the result with /api/v1/record/head, and
exits 1 at the first broken link, naming it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request

GENESIS = "0" * 64


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def canonical(event: dict) -> bytes:
    body = {k: event[k] for k in ("seq", "at", "kind", "actor", "subject", "data")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--anchor", help="SEQ:HASH cited by an official document")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    anchor = None
    if args.anchor:
        seq_text, digest = args.anchor.split(":", 1)
        anchor = (int(seq_text), digest.lower())

    prev, expected_seq, anchor_ok = GENESIS, 1, anchor is None
    while True:
        page = fetch(f"{base}/api/v1/record?after={expected_seq - 1}&limit=1000").decode()
        lines = [line for line in page.splitlines() if line.strip()]
        if not lines:
            break
        for line in lines:
            event = json.loads(line)
            seq = event["seq"]
            if seq != expected_seq:
                print(f"BROKEN at seq {expected_seq}: missing (next is {seq})")
                return 1
            if event["prev"] != prev:
                print(f"BROKEN at seq {seq}: prev is not the hash of event {seq - 1}")
                return 1
            digest = hashlib.sha256(prev.encode("ascii") + canonical(event)).hexdigest()
            if digest != event["hash"]:
                print(f"BROKEN at seq {seq}: content does not match its hash")
                return 1
            if anchor and seq == anchor[0]:
                if digest != anchor[1]:
                    print(f"BROKEN at seq {seq}: differs from the anchor")
                    return 1
                anchor_ok = True
            prev, expected_seq = digest, expected_seq + 1

    head = json.loads(fetch(f"{base}/api/v1/record/head"))
    if head["seq"] < expected_seq - 1:
        print(f"BROKEN: the published head {head['seq']} is behind the events served")
        return 1
    if head["seq"] == expected_seq - 1 and head["hash"] != prev:
        print("BROKEN: the published head hash differs from the recomputed chain")
        return 1
    if not anchor_ok:
        print("BROKEN: the anchor's event is not in the record")
        return 1
    print(f"ok: {expected_seq - 1} events, head {prev}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
