// SPDX-License-Identifier: GPL-2.0-only
/*
 * Activation traces in memory, and reading them: the format detected
 * from the first bytes, the native text and binary readers (Mooncake
 * JSONL: trace-mooncake.c). See userspace/TRACE-FORMAT.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace-read.h"
#include "lib/util.h"

void swarm_trace_init(struct swarm_trace *t)
{
	memset(t, 0, sizeof(*t));
}

void swarm_trace_free(struct swarm_trace *t)
{
	free(t->off);
	free(t->ids);
	swarm_trace_init(t);
}

int swarm_trace_add_step(struct swarm_trace *t, const uint64_t *ids, size_t n)
{
	uint32_t *s;
	bool sorted = true;
	size_t i, k;

	if (swarm_grow((void **)&t->off, &t->cap_steps, t->nr_steps + 2,
		 sizeof(*t->off)) ||
	    swarm_grow((void **)&t->ids, &t->cap_ids, t->nr_reads + n,
		 sizeof(*t->ids)))
		return -ENOMEM;
	if (!t->nr_steps)
		t->off[0] = 0;
	s = t->ids + t->nr_reads;
	for (i = 0; i < n; i++) {
		if (ids[i] > SWARM_TRACE_MAX_ID)
			return -ERANGE;
		s[i] = ids[i];
		if (i && s[i] <= s[i - 1])
			sorted = false;
	}
	if (!sorted) {
		qsort(s, n, sizeof(*s), cmp_u32);
		for (i = k = 0; i < n; i++)
			if (!k || s[i] != s[k - 1])
				s[k++] = s[i];
		n = k;
	}
	if (n && s[n - 1] >= t->nr_entries)
		t->nr_entries = (uint64_t)s[n - 1] + 1;
	t->nr_reads += n;
	t->nr_steps++;
	t->off[t->nr_steps] = t->nr_reads;
	return 0;
}

const char *swarm_trace_fmt_name(enum swarm_trace_fmt fmt)
{
	switch (fmt) {
	case SWARM_TRACE_TEXT:
		return "text";
	case SWARM_TRACE_BINARY:
		return "binary";
	case SWARM_TRACE_MOONCAKE:
		return "mooncake";
	}
	return "?";
}

/* ---- Reading ---- */

int trace_rerr(struct trace_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(r->err, r->errlen, "%s:%lu: %s", r->name, r->line, msg);
	return -EINVAL;
}

int trace_berr(struct trace_reader *r, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(r->err, r->errlen, "%s:offset %" PRIu64 ": %s", r->name, off,
	       msg);
	return -EINVAL;
}

int trace_push_id(struct trace_reader *r, uint64_t id)
{
	if (swarm_grow((void **)&r->ids, &r->cap_ids, r->nr_ids + 1,
		 sizeof(*r->ids)))
		return -ENOMEM;
	r->ids[r->nr_ids++] = id;
	return 0;
}

int trace_end_step(struct trace_reader *r)
{
	int e;

	if (!r->nr_ids)
		return 0;
	e = swarm_trace_add_step(r->t, r->ids, r->nr_ids);
	r->nr_ids = 0;
	if (e)
		seterr(r->err, r->errlen, "%s: %s", r->name, strerror(-e));
	return e;
}

/* A token fit for a message. */
static const char *show(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, n = len < 32 ? len : 32;

	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

int trace_check_range(struct trace_reader *r, uint64_t id)
{
	uint64_t n = r->o ? r->o->nr_entries : 0;

	if (n && id >= n)
		return trace_rerr(r, "entry id %" PRIu64 " out of range (%" PRIu64
			    " entries: ids 0..%" PRIu64 ")", id, n, n - 1);
	return 0;
}

int trace_parse_id(struct trace_reader *r, const char *s, size_t len,
		    const char *what, uint64_t max, uint64_t *res)
{
	uint64_t v = 0;
	char buf[40];
	size_t i;

	if (!len)
		return trace_rerr(r, "malformed %s ''", what);
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return trace_rerr(r, "malformed %s '%s'", what,
				    show(s, len, buf, sizeof(buf)));
		if (v > (max - d) / 10)
			return trace_rerr(r, "%s '%s' is too large (max %" PRIu64 ")",
				    what, show(s, len, buf, sizeof(buf)), max);
		v = v * 10 + d;
	}
	*res = v;
	return 0;
}

static int read_text(struct trace_reader *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int e = 0;

	while ((len = getline(&line, &cap, r->f)) >= 0) {
		const char *s = line, *end;
		char *hash = memchr(line, '#', len);

		r->line++;
		end = hash ? hash : line + len;
		for (;;) {
			const char *tok;
			uint64_t id;

			while (s < end && trace_is_space(*s))
				s++;
			if (s == end)
				break;
			tok = s;
			while (s < end && !trace_is_space(*s))
				s++;
			e = trace_parse_id(r, tok, s - tok, "entry id",
				     SWARM_TRACE_MAX_ID, &id);
			if (!e)
				e = trace_check_range(r, id);
			if (!e)
				e = trace_push_id(r, id);
			if (e)
				goto out;
		}
		e = trace_end_step(r);
		if (e)
			goto out;
	}
	if (ferror(r->f)) {
		seterr(r->err, r->errlen, "%s: %s", r->name, strerror(errno));
		e = -EIO;
	}
out:
	free(line);
	return e;
}

