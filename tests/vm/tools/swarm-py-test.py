# SPDX-License-Identifier: GPL-2.0-only
"""The Python binding (dmswarm) against a swarm device in the VM, one
phase a run, one "PASS: pyswarm.NAME" or "FAIL: ..." line a check (the
suite tests/vm/suites/pyswarm.sh drives it):

    swarm-py-test.py info NAME NODE ENTRIES MEMBERS GENERATION
    swarm-py-test.py write NAME NODE   a batch of entries, one call
    swarm-py-test.py verify NAME TAG   read back, shuffled, both backends
    swarm-py-test.py lost NAME MEMBER PLACE
                                       after MEMBER failed: EIO for exactly
                                       the entries all of whose copies were
                                       on it, in PLACE ("swarmctl map show")

The entries written are known from a seed, so phases need no state.
Exit status 1 if a check failed.
"""
import os
import random
import sys
import time

import dmswarm

FAILED = 0
N = 512                                 # entries a batch
FIRST = 1024                            # kv_offload.py owns 0..1023


def check(name, ok, detail=""):
    global FAILED
    if ok:
        print("PASS: pyswarm.%s" % name)
    else:
        FAILED += 1
        print("FAIL: pyswarm.%s" % name)
        if detail:
            print("  %s" % detail)
    sys.stdout.flush()


def entries(dev):
    rng = random.Random(1234)
    return rng.sample(range(FIRST, dev.nr_entries), N)


def content(e, size):
    return ("dmswarm python entry %d" % e).encode().ljust(size, b"\xa5")


def verify(dev, ents, buf, statuses=None):
    """The entries whose data is wrong (those with status 0)."""
    bad = []
    for i, e in enumerate(ents):
        if statuses and statuses[i]:
            continue
        if bytes(buf[i]) != content(e, dev.entry_size):
            bad.append(e)
    return bad


def main():
    phase, name = sys.argv[1], sys.argv[2]
    if phase == "info":
        want = [int(x) for x in sys.argv[4:7]]
        with dmswarm.open(name) as dev:
            got = [dev.nr_entries, dev.nr_members, dev.map_generation]
            check("info", dev.entry_size == 4096 and dev.is_swarm and
                  got == want, "%r: %r, want %r" % (dev, got, want))
            check("backend-default", dev.backend == "io_uring", dev.backend)
        with dmswarm.open(name, backend="threads") as dev:
            check("backend-threads", dev.backend == "threads", dev.backend)
        with dmswarm.open(sys.argv[3]) as dev:
            check("open-by-node", dev.is_swarm and dev.nr_entries == want[0],
                  repr(dev))
    elif phase == "write":
        with dmswarm.open(name) as dev:
            ents = entries(dev)
            buf = dev.alloc(N)
            for i, e in enumerate(ents):
                buf[i][:] = content(e, dev.entry_size)
            st = dev.write(ents, buf)
            check("write-batch", st == [0] * N)
        # What the binding wrote is where the device has entry e.
        fd = os.open(sys.argv[3], os.O_RDONLY)
        try:
            bad = [e for e in ents[:64] if os.pread(fd, dev.entry_size,
                   e * dev.entry_size) != content(e, dev.entry_size)]
        finally:
            os.close(fd)
        check("write-at-offsets", not bad, "wrong: %r" % bad[:8])
    elif phase == "verify":
        tag = sys.argv[3]
        for be in ("uring", "threads"):
            with dmswarm.open(name, backend=be) as dev:
                if tag == "map":
                    check("generation-%s" % be, dev.map_generation == 1,
                          str(dev.map_generation))
                ents = entries(dev)
                random.Random(7).shuffle(ents)
                buf = dev.alloc(N)
                t0 = time.monotonic()
                st = dev.read(ents, buf)
                t = time.monotonic() - t0
                bad = verify(dev, ents, buf)
                check("read-%s-%s" % (tag, be), st == [0] * N and not bad,
                      "wrong: %r" % bad[:8])
                print("figure: python %s read of %d entries over %s: "
                      "%.1f ms, one batch" % (tag, N, dev.backend, t * 1e3))
    elif phase == "lost":
        with dmswarm.open(name) as dev:
            ents = entries(dev)
            buf = dev.alloc(N)
            t0 = time.monotonic()
            st = dev.read(ents, buf, check=False)
            t = time.monotonic() - t0
            lost = [e for e, s in zip(ents, st) if s]
            kinds = set(st)
            check("lost-statuses", kinds <= {0, 5}, "statuses %r" % kinds)
            check("lost-some", 0 < len(lost) < N, "%d lost" % len(lost))
            member, only = sys.argv[3], set()
            with open(sys.argv[4]) as f:     # "entry: dev/slot dev/slot..."
                for line in f:
                    e, _, copies = line.partition(":")
                    devs = {c.split("/")[0] for c in copies.split()}
                    if devs == {member}:
                        only.add(int(e))
            want = [e for e in ents if e in only]
            check("lost-exactly", lost == want, "lost %d entries, %d had "
                  "their only copies on member %s" % (len(lost), len(want),
                                                     member))
            bad = verify(dev, ents, buf, st)
            check("lost-rest-right", not bad, "wrong: %r" % bad[:8])
            try:
                dev.read(ents, buf)
                check("lost-raises", False, "no BatchError")
            except dmswarm.BatchError as e:
                check("lost-raises", e.errno == 5 and
                      [x for x, _ in e.failed] == lost, str(e))
            print("figure: python read after a member failed: %d of %d "
                  "entries lost (EIO), %.1f ms" % (len(lost), N, t * 1e3))
    else:
        print("swarm-py-test: unknown phase %s" % phase, file=sys.stderr)
        return 2
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
