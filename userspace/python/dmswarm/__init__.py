# SPDX-License-Identifier: GPL-2.0-only
"""dmswarm: read and write the KV entries of a dm-swarm device.

A ctypes binding of libswarm's client API (userspace/include/swarm-client.h),
standard library only; numpy arrays work as buffers when numpy is there.

    import dmswarm
    with dmswarm.open("/dev/mapper/kv") as dev:
        buf = dev.alloc(3)                  # aligned, one row per entry
        buf[0][:5] = b"hello"
        dev.write([7, 8, 9], buf)
        dev.read([9, 8, 7], buf)            # raises BatchError on failure
        status = dev.read([7, 10**9], buf, check=False)   # [0, errno.ERANGE]

Entry i lives at byte offset i * entry_size. A file or a plain block device
works too, given entry_size= (create_entries= makes and sizes a file).

The shared library is looked for in $DMSWARM_LIBSWARM, next to this package,
in the source tree's build/user/ (make userspace), then as libswarm.so on
the loader's path.
"""

import ctypes
import ctypes.util
import errno
import os

__all__ = ["open", "Client", "EntryBuffer", "BatchError", "library_path",
           "THREADS", "URING"]

URING = 1
THREADS = 2

_F_THREADS = 1 << 0
_F_RDONLY = 1 << 1
_F_CREATE = 1 << 2
_F_BUFFERED = 1 << 3
_F_NO_ORDER = 1 << 4
_F_URING = 1 << 5
_ERR_MAX = 512


class _Opts(ctypes.Structure):
    _fields_ = [("entry_size", ctypes.c_uint32),
                ("flags", ctypes.c_uint32),
                ("nr_entries", ctypes.c_uint64),
                ("queue_depth", ctypes.c_uint),
                ("threads", ctypes.c_uint),
                ("control", ctypes.c_char_p)]


class _Info(ctypes.Structure):
    _fields_ = [("entry_size", ctypes.c_uint64),
                ("nr_entries", ctypes.c_uint64),
                ("nr_members", ctypes.c_uint32),
                ("is_swarm", ctypes.c_uint32),
                ("map_generation", ctypes.c_uint64),
                ("backend", ctypes.c_uint32),
                ("align", ctypes.c_uint32)]


class _EntryIO(ctypes.Structure):
    _fields_ = [("entry", ctypes.c_uint64),
                ("buf", ctypes.c_void_p),
                ("status", ctypes.c_int),
                ("reserved", ctypes.c_uint32)]


def _candidates():
    env = os.environ.get("DMSWARM_LIBSWARM")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libswarm.so")
    yield os.path.join(here, "..", "..", "..", "build", "user", "libswarm.so")
    found = ctypes.util.find_library("swarm")
    if found:
        yield found
    yield "libswarm.so"


_lib = None
_lib_path = None


def _load():
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        _declare(lib)
        _lib, _lib_path = lib, path
        return lib
    raise OSError(errno.ENOENT, "libswarm.so not found (build it with "
                  "'make userspace' or set DMSWARM_LIBSWARM); tried: " +
                  ", ".join(tried))


def _declare(lib):
    p = ctypes.POINTER
    lib.swarm_client_open.argtypes = [ctypes.c_char_p, p(_Opts),
                                      p(ctypes.c_void_p), ctypes.c_char_p,
                                      ctypes.c_size_t]
    lib.swarm_client_open.restype = ctypes.c_int
    lib.swarm_client_close.argtypes = [ctypes.c_void_p]
    lib.swarm_client_close.restype = None
    lib.swarm_client_info.argtypes = [ctypes.c_void_p, p(_Info)]
    lib.swarm_client_info.restype = None
    lib.swarm_client_refresh.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                         ctypes.c_size_t]
    lib.swarm_client_refresh.restype = ctypes.c_int
    for name in ("swarm_read_batch", "swarm_write_batch"):
        fn = getattr(lib, name)
        fn.argtypes = [ctypes.c_void_p, p(_EntryIO), ctypes.c_size_t]
        fn.restype = ctypes.c_int


def library_path():
    """The path of the libswarm.so in use."""
    _load()
    return _lib_path


class BatchError(OSError):
    """Some entries of a batch failed; .statuses has an errno per entry
    (0 = done), .failed the (entry, errno) pairs. EIO: the entry is lost
    (a member failed): recompute it and write it again."""

    def __init__(self, op, entries, statuses):
        self.statuses = statuses
        self.failed = [(e, s) for e, s in zip(entries, statuses) if s]
        e, s = self.failed[0]
        super().__init__(s, "%s: %d of %d entries failed, first entry %d: %s"
                         % (op, len(self.failed), len(statuses), e,
                            os.strerror(s)))


class EntryBuffer:
    """n entries of memory aligned for O_DIRECT; buf[i] is entry i's
    writable memoryview, buf.view the whole, buf.numpy() an (n, entry)
    numpy array over the same memory."""

    def __init__(self, n, entry_size, align=4096):
        self.n = n
        self.entry_size = entry_size
        size = n * entry_size
        self._raw = bytearray(size + align)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self._raw))
        off = (-base) % align
        self.view = memoryview(self._raw)[off:off + size]
        self.address = base + off

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not -self.n <= i < self.n:
            raise IndexError("entry buffer index out of range")
        i %= self.n
        return self.view[i * self.entry_size:(i + 1) * self.entry_size]

    def numpy(self, dtype="uint8"):
        import numpy
        a = numpy.frombuffer(self.view, dtype=dtype)
        return a.reshape(self.n, -1)


