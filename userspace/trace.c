// SPDX-License-Identifier: GPL-2.0-only
/*
 * Activation traces: reading (native text, native binary, Mooncake JSONL)
 * and writing (native text and binary). See userspace/TRACE-FORMAT.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"
#include "seterr.h"

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

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int swarm_trace_add_step(struct swarm_trace *t, const uint64_t *ids, size_t n)
{
	uint32_t *s;
	bool sorted = true;
	size_t i, k;

	if (grow((void **)&t->off, &t->cap_steps, t->nr_steps + 2,
		 sizeof(*t->off)) ||
	    grow((void **)&t->ids, &t->cap_ids, t->nr_reads + n,
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

struct reader {
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

static int __attribute__((format(printf, 2, 3)))
rerr(struct reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(r->err, r->errlen, "%s:%lu: %s", r->name, r->line, msg);
	return -EINVAL;
}

static int __attribute__((format(printf, 3, 4)))
berr(struct reader *r, uint64_t off, const char *fmt, ...)
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

static int push_id(struct reader *r, uint64_t id)
{
	if (grow((void **)&r->ids, &r->cap_ids, r->nr_ids + 1,
		 sizeof(*r->ids)))
		return -ENOMEM;
	r->ids[r->nr_ids++] = id;
	return 0;
}

static int end_step(struct reader *r)
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

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

static int check_range(struct reader *r, uint64_t id)
{
	uint64_t n = r->o ? r->o->nr_entries : 0;

	if (n && id >= n)
		return rerr(r, "entry id %" PRIu64 " out of range (%" PRIu64
			    " entries: ids 0..%" PRIu64 ")", id, n, n - 1);
	return 0;
}

static int parse_id(struct reader *r, const char *s, size_t len,
		    const char *what, uint64_t max, uint64_t *res)
{
	uint64_t v = 0;
	char buf[40];
	size_t i;

	if (!len)
		return rerr(r, "malformed %s ''", what);
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return rerr(r, "malformed %s '%s'", what,
				    show(s, len, buf, sizeof(buf)));
		if (v > (max - d) / 10)
			return rerr(r, "%s '%s' is too large (max %" PRIu64 ")",
				    what, show(s, len, buf, sizeof(buf)), max);
		v = v * 10 + d;
	}
	*res = v;
	return 0;
}

static int read_text(struct reader *r)
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

			while (s < end && is_space(*s))
				s++;
			if (s == end)
				break;
			tok = s;
			while (s < end && !is_space(*s))
				s++;
			e = parse_id(r, tok, s - tok, "entry id",
				     SWARM_TRACE_MAX_ID, &id);
			if (!e)
				e = check_range(r, id);
			if (!e)
				e = push_id(r, id);
			if (e)
				goto out;
		}
		e = end_step(r);
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

struct bin {
	struct reader *r;
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
			return berr(b->r, b->off, "truncated trace: %s cut short",
				    what);
		if (shift == 63 && (c & 0x7e))
			return berr(b->r, start, "%s does not fit in 64 bits",
				    what);
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return berr(b->r, start, "%s does not fit in 64 bits",
				    what);
	}
	*v = x;
	return 0;
}

static int read_binary(struct reader *r)
{
	struct bin b = { .r = r };
	unsigned char h[8];
	uint64_t n, i, steps = 0, trailer = 0;
	int e, c;

	for (i = 0; i < 8; i++) {
		c = bgetc(&b);
		if (c < 0)
			return berr(r, b.off, "truncated header");
		h[i] = c;
	}
	if (h[4] != SWARM_TRACE_VERSION)
		return berr(r, 4, "unsupported version %u (this tool reads %u)",
			    h[4], SWARM_TRACE_VERSION);
	if (h[5] || h[6] || h[7])
		return berr(r, 5, "reserved header bytes are not zero");
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
				return berr(r, idat, "entry id is too large (max %llu)",
					    SWARM_TRACE_MAX_ID);
			id = i ? id + 1 + d : d;
			if (id > SWARM_TRACE_MAX_ID)
				return berr(r, idat, "entry id %" PRIu64
					    " is too large (max %llu)", id,
					    SWARM_TRACE_MAX_ID);
			if (r->o && r->o->nr_entries && id >= r->o->nr_entries)
				return berr(r, idat, "entry id %" PRIu64
					    " out of range (%" PRIu64
					    " entries: ids 0..%" PRIu64 ")", id,
					    r->o->nr_entries,
					    r->o->nr_entries - 1);
			e = push_id(r, id);
			if (e)
				return e;
		}
		(void)at;
		steps++;
		e = end_step(r);
		if (e)
			return e;
	}
	for (i = 0; i < 8; i++) {
		c = bgetc(&b);
		if (c < 0)
			return berr(r, b.off, "truncated trace: step count cut short");
		trailer |= (uint64_t)c << (8 * i);
	}
	if (trailer != steps)
		return berr(r, b.off - 8, "step count %" PRIu64
			    " does not match the %" PRIu64 " steps read",
			    trailer, steps);
	if (bgetc(&b) >= 0)
		return berr(r, b.off - 1, "data after the end of the trace");
	return 0;
}

/* ---- Mooncake JSONL ---- */

