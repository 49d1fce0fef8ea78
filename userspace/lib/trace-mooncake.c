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

int trace_read_mooncake(struct trace_reader *r)
{
	uint32_t layers = r->o && r->o->layers > 1 ? r->o->layers : 1;
	struct idmap m = { 0 };
	uint64_t *blocks = NULL;
	size_t nb = 0, cap_b = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int e = 0;

	swarm_hmap_init(&m.ids, sizeof(uint32_t));
	while ((len = getline(&line, &cap, r->f)) >= 0) {
		const char *s, *end = line + len;
		uint32_t l;

		r->line++;
		s = skip_ws(line, end);
		if (s == end)
			continue;
		if (*s != '{') {
			e = trace_rerr(r, "expected a JSON object");
			goto out;
		}
		s = find_key(s, end);
		if (!s) {
			e = trace_rerr(r, "no \"hash_ids\" key");
			goto out;
		}
		s = skip_ws(s, end);
		if (s == end || *s != '[') {
			e = trace_rerr(r, "\"hash_ids\" is not a list");
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
			       !trace_is_space(*s))
				s++;
			e = trace_parse_id(r, tok, s - tok, "hash id", UINT64_MAX,
				     &h);
			if (e)
				goto out;
			e = idmap_get(&m, h, &d);
			if (!e && (d + 1) * layers - 1 > SWARM_TRACE_MAX_ID)
				e = -ERANGE;
			if (e == -ERANGE) {
				e = trace_rerr(r, "more than %llu entries",
					 SWARM_TRACE_MAX_ID + 1);
				goto out;
			}
			if (!e)
				e = swarm_grow((void **)&blocks, &cap_b, nb + 1,
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
			e = trace_rerr(r, "malformed \"hash_ids\" list");
			goto out;
		}
		for (l = 0; l < layers; l++) {
			size_t i;

			for (i = 0; i < nb; i++) {
				uint64_t id = blocks[i] * layers + l;

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
	swarm_hmap_free(&m.ids);
	free(blocks);
	free(line);
	return e;
}
