# SPDX-License-Identifier: GPL-2.0-only
"""Tests of the dmswarm binding against files on the host (no kernel
module): both backends, per-entry errors, alignment, buffers, numpy."""

import errno
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import dmswarm  # noqa: E402

ESZ = 4096
NR = 32

try:
    import numpy
except ImportError:
    numpy = None


def pattern(entry, seed=0):
    head = ("entry %d seed %d " % (entry, seed)).encode()
    return (head * (ESZ // len(head) + 1))[:ESZ]


class Base(unittest.TestCase):
    backend = None

    def setUp(self):
        fd, self.path = tempfile.mkstemp(prefix="dmswarm-test-")
        os.ftruncate(fd, NR * ESZ)
        os.close(fd)

    def tearDown(self):
        os.unlink(self.path)

    def client(self, **kw):
        kw.setdefault("entry_size", ESZ)
        return dmswarm.open(self.path, backend=self.backend, **kw)


class Uring(Base):
    backend = "uring"
    name = "io_uring"

    def test_info(self):
        with self.client() as dev:
            self.assertEqual(dev.entry_size, ESZ)
            self.assertEqual(dev.nr_entries, NR)
            self.assertEqual(dev.nr_members, 1)
            self.assertFalse(dev.is_swarm)
            self.assertEqual(dev.map_generation, 0)
            self.assertEqual(dev.backend, self.name)
            self.assertIn("plain", repr(dev))

    def test_roundtrip(self):
        with self.client() as dev:
            buf = dev.alloc(NR)
            for i in range(NR):
                buf[i][:] = pattern(i, 1)
            self.assertEqual(dev.write(range(NR), buf), [0] * NR)
            rd = dev.alloc(NR)
            order = [(i * 7) % NR for i in range(NR)]
            self.assertEqual(dev.read(order, rd), [0] * NR)
            for i, e in enumerate(order):
                self.assertEqual(bytes(rd[i]), pattern(e, 1))

    def test_bytearray_and_memoryview(self):
        with self.client() as dev:
            buf = dev.alloc(2)
            buf[0][:] = pattern(3)
            buf[1][:] = pattern(4)
            dev.write([3, 4], buf.view)
            out = dev.alloc(2)
            dev.read([4, 3], out.view)
            self.assertEqual(bytes(out[0]), pattern(4))
            self.assertEqual(bytes(out[1]), pattern(3))

    def test_out_of_range(self):
        with self.client() as dev:
            buf = dev.alloc(3)
            st = dev.read([0, NR, -1], buf, check=False)
            self.assertEqual(st, [0, errno.ERANGE, errno.ERANGE])
            with self.assertRaises(dmswarm.BatchError) as cm:
                dev.read([1, NR + 5], buf)
            self.assertEqual(cm.exception.errno, errno.ERANGE)
            self.assertEqual(cm.exception.failed, [(NR + 5, errno.ERANGE)])
            self.assertIn("entry %d" % (NR + 5), str(cm.exception))

    def test_misaligned(self):
        with self.client() as dev:
            raw = dev.alloc(3)
            skew = raw.view[512:512 + 2 * ESZ]
            st = dev.read([0, 1], skew, check=False)
            self.assertEqual(st, [errno.EINVAL, errno.EINVAL])

    def test_bad_buffers(self):
        with self.client() as dev:
            with self.assertRaises(TypeError):
                dev.write([0], bytes(ESZ))
            with self.assertRaises(ValueError):
                dev.read([0, 1], dev.alloc(1))

    def test_short_file(self):
        os.truncate(self.path, 3 * ESZ + 100)
        with self.client() as dev:
            self.assertEqual(dev.nr_entries, 3)
            buf = dev.alloc(1)
            os.truncate(self.path, 2 * ESZ + 100)
            self.assertEqual(dev.read([2], buf, check=False), [errno.ENODATA])

    def test_readonly(self):
        with self.client(readonly=True) as dev:
            buf = dev.alloc(1)
            self.assertEqual(dev.write([0], buf, check=False), [errno.EBADF])
            self.assertEqual(dev.read([0], buf), [0])

    def test_create(self):
        p = self.path + ".new"
        try:
            with dmswarm.open(p, entry_size=ESZ, create_entries=5,
                              backend=self.backend) as dev:
                self.assertEqual(dev.nr_entries, 5)
            self.assertEqual(os.path.getsize(p), 5 * ESZ)
        finally:
            if os.path.exists(p):
                os.unlink(p)

    @unittest.skipIf(numpy is None, "numpy is not installed")
    def test_numpy(self):
        with self.client() as dev:
            buf = dev.alloc(4)
            a = buf.numpy("uint32")
            self.assertEqual(a.shape, (4, ESZ // 4))
            a[:] = numpy.arange(4 * ESZ // 4, dtype="uint32").reshape(4, -1)
            dev.write([8, 9, 10, 11], buf)
            out = numpy.zeros((4, ESZ // 4), dtype="uint32")
            # A numpy array of its own: aligned or EINVAL per entry.
            st = dev.read([11, 10, 9, 8], out, check=False)
            if out.ctypes.data % dev.align == 0:
                self.assertEqual(st, [0] * 4)
                self.assertTrue((out[::-1] == a).all())
            else:
                self.assertEqual(st, [errno.EINVAL] * 4)


class Threads(Uring):
    backend = "threads"
    name = "threads"


class Errors(Base):
    def test_no_entry_size(self):
        with self.assertRaises(OSError) as cm:
            dmswarm.open(self.path)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertIn("entry size", str(cm.exception))

    def test_missing(self):
        with self.assertRaises(FileNotFoundError):
            dmswarm.open("/nonexistent/kv", entry_size=ESZ)

    def test_bad_backend(self):
        with self.assertRaises(ValueError):
            dmswarm.open(self.path, entry_size=ESZ, backend="pigeon")

    def test_env_backend(self):
        os.environ["SWARM_CLIENT_BACKEND"] = "threads"
        try:
            with dmswarm.open(self.path, entry_size=ESZ) as dev:
                self.assertEqual(dev.backend, "threads")
        finally:
            del os.environ["SWARM_CLIENT_BACKEND"]

    def test_closed(self):
        dev = dmswarm.open(self.path, entry_size=ESZ)
        dev.close()
        dev.close()
        with self.assertRaises(ValueError):
            dev.read([0], dmswarm.EntryBuffer(1, ESZ))

    def test_library(self):
        self.assertTrue(dmswarm.library_path().endswith("libswarm.so"))

    def test_refresh_plain(self):
        with dmswarm.open(self.path, entry_size=ESZ) as dev:
            dev.refresh()
            self.assertEqual(dev.map_generation, 0)


class Example(Base):
    """userspace/examples/kv_offload.py on a new file, both backends."""

    def test_kv_offload(self):
        here = os.path.dirname(os.path.abspath(__file__))
        prog = os.path.join(here, "..", "..", "examples", "kv_offload.py")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(here, "..")
        for backend in ("uring", "threads"):
            os.unlink(self.path)
            env["SWARM_CLIENT_BACKEND"] = backend
            p = subprocess.run([sys.executable, prog, self.path], env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout)
            self.assertIn("16 steps of 32 entries", p.stdout)
            self.assertIn(", 0 wrong", p.stdout)
            self.assertIn("io_uring" if backend == "uring" else "threads",
                          p.stdout)
        open(self.path, "w").close()


if __name__ == "__main__":
    unittest.main()
