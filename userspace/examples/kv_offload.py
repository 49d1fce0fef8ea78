#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Offload the K/V of a sequence (4 layers x 256 tokens, one entry per
token and layer) to a swarm device, then read back each decoding step's
top-8 tokens of every layer as one batch, and check them.

    python3 kv_offload.py /dev/mapper/kv    (a swarm of 4 KiB entries)
    python3 kv_offload.py /tmp/kv.img       (a file: made, as a plain store)
"""
import sys

import dmswarm

LAYERS, TOKENS, TOPK, STEPS = 4, 256, 8, 16


def kv(layer, token):                   # this token's K/V, as the model made it
    return ("K/V layer %d token %d" % (layer, token)).encode().ljust(4096, b"\0")


with dmswarm.open(sys.argv[1], entry_size=4096, create_entries=LAYERS * TOKENS) as dev:
    buf = dev.alloc(LAYERS * TOKENS)    # aligned for O_DIRECT; buf[i]: entry i
    for e in range(LAYERS * TOKENS):    # entry = layer * TOKENS + token
        buf[e][:] = kv(e // TOKENS, e % TOKENS)
    dev.write(range(LAYERS * TOKENS), buf)
    bad = 0
    for step in range(STEPS):           # one batch: the top-k of every layer
        topk = [(step * 37 + j * 11) % TOKENS for j in range(TOPK)]
        entries = [layer * TOKENS + t for layer in range(LAYERS) for t in topk]
        status = dev.read(entries, buf, check=False)   # EIO: lost, recompute
        bad += sum(s != 0 or bytes(buf[i]) != kv(e // TOKENS, e % TOKENS)
                   for i, (e, s) in enumerate(zip(entries, status)))
    print("%d steps of %d entries read over %s, %d wrong"
          % (STEPS, len(entries), dev.backend, bad))
sys.exit(bad != 0)