def _address(buf, need):
    """The address and size of a writable, contiguous buffer."""
    if isinstance(buf, EntryBuffer):
        addr, size = buf.address, buf.n * buf.entry_size
        if size < need:
            raise ValueError("the buffer holds %d entries, the batch has %d"
                             % (buf.n, need // buf.entry_size))
        return addr, size
    mv = memoryview(buf)
    if mv.readonly:
        raise TypeError("the buffer is read-only: use Client.alloc(), a "
                        "bytearray or a writable numpy array")
    if not mv.c_contiguous:
        raise ValueError("the buffer is not contiguous")
    if mv.nbytes < need:
        raise ValueError("the buffer holds %d bytes, the batch needs %d"
                         % (mv.nbytes, need))
    return ctypes.addressof(ctypes.c_char.from_buffer(mv)), mv.nbytes


class Client:
    """An open swarm device (or file, or plain block device).

    Client(spec, entry_size=0, create_entries=0, backend=None,
           readonly=False, buffered=False, queue_depth=0, threads=0,
           control=None)

    spec: a path (/dev/mapper/kv, /dev/dm-3, a file) or a dm name (kv).
    entry_size: required for a file or a device that is no swarm.
    create_entries: make the file (if need be) hold this many entries.
    backend: None (io_uring, else threads; $SWARM_CLIENT_BACKEND),
        "uring" (io_uring or fail) or "threads".
    buffered: no O_DIRECT (tmpfs); alignment is still required.
    """

    def __init__(self, spec, entry_size=0, create_entries=0, backend=None,
                 readonly=False, buffered=False, queue_depth=0, threads=0,
                 control=None):
        lib = _load()
        o = _Opts()
        o.entry_size = entry_size
        o.nr_entries = create_entries
        o.queue_depth = queue_depth
        o.threads = threads
        o.control = os.fsencode(control) if control else None
        flags = 0
        if backend == "threads":
            flags |= _F_THREADS
        elif backend in ("uring", "io_uring"):
            flags |= _F_URING
        elif backend not in (None, "uring", "io_uring"):
            raise ValueError("backend: None, 'uring' or 'threads'")
        if readonly:
            flags |= _F_RDONLY
        if create_entries:
            flags |= _F_CREATE
        if buffered:
            flags |= _F_BUFFERED
        o.flags = flags
        handle = ctypes.c_void_p()
        err = ctypes.create_string_buffer(_ERR_MAX)
        r = lib.swarm_client_open(os.fsencode(spec), ctypes.byref(o),
                                  ctypes.byref(handle), err, _ERR_MAX)
        if r:
            raise OSError(-r, err.value.decode(errors="replace"))
        self._lib = lib
        self._h = handle
        self._info()

    def _info(self):
        i = _Info()
        self._lib.swarm_client_info(self._h, ctypes.byref(i))
        self.entry_size = i.entry_size
        self.nr_entries = i.nr_entries
        self.nr_members = i.nr_members
        self.is_swarm = bool(i.is_swarm)
        # None: unknown (no access to /dev/dm-swarm-control).
        self.map_generation = (None if i.map_generation == 2 ** 64 - 1
                               else i.map_generation)
        self.backend = "io_uring" if i.backend == URING else "threads"
        self.align = i.align

    def close(self):
        if self._h:
            self._lib.swarm_client_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def refresh(self):
        """Ask the kernel for the map generation again (after a map
        change: the placement order is asked again)."""
        err = ctypes.create_string_buffer(_ERR_MAX)
        r = self._lib.swarm_client_refresh(self._h, err, _ERR_MAX)
        if r:
            raise OSError(-r, err.value.decode(errors="replace"))
        self._info()

    def alloc(self, n):
        """An EntryBuffer of n entries, aligned for this device."""
        return EntryBuffer(n, self.entry_size, max(self.align, 4096))

    def _batch(self, fn, op, entries, buf, check):
        if not self._h:
            raise ValueError("the client is closed")
        entries = [int(e) for e in entries]
        n = len(entries)
        esz = self.entry_size
        if isinstance(buf, EntryBuffer) and buf.entry_size != esz:
            raise ValueError("the buffer's entries are %d bytes, the "
                             "device's %d" % (buf.entry_size, esz))
        addr, _ = _address(buf, n * esz)
        ios = (_EntryIO * max(n, 1))()
        for i, e in enumerate(entries):
            if e < 0 or e >= 2 ** 64:
                e = 2 ** 64 - 1         # out of range: ERANGE
            ios[i].entry = e
            ios[i].buf = addr + i * esz
        r = fn(self._h, ios, n)
        if r < 0:
            raise OSError(-r, "%s: %s" % (op, os.strerror(-r)))
        statuses = [-ios[i].status for i in range(n)]
        if check and r:
            raise BatchError(op, entries, statuses)
        return statuses

    def read(self, entries, buf, check=True):
        """Read entries[i] into row i of buf (an EntryBuffer, a bytearray,
        a numpy array: writable, contiguous, aligned). One submission.
        Returns an errno per entry (0 = read); with check, BatchError if
        any failed."""
        return self._batch(self._lib.swarm_read_batch, "read", entries, buf,
                           check)

    def write(self, entries, buf, check=True):
        """Write row i of buf to entries[i]; as read()."""
        return self._batch(self._lib.swarm_write_batch, "write", entries,
                           buf, check)

    def __repr__(self):
        return ("<dmswarm.Client %d entries of %d bytes, %d members, %s, %s>"
                % (self.nr_entries, self.entry_size, self.nr_members,
                   "swarm" if self.is_swarm else "plain", self.backend))


def open(spec, **kw):
    """Client(spec, **kw)."""
    return Client(spec, **kw)