/* ---- Binary ---- */

/* ---- Binary ---- */

struct bin {
	struct trace_reader *r;
	uint64_t off;
};

/* -1 at EOF. */
static int bgetc(struct bin *b)
{
	int c = getc_unlocked(b->r->f);

	if (c != EOF)
		b->off++;
	return c;
}

static int bvarint(struct bin *b, uint64_t *v, const char *what)
{
	uint64_t start = b->off, x = 0;
	unsigned int shift = 0;
	int c;

	for (;;) {
		c = bgetc(b);
		if (c < 0)
			return trace_berr(b->r, b->off, "truncated trace: %s cut short",
				    what);
		if (shift == 63 && (c & 0x7e))
			return trace_berr(b->r, start, "%s does not fit in 64 bits",
				    what);
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return trace_berr(b->r, start, "%s does not fit in 64 bits",
				    what);
	}
	*v = x;
	return 0;
}

static int read_binary(struct trace_reader *r)
{
	struct bin b = { .r = r };
	unsigned char h[8];
	uint64_t n, i, steps = 0, trailer = 0;
	int e, c;

	for (i = 0; i < 8; i++) {
		c = bgetc(&b);
		if (c < 0)
			return trace_berr(r, b.off, "truncated header");
		h[i] = c;
	}
	if (h[4] != SWARM_TRACE_VERSION)
		return trace_berr(r, 4, "unsupported version %u (this tool reads %u)",
			    h[4], SWARM_TRACE_VERSION);
	if (h[5] || h[6] || h[7])
		return trace_berr(r, 5, "reserved header bytes are not zero");
	for (;;) {
		uint64_t at = b.off, id = 0;

		e = bvarint(&b, &n, "step length");
		if (e)
			return e;
		if (!n)
			break;
		for (i = 0; i < n; i++) {
			uint64_t d, idat = b.off;

			e = bvarint(&b, &d, "entry id");
			if (e)
				return e;
			if (i && (d > SWARM_TRACE_MAX_ID ||
				  id + 1 + d > SWARM_TRACE_MAX_ID))
				return trace_berr(r, idat, "entry id is too large (max %llu)",
					    SWARM_TRACE_MAX_ID);
			id = i ? id + 1 + d : d;
			if (id > SWARM_TRACE_MAX_ID)
				return trace_berr(r, idat, "entry id %" PRIu64
					    " is too large (max %llu)", id,
					    SWARM_TRACE_MAX_ID);
			if (r->o && r->o->nr_entries && id >= r->o->nr_entries)
				return trace_berr(r, idat, "entry id %" PRIu64
					    " out of range (%" PRIu64
					    " entries: ids 0..%" PRIu64 ")", id,
					    r->o->nr_entries,
					    r->o->nr_entries - 1);
			e = trace_push_id(r, id);
			if (e)
				return e;
		}
		(void)at;
		steps++;
		e = trace_end_step(r);
		if (e)
			return e;
	}
	for (i = 0; i < 8; i++) {
		c = bgetc(&b);
		if (c < 0)
			return trace_berr(r, b.off, "truncated trace: step count cut short");
		trailer |= (uint64_t)c << (8 * i);
	}
	if (trailer != steps)
		return trace_berr(r, b.off - 8, "step count %" PRIu64
			    " does not match the %" PRIu64 " steps read",
			    trailer, steps);
	if (bgetc(&b) >= 0)
		return trace_berr(r, b.off - 1, "data after the end of the trace");
	return 0;
}

/* ---- Any format ---- */

int swarm_trace_read(const char *path, const struct swarm_trace_opts *o,
		     struct swarm_trace *t, enum swarm_trace_fmt *fmtp,
		     char *err, size_t errlen)
{
	struct trace_reader r = {
		.name = path, .o = o, .t = t, .err = err, .errlen = errlen,
	};
	enum swarm_trace_fmt fmt = SWARM_TRACE_TEXT;
	char head[4];
	size_t n;
	int e, c;

	swarm_trace_init(t);
	r.f = fopen(path, "rb");
	if (!r.f) {
		e = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return e;
	}
	n = fread(head, 1, 4, r.f);
	if (n == 4 && !memcmp(head, SWARM_TRACE_MAGIC, 4)) {
		fmt = SWARM_TRACE_BINARY;
	} else {
		rewind(r.f);
		while ((c = getc(r.f)) != EOF && trace_is_space(c))
			;
		if (c == '{')
			fmt = SWARM_TRACE_MOONCAKE;
	}
	rewind(r.f);
	if (fmtp)
		*fmtp = fmt;
	if (fmt == SWARM_TRACE_BINARY)
		e = read_binary(&r);
	else if (fmt == SWARM_TRACE_MOONCAKE)
		e = trace_read_mooncake(&r);
	else
		e = read_text(&r);
	if (!e && !t->nr_steps) {
		if (fmt == SWARM_TRACE_BINARY) {
			e = trace_berr(&r, 8, "empty trace (no steps)");
		} else {
			if (!r.line)
				r.line = 1;
			e = trace_rerr(&r, "empty trace (no steps)");
		}
	}
	if (!e && o && o->nr_entries)
		t->nr_entries = o->nr_entries;
	fclose(r.f);
	free(r.ids);
	if (e)
		swarm_trace_free(t);
	return e;
}