/* hash id -> dense id, open addressing. */
struct idmap {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
	uint64_t *order;	/* dense -> hash id */
	size_t cap_order;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int idmap_get(struct idmap *m, uint64_t key, uint64_t *dense)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 1024, j;
		uint64_t *nk = malloc(nc * sizeof(*nk));
		uint32_t *nv = malloc(nc * sizeof(*nv));

		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (j = 0; j < nc; j++)
			nv[j] = UINT32_MAX;
		for (j = 0; j < m->cap; j++) {
			if (m->vals[j] == UINT32_MAX)
				continue;
			i = mix64(m->keys[j]) & (nc - 1);
			while (nv[i] != UINT32_MAX)
				i = (i + 1) & (nc - 1);
			nk[i] = m->keys[j];
			nv[i] = m->vals[j];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = nc;
	}
	i = mix64(key) & (m->cap - 1);
	while (m->vals[i] != UINT32_MAX) {
		if (m->keys[i] == key) {
			*dense = m->vals[i];
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	if (m->n >= UINT32_MAX - 1)
		return -ERANGE;
	if (grow((void **)&m->order, &m->cap_order, m->n + 1,
		 sizeof(*m->order)))
		return -ENOMEM;
	m->order[m->n] = key;
	m->keys[i] = key;
	m->vals[i] = m->n;
	*dense = m->n++;
	return 0;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* Find the key "hash_ids" followed by ':'; the position after the ':'. */
static const char *find_key(const char *s, const char *end)
{
	static const char key[] = "\"hash_ids\"";
	const size_t klen = sizeof(key) - 1;

	while (end - s >= (ptrdiff_t)klen) {
		const char *p = memmem(s, end - s, key, klen), *q;

		if (!p)
			return NULL;
		q = skip_ws(p + klen, end);
		if (q < end && *q == ':')
			return q + 1;
		s = p + klen;
	}
	return NULL;
}

static int read_mooncake(struct reader *r)
{
	uint32_t layers = r->o && r->o->layers > 1 ? r->o->layers : 1;
	struct idmap m = { 0 };
	uint64_t *blocks = NULL;
	size_t nb = 0, cap_b = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int e = 0;

	while ((len = getline(&line, &cap, r->f)) >= 0) {
		const char *s, *end = line + len;
		uint32_t l;

		r->line++;
		s = skip_ws(line, end);
		if (s == end)
			continue;
		if (*s != '{') {
			e = rerr(r, "expected a JSON object");
			goto out;
		}
		s = find_key(s, end);
		if (!s) {
			e = rerr(r, "no \"hash_ids\" key");
			goto out;
		}
		s = skip_ws(s, end);
		if (s == end || *s != '[') {
			e = rerr(r, "\"hash_ids\" is not a list");
			goto out;
		}
		s = skip_ws(s + 1, end);
		nb = 0;
		if (s < end && *s == ']')
			continue;	/* no blocks: no step */
		for (;;) {
			const char *tok = s;
			uint64_t h, d;

			while (s < end && *s != ',' && *s != ']' &&
			       !is_space(*s))
				s++;
			e = parse_id(r, tok, s - tok, "hash id", UINT64_MAX,
				     &h);
			if (e)
				goto out;
			e = idmap_get(&m, h, &d);
			if (!e && (d + 1) * layers - 1 > SWARM_TRACE_MAX_ID)
				e = -ERANGE;
			if (e == -ERANGE) {
				e = rerr(r, "more than %llu entries",
					 SWARM_TRACE_MAX_ID + 1);
				goto out;
			}
			if (!e)
				e = grow((void **)&blocks, &cap_b, nb + 1,
					 sizeof(*blocks));
			if (e)
				goto out;
			blocks[nb++] = d;
			s = skip_ws(s, end);
			if (s < end && *s == ',') {
				s = skip_ws(s + 1, end);
				continue;
			}
			if (s < end && *s == ']')
				break;
			e = rerr(r, "malformed \"hash_ids\" list");
			goto out;
		}
		for (l = 0; l < layers; l++) {
			size_t i;

			for (i = 0; i < nb; i++) {
				uint64_t id = blocks[i] * layers + l;

				e = check_range(r, id);
				if (!e)
					e = push_id(r, id);
				if (e)
					goto out;
			}
			e = end_step(r);
			if (e)
				goto out;
		}
	}
	if (ferror(r->f)) {
		seterr(r->err, r->errlen, "%s: %s", r->name, strerror(errno));
		e = -EIO;
	}
out:
	if (!e && r->o && r->o->ids_out) {
		*r->o->ids_out = m.order;
		*r->o->nr_ids_out = m.n;
		m.order = NULL;
	}
	if (!e && !(r->o && r->o->nr_entries))
		r->t->nr_entries = (uint64_t)m.n * layers;
	free(m.order);
	free(m.keys);
	free(m.vals);
	free(blocks);
	free(line);
	return e;
}

int swarm_trace_read(const char *path, const struct swarm_trace_opts *o,
		     struct swarm_trace *t, enum swarm_trace_fmt *fmtp,
		     char *err, size_t errlen)
{
	struct reader r = {
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
		while ((c = getc(r.f)) != EOF && is_space(c))
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
		e = read_mooncake(&r);
	else
		e = read_text(&r);
	if (!e && !t->nr_steps) {
		if (fmt == SWARM_TRACE_BINARY) {
			e = berr(&r, 8, "empty trace (no steps)");
		} else {
			if (!r.line)
				r.line = 1;
			e = rerr(&r, "empty trace (no steps)");
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

/* ---- Writing ---- */

int swarm_trace_writer_open(struct swarm_trace_writer *w, const char *path,
			    FILE *f, bool binary, const char *comment,
			    char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->binary = binary;
	if (path) {
		size_t n = strlen(path) + 5;

		w->path = strdup(path);
		w->tmp = malloc(n);
		if (!w->path || !w->tmp) {
			free(w->path);
			free(w->tmp);
			seterr(err, errlen, "%s: %s", path, strerror(ENOMEM));
			return -ENOMEM;
		}
		snprintf(w->tmp, n, "%s.tmp", path);
		w->f = fopen(w->tmp, "wb");
		if (!w->f) {
			int e = -errno;

			seterr(err, errlen, "%s: %s", w->tmp, strerror(errno));
			free(w->path);
			free(w->tmp);
			return e;
		}
		w->own = true;
	} else {
		w->f = f;
	}
	if (binary) {
		static const unsigned char h[8] = {
			'S', 'W', 'T', 'R', SWARM_TRACE_VERSION, 0, 0, 0
		};

		fwrite(h, 1, sizeof(h), w->f);
	} else if (comment) {
		fprintf(w->f, "# %s\n", comment);
	}
	return 0;
}

static void put_varint(FILE *f, uint64_t v)
{
	while (v >= 0x80) {
		putc_unlocked((v & 0x7f) | 0x80, f);
		v >>= 7;
	}
	putc_unlocked(v, f);
}

int swarm_trace_writer_step(struct swarm_trace_writer *w,
			    const uint64_t *ids, size_t n)
{
	size_t i, k;
	bool sorted = true;

	if (w->error)
		return w->error;
	if (!n)
		return w->error = -EINVAL;
	if (grow((void **)&w->buf, &w->cap, n, sizeof(*w->buf)))
		return w->error = -ENOMEM;
	for (i = 0; i < n; i++) {
		if (ids[i] > SWARM_TRACE_MAX_ID)
			return w->error = -ERANGE;
		w->buf[i] = ids[i];
		if (i && ids[i] <= ids[i - 1])
			sorted = false;
	}
	k = n;
	if (!sorted) {
		qsort(w->buf, n, sizeof(*w->buf), cmp_u64);
		for (i = k = 0; i < n; i++)
			if (!k || w->buf[i] != w->buf[k - 1])
				w->buf[k++] = w->buf[i];
	}
	if (w->binary) {
		put_varint(w->f, k);
		for (i = 0; i < k; i++)
			put_varint(w->f, i ? w->buf[i] - w->buf[i - 1] - 1 :
				   w->buf[i]);
	} else {
		for (i = 0; i < k; i++)
			fprintf(w->f, i ? " %" PRIu64 : "%" PRIu64, w->buf[i]);
		putc_unlocked('\n', w->f);
	}
	w->nr_steps++;
	if (ferror(w->f))
		return w->error = -EIO;
	return 0;
}

int swarm_trace_writer_close(struct swarm_trace_writer *w, bool abort,
			     char *err, size_t errlen)
{
	const char *name = w->tmp ? w->tmp : "output";
	int e = w->error;

	if (!e && !abort && !w->nr_steps)
		e = -ENODATA;
	if (!e && !abort && w->binary) {
		int i;

		put_varint(w->f, 0);
		for (i = 0; i < 8; i++)
			putc_unlocked((w->nr_steps >> (8 * i)) & 0xff, w->f);
	}
	if (fflush(w->f) || ferror(w->f))
		e = e ? e : -EIO;
	if (w->own && fclose(w->f) && !e)
		e = -EIO;
	if (!e && !abort && w->own && rename(w->tmp, w->path))
		e = -errno;
	if ((e || abort) && w->own)
		unlink(w->tmp);
	if (e == -ENODATA)
		seterr(err, errlen, "%s: empty trace (no steps)", name);
	else if (e)
		seterr(err, errlen, "%s: %s", name, strerror(-e));
	free(w->buf);
	free(w->path);
	free(w->tmp);
	memset(w, 0, sizeof(*w));
	return e;
}

int swarm_trace_write(const struct swarm_trace *t, const char *path,
		      bool binary, const char *comment,
		      char *err, size_t errlen)
{
	struct swarm_trace_writer w;
	uint64_t *buf = NULL;
	size_t cap = 0;
	uint64_t s, i;
	int e;

	e = swarm_trace_writer_open(&w, path, NULL, binary, comment, err,
				    errlen);
	if (e)
		return e;
	for (s = 0; s < t->nr_steps && !e; s++) {
		uint64_t n = t->off[s + 1] - t->off[s];

		if (grow((void **)&buf, &cap, n, sizeof(*buf))) {
			e = -ENOMEM;
			break;
		}
		for (i = 0; i < n; i++)
			buf[i] = t->ids[t->off[s] + i];
		e = swarm_trace_writer_step(&w, buf, n);
	}
	free(buf);
	if (e) {
		w.error = e;
		return swarm_trace_writer_close(&w, true, err, errlen) ?: e;
	}
	return swarm_trace_writer_close(&w, false, err, errlen);
}
