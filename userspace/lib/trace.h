/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Activation traces (userspace/TRACE-FORMAT.md): the sets of entries read
 * at each step of an inference run.
 *
 *  - struct swarm_trace: a whole trace in memory, steps in CSR form;
 *  - swarm_trace_read(): reads a native text, native binary or Mooncake
 *    JSONL trace (detected from the first bytes);
 *  - struct swarm_trace_writer: writes a native trace one step at a time
 *    (used by "swarmctl trace gen/convert" and meant for "trace record").
 *
 * Errors follow libswarm: a negative errno and one line in @err,
 * "FILE:LINE: message" (text, JSONL) or "FILE:offset N: message" (binary).
 */
#ifndef SWARM_TRACE_H
#define SWARM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest entry id a trace may hold (ids are stored as u32). */
#define SWARM_TRACE_MAX_ID	0xfffffffeULL

#define SWARM_TRACE_MAGIC	"SWTR"
#define SWARM_TRACE_VERSION	1

/**
 * struct swarm_trace - a trace in memory.
 * @nr_steps: number of steps, >= 1 once read.
 * @off: @nr_steps + 1 offsets into @ids: step s is ids[off[s]..off[s+1]).
 * @ids: entry ids; each step's ids are sorted and distinct.
 * @nr_entries: 1 + the largest id, or the entry count given to the reader.
 * @nr_reads: off[nr_steps], the total number of ids.
 */
struct swarm_trace {
	uint64_t nr_steps;
	uint64_t *off;
	uint32_t *ids;
	uint64_t nr_entries;
	uint64_t nr_reads;
	/* private: allocated sizes */
	size_t cap_steps, cap_ids;
};

enum swarm_trace_fmt {
	SWARM_TRACE_TEXT,
	SWARM_TRACE_BINARY,
	SWARM_TRACE_MOONCAKE,
};

/**
 * struct swarm_trace_opts - how to read a trace.
 * @nr_entries: if not 0, every id must be below it (and the trace's
 *	@nr_entries is set to it).
 * @layers: Mooncake only: per-layer entries per block (0 or 1: one).
 * @ids_out: Mooncake only: if not NULL, receives the hash id of every
 *	dense block id (*ids_out[dense] = hash id), @nr_ids_out of them;
 *	free() it.
 */
struct swarm_trace_opts {
	uint64_t nr_entries;
	uint32_t layers;
	uint64_t **ids_out;
	uint64_t *nr_ids_out;
};

void swarm_trace_init(struct swarm_trace *t);
void swarm_trace_free(struct swarm_trace *t);
/* Append one step (sorted and deduplicated here); -ENOMEM or -ERANGE. */
int swarm_trace_add_step(struct swarm_trace *t, const uint64_t *ids, size_t n);

/* Read @path, format auto-detected; @fmt (may be NULL) gets the format. */
int swarm_trace_read(const char *path, const struct swarm_trace_opts *o,
		     struct swarm_trace *t, enum swarm_trace_fmt *fmt,
		     char *err, size_t errlen);
const char *swarm_trace_fmt_name(enum swarm_trace_fmt fmt);

/* ---- Writing native traces, one step at a time ---- */

struct swarm_trace_writer {
	FILE *f;
	bool binary;
	bool own;		/* f opened by us */
	uint64_t nr_steps;
	uint64_t *buf;		/* scratch for sorting */
	size_t cap;
	char *path;		/* final path; data goes to path.tmp */
	char *tmp;
	int error;		/* first error, sticky */
};

/*
 * Write to @path (atomically: PATH.tmp, renamed by close) or, if @path is
 * NULL, to @f. @binary picks the binary form, else text. @comment (may be
 * NULL) is written as a "# ..." header line in text traces.
 */
int swarm_trace_writer_open(struct swarm_trace_writer *w, const char *path,
			    FILE *f, bool binary, const char *comment,
			    char *err, size_t errlen);
/* One step: @n >= 1 entry ids (any order, duplicates dropped). */
int swarm_trace_writer_step(struct swarm_trace_writer *w,
			    const uint64_t *ids, size_t n);
/* Finish. On error (or @abort) the partial file is removed. */
int swarm_trace_writer_close(struct swarm_trace_writer *w, bool abort,
			     char *err, size_t errlen);

/* Write a whole trace. */
int swarm_trace_write(const struct swarm_trace *t, const char *path,
		      bool binary, const char *comment,
		      char *err, size_t errlen);

/* ---- Synthetic traces (lib/tracegen.c) ---- */

/**
 * struct swarm_gen_opts - knobs of the generator (userspace/TRACE-FORMAT.md).
 * @nr_entries: entries 0..nr_entries-1.
 * @nr_steps: steps.
 * @nr_groups: planted groups (0: nr_entries / 40).
 * @min_size, @max_size: group sizes, uniform in [min, max].
 * @overlap: fraction of a group's members shared with other groups.
 * @seed: RNG seed; equal options and seed give equal traces.
 * @zipf: group popularity exponent (group g has weight 1/(g+1)^zipf).
 * @frac: fraction of the entries read per step.
 * @noise: fraction of a step's reads that are random entries.
 * @drift: per step, the probability that each group swaps one member for
 *	a random entry.
 * @hit: probability that an activated group's member is read.
 */
struct swarm_gen_opts {
	uint64_t nr_entries;
	uint64_t nr_steps;
	uint64_t nr_groups;
	uint32_t min_size, max_size;
	double overlap;
	uint64_t seed;
	double zipf;
	double frac;
	double noise;
	double drift;
	double hit;
};

void swarm_gen_defaults(struct swarm_gen_opts *o);
/*
 * Generate a trace into @w and the planted groups (as at step 0) into
 * @truth (text, TRACE-FORMAT.md). @progress: called now and then with the
 * fraction done (may be NULL).
 */
int swarm_gen(const struct swarm_gen_opts *o, struct swarm_trace_writer *w,
	      FILE *truth, void (*progress)(double done),
	      char *err, size_t errlen);

/* A small, fast PRNG (splitmix64 seeded xoshiro256**). */
struct swarm_rng {
	uint64_t s[4];
};

void swarm_rng_seed(struct swarm_rng *r, uint64_t seed);
uint64_t swarm_rng_next(struct swarm_rng *r);
/* Uniform in [0, n), n >= 1. */
uint64_t swarm_rng_below(struct swarm_rng *r, uint64_t n);
/* Uniform in [0, 1). */
double swarm_rng_double(struct swarm_rng *r);

#endif /* SWARM_TRACE_H */
