/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * swarm-client.h: reading and writing the KV entries of a dm-swarm device
 * from an inference engine (libswarm, build/user/libswarm.so).
 *
 *	struct swarm_client *c;
 *	struct swarm_entry_io io[64];
 *
 *	swarm_client_open("/dev/mapper/kv", NULL, &c, err, sizeof(err));
 *	buf = swarm_alloc_entries(c, 64);
 *	for (i = 0; i < 64; i++)
 *		io[i] = (struct swarm_entry_io){ .entry = ids[i],
 *			.buf = buf + i * swarm_client_entry_size(c) };
 *	failed = swarm_read_batch(c, io, 64);	// io[i].status: 0 or -errno
 *	swarm_client_close(c);
 *
 * Entry i lives at byte offset i * entry size. A batch goes to the kernel
 * as one submission (io_uring), sorted in placement order: member by
 * member in slot order, the members dealt out in turn (the placement is
 * asked of the kernel once per entry and kept until
 * swarm_client_refresh()); in offset order when the placement is unknown
 * (no access to /dev/dm-swarm-control, or a plain device). The order
 * never changes what is read, only how fast.
 *
 * Where io_uring is refused (seccomp profiles of containers block it),
 * the batch is read with O_DIRECT preadv2()/pwritev2() by a few threads
 * instead; the backend is chosen at open (SWARM_CLIENT_THREADS or
 * $SWARM_CLIENT_BACKEND=threads force the threads, SWARM_CLIENT_URING or
 * $SWARM_CLIENT_BACKEND=uring io_uring) and reported by
 * swarm_client_backend().
 *
 * Without a swarm behind it (a file, a loop device, any block device),
 * the caller gives the entry size and the client works as a plain
 * block store: the same calls, offset order, one member.
 *
 * Every function that can fail returns a negative errno and, given an
 * error buffer, writes one line saying why. A client serves one batch at
 * a time (batches from several threads are serialised).
 */
#ifndef SWARM_CLIENT_H
#define SWARM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct swarm_client;

/* Flags of struct swarm_client_opts. */
#define SWARM_CLIENT_THREADS	(1U << 0)	/* preadv2/pwritev2 threads, not io_uring */
#define SWARM_CLIENT_RDONLY	(1U << 1)	/* open read-only; writes fail with EBADF */
#define SWARM_CLIENT_CREATE	(1U << 2)	/* a regular file: create it, grow it to nr_entries */
#define SWARM_CLIENT_BUFFERED	(1U << 3)	/* no O_DIRECT (tmpfs); alignment still checked */
#define SWARM_CLIENT_NO_ORDER	(1U << 4)	/* submit in the caller's order */
#define SWARM_CLIENT_URING	(1U << 5)	/* io_uring or fail: no threads */

/* $SWARM_CLIENT_BACKEND: "threads" forces the threads, "uring" io_uring. */
#define SWARM_CLIENT_BACKEND_ENV	"SWARM_CLIENT_BACKEND"

/**
 * struct swarm_client_opts - how to open (all zero: the defaults).
 * @entry_size: bytes per entry, a power of two from 512. 0: from the
 *	swarm (its size / its entries), else the device's minimum_io_size
 *	if it is a dm device; required for a file. On a swarm it must match.
 * @nr_entries: with SWARM_CLIENT_CREATE, the entries a file must hold.
 * @flags: SWARM_CLIENT_*.
 * @queue_depth: io_uring SQ entries, 0 = 1024; a larger batch is fed to
 *	the ring as completions free room.
 * @threads: threads of the fallback, 0 = 4.
 * @control: the control device, NULL = $DM_SWARM_CONTROL or
 *	/dev/dm-swarm-control.
 */
struct swarm_client_opts {
	uint32_t entry_size;
	uint32_t flags;
	uint64_t nr_entries;
	unsigned int queue_depth;
	unsigned int threads;
	const char *control;
};

