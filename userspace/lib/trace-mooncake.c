// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading Mooncake JSONL traces: each line's "hash_ids" list is a step,
 * the hash ids numbered densely in first-seen order (times the layers).
 * See userspace/TRACE-FORMAT.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/trace-read.h"
#include "lib/util.h"

/* hash id -> dense id (first-seen order), and back. */
struct idmap {
	struct swarm_hmap ids;	/* hash id -> uint32_t dense id */
	uint64_t *order;	/* dense -> hash id */
	size_t n, cap_order;
};

static int idmap_get(struct idmap *m, uint64_t key, uint64_t *dense)
{
	uint32_t *v = swarm_hmap_find(&m->ids, key);

	if (v) {
		*dense = *v;
		return 0;
	}
	if (m->n >= UINT32_MAX - 1)
		return -ERANGE;
	if (swarm_grow((void **)&m->order, &m->cap_order, m->n + 1,
		       sizeof(*m->order)))
		return -ENOMEM;
	v = swarm_hmap_get(&m->ids, key, NULL);
	if (!v)
		return -ENOMEM;
	m->order[m->n] = key;
	*v = m->n;
	*dense = m->n++;
	return 0;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && trace_is_space(*s))
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

/* The reader's state. */
struct mooncake {
	struct trace_reader *r;
	uint32_t layers;	/* per-layer entries per block */
	struct idmap m;
	uint64_t *blocks;	/* the line's dense block ids */
	size_t nb, cap_b;
};

/* The ids of a "hash_ids" list from @s (after its '[') to its ']'. */
static int parse_ids(struct mooncake *mc, const char *s, const char *end)
{
	struct trace_reader *r = mc->r;
	int e;

	for (;;) {
		const char *tok = s;
		uint64_t h, d;

		while (s < end && *s != ',' && *s != ']' && !trace_is_space(*s))
			s++;
		e = trace_parse_id(r, tok, s - tok, "hash id", UINT64_MAX, &h);
		if (e)
			return e;
		e = idmap_get(&mc->m, h, &d);
		if (!e && (d + 1) * mc->layers - 1 > SWARM_TRACE_MAX_ID)
			e = -ERANGE;
		if (e == -ERANGE)
			return trace_rerr(r, "more than %llu entries",
					  SWARM_TRACE_MAX_ID + 1);
		if (!e)
			e = swarm_grow((void **)&mc->blocks, &mc->cap_b,
				       mc->nb + 1, sizeof(*mc->blocks));
		if (e)
			return e;
		mc->blocks[mc->nb++] = d;
		s = skip_ws(s, end);
		if (s < end && *s == ',') {
			s = skip_ws(s + 1, end);
			continue;
		}
		if (s < end && *s == ']')
			return 0;
		return trace_rerr(r, "malformed \"hash_ids\" list");
	}
}

/*
 * One line: its blocks into mc->blocks. 1 if it makes no step (a blank
 * line, an empty list).
 */
static int parse_line(struct mooncake *mc, const char *line, const char *end)
{
	struct trace_reader *r = mc->r;
	const char *s = skip_ws(line, end);

	if (s == end)
		return 1;
	if (*s != '{')
		return trace_rerr(r, "expected a JSON object");
	s = find_key(s, end);
	if (!s)
		return trace_rerr(r, "no \"hash_ids\" key");
	s = skip_ws(s, end);
	if (s == end || *s != '[')
		return trace_rerr(r, "\"hash_ids\" is not a list");
	s = skip_ws(s + 1, end);
	mc->nb = 0;
	if (s < end && *s == ']')
		return 1;	/* no blocks: no step */
	return parse_ids(mc, s, end);
}

/* A step per layer: block b's entry of layer l is b x layers + l. */
static int emit_steps(struct mooncake *mc)
{
	struct trace_reader *r = mc->r;
	uint32_t l;
	size_t i;
	int e;

	for (l = 0; l < mc->layers; l++) {
		for (i = 0; i < mc->nb; i++) {
			uint64_t id = mc->blocks[i] * mc->layers + l;

			e = trace_check_range(r, id);
			if (!e)
				e = trace_push_id(r, id);
			if (e)
				return e;
		}
		e = trace_end_step(r);
		if (e)
			return e;
	}
	return 0;
}

int trace_read_mooncake(struct trace_reader *r)
{
	struct mooncake mc = {
		.r = r,
		.layers = r->o && r->o->layers > 1 ? r->o->layers : 1,
	};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int e = 0;

	swarm_hmap_init(&mc.m.ids, sizeof(uint32_t));
	while ((len = getline(&line, &cap, r->f)) >= 0) {
		r->line++;
		e = parse_line(&mc, line, line + len);
		if (e == 1) {
			e = 0;
			continue;
		}
		if (!e)
			e = emit_steps(&mc);
		if (e)
			break;
	}
	if (!e && ferror(r->f)) {
		seterr(r->err, r->errlen, "%s: %s", r->name, strerror(errno));
		e = -EIO;
	}
	if (!e && r->o && r->o->ids_out) {
		*r->o->ids_out = mc.m.order;
		*r->o->nr_ids_out = mc.m.n;
		mc.m.order = NULL;
	}
	if (!e && !(r->o && r->o->nr_entries))
		r->t->nr_entries = (uint64_t)mc.m.n * mc.layers;
	free(mc.m.order);
	swarm_hmap_free(&mc.m.ids);
	free(mc.blocks);
	free(line);
	return e;
}
