/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The trace readers' shared state and helpers (lib/trace.c: text, binary
 * and the dispatch; lib/trace-mooncake.c: Mooncake JSONL). Not part of
 * the interface: see lib/trace.h.
 */
#ifndef SWARM_TRACE_READ_H
#define SWARM_TRACE_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/trace.h"

struct trace_reader {
	const char *name;
	FILE *f;
	const struct swarm_trace_opts *o;
	struct swarm_trace *t;
	char *err;
	size_t errlen;
	unsigned long line;
	uint64_t *ids;		/* one step */
	size_t nr_ids, cap_ids;
};

static inline bool trace_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

/* "NAME:LINE: message" in the caller's buffer; -EINVAL. */
int __attribute__((format(printf, 2, 3)))
trace_rerr(struct trace_reader *r, const char *fmt, ...);
/* "NAME:offset OFF: message" (binary traces); -EINVAL. */
int __attribute__((format(printf, 3, 4)))
trace_berr(struct trace_reader *r, uint64_t off, const char *fmt, ...);
/* Add an id to the step being read; end the step (none if empty). */
int trace_push_id(struct trace_reader *r, uint64_t id);
int trace_end_step(struct trace_reader *r);
/* An id below the entry count asked for, if one was. */
int trace_check_range(struct trace_reader *r, uint64_t id);
/* Decimal digits of [s, s + len), at most @max; @what names it. */
int trace_parse_id(struct trace_reader *r, const char *s, size_t len,
		   const char *what, uint64_t max, uint64_t *res);
/* The Mooncake JSONL reader (lib/trace-mooncake.c). */
int trace_read_mooncake(struct trace_reader *r);

#endif /* SWARM_TRACE_READ_H */