enum swarm_client_backend {
	SWARM_BACKEND_URING = 1,
	SWARM_BACKEND_THREADS = 2,
};

/**
 * struct swarm_client_info - what the client knows of its device.
 * @entry_size: bytes per entry.
 * @nr_entries: entries the device holds (whole entries only).
 * @nr_members: member SSDs (1 for a plain device or file).
 * @map_generation: generation of the live cluster map, 0 = none
 *	(striped); UINT64_MAX = unknown (no access to the control device).
 * @is_swarm: 1 if the dm-swarm kernel answered for the device.
 * @backend: enum swarm_client_backend.
 * @align: buffers and entry sizes must be aligned to this many bytes.
 */
struct swarm_client_info {
	uint64_t entry_size;
	uint64_t nr_entries;
	uint32_t nr_members;
	uint32_t is_swarm;
	uint64_t map_generation;
	uint32_t backend;
	uint32_t align;
};

/**
 * struct swarm_entry_io - one entry of a batch.
 * @entry: the entry number.
 * @buf: the caller's buffer of one entry, aligned to info.align.
 * @status: out: 0, or a negative errno for this entry alone:
 *	-EINVAL	@buf not aligned (nothing was submitted for it);
 *	-ERANGE	@entry beyond the device;
 *	-EIO	the device failed it: after a member failure the entry is
 *		lost; recompute it (and write it again);
 *	-ENODATA the device or file ended inside the entry (short transfer);
 *	-EBADF	a write on a client opened read-only;
 *	any other errno the kernel gave.
 */
struct swarm_entry_io {
	uint64_t entry;
	void *buf;
	int status;
	uint32_t reserved;
};

/*
 * Open @spec: a path (/dev/mapper/kv, /dev/dm-3, a file) or a dm name
 * (kv). @opts may be NULL. 0 and *@out, or a negative errno.
 */
int swarm_client_open(const char *spec, const struct swarm_client_opts *opts,
		      struct swarm_client **out, char *err, size_t errlen);
void swarm_client_close(struct swarm_client *c);

/* The device as last queried (at open or at swarm_client_refresh()). */
void swarm_client_info(const struct swarm_client *c,
		       struct swarm_client_info *info);
uint64_t swarm_client_entry_size(const struct swarm_client *c);
uint64_t swarm_client_nr_entries(const struct swarm_client *c);
enum swarm_client_backend swarm_client_backend(const struct swarm_client *c);
/* "io_uring" or "threads". */
const char *swarm_client_backend_name(const struct swarm_client *c);

/*
 * Ask the kernel again for the map generation and, if it changed, forget
 * the placement (asked again as batches need it). 0 or a negative errno;
 * a plain device has nothing to refresh (0).
 */
int swarm_client_refresh(struct swarm_client *c, char *err, size_t errlen);

/*
 * Read or write the @n entries of @io in one submission; each gets its
 * status. Returns the number of entries that failed (0: all done), or a
 * negative errno when the batch could not be issued at all (-ENOMEM,
 * or io_uring_enter failed: the client then fails every later batch with
 * -EIO; close it), every status then being that errno. The placement
 * order keeps 8 bytes per entry of the device (virtual memory, touched
 * for the entries read).
 */
int swarm_read_batch(struct swarm_client *c, struct swarm_entry_io *io,
		     size_t n);
int swarm_write_batch(struct swarm_client *c, struct swarm_entry_io *io,
		      size_t n);

/*
 * Buffers for @n entries, aligned for O_DIRECT and zeroed; free them with
 * swarm_free_entries(). NULL with errno ENOMEM (or EOVERFLOW).
 */
void *swarm_alloc_entries(const struct swarm_client *c, size_t n);
void swarm_free_entries(void *buf);

/*
 * 0 if @buf can hold one entry of @c for O_DIRECT, else -EINVAL (and,
 * given @err, which alignment it lacks).
 */
int swarm_client_check_buf(const struct swarm_client *c, const void *buf,
			   char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SWARM_CLIENT_H */
