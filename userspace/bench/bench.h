/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * swarm-bench's parts (bench/swarm-bench.c: the command line, populate,
 * verify, split; bench/replay.c: replay) and what they share.
 */
#ifndef SWARM_BENCH_H
#define SWARM_BENCH_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/trace.h"

/* Show at most this many verification failures in detail. */
#define MAX_BAD_SHOWN	5

/* io_uring refuses rings above this many SQEs (IORING_MAX_ENTRIES). */
#define MAX_RING	32768U
/* Show at most this many verification failures in detail. */
#define MAX_BAD_SHOWN	5

struct opts {
	const char *dev, *trace, *out, *label, *lat_out, *steps, *order;
	uint64_t entry_size, entries, seed, bw_limit, io_size;
	uint64_t pause_us;	/* replay: sleep between steps, microseconds */
	unsigned int devices, qd, layers;
	bool verify, json;
	bool keep_going;	/* verify: count read errors, go on */
};

/* The usage text on stderr; exit status 2. */
void usage(void) __attribute__((noreturn));
/* "swarm-bench: WHAT: strerror(ERR)"; exit status 1. */
void die(const char *what, int err) __attribute__((noreturn));

/* A device (or file) opened for O_DIRECT I/O, and its size in bytes. */
int open_dev(const char *name, bool write);
uint64_t dev_bytes(int fd, const char *name);
/* @bytes (at least 4096) aligned for O_DIRECT. */
void *alloc_aligned(size_t bytes);
/* Queue one I/O again after -EAGAIN. */
void resubmit(struct io_uring *ring, int fd, bool write, void *buf,
	      size_t len, uint64_t off, uint64_t data);

/* Read o->trace (o->layers); the steps --steps picks, [*a, *b). */
void read_trace(const struct opts *o, struct swarm_trace *t);
void step_range(const struct opts *o, const struct swarm_trace *t,
		uint64_t *a, uint64_t *b);

/* The commands: exit status. */
int replay(const struct opts *o);

#endif /* SWARM_BENCH_H */
