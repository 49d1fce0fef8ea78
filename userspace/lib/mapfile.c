// SPDX-License-Identifier: GPL-2.0-only
/*
 * libswarm: the map-file parser (MAP-FORMAT.md). See lib/libswarm.h for
 * the interface.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "lib/util.h"

struct parser {
	const char *name;
	unsigned long line;
	struct swarm_map *map;
	char *err;
	size_t errlen;
	/* scratch for the duplicate-member check */
	struct member_pos *scratch;
	size_t scratch_cap;
};

struct token {
	const char *s;
	size_t len;
};

struct member_pos {
	uint64_t value;
	uint64_t pos;
};

static int __attribute__((format(printf, 3, 4)))
perr_at(struct parser *p, unsigned long line, const char *fmt, ...)
{
	char msg[SWARM_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(p->err, p->errlen, "%s:%lu: %s", p->name, line, msg);
	return -EINVAL;
}

#define perr(p, ...)	perr_at((p), (p)->line, __VA_ARGS__)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

/* The next whitespace-separated token of [*pos, end), false at the end. */
static bool next_token(const char **pos, const char *end, struct token *t)
{
	const char *s = *pos;

	while (s < end && is_space(*s))
		s++;
	if (s == end) {
		*pos = s;
		return false;
	}
	t->s = s;
	while (s < end && !is_space(*s))
		s++;
	t->len = s - t->s;
	*pos = s;
	return true;
}

/* A token fit for a message: at most 32 printable characters. */
static const char *show(const struct token *t, char *buf, size_t size)
{
	size_t i, n = t->len < 32 ? t->len : 32;

	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = t->s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	if (n < t->len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* Decimal digits only, at most @max. */
static int parse_num(struct parser *p, const struct token *t,
		     const char *what, uint64_t max, uint64_t *res)
{
	uint64_t v = 0;
	char buf[40];
	size_t i;

	for (i = 0; i < t->len; i++) {
		unsigned int d = (unsigned char)t->s[i] - '0';

		if (d > 9)
			return perr(p, "malformed %s '%s'", what,
				    show(t, buf, sizeof(buf)));
		if (v > (max - d) / 10)
			return perr(p, "%s '%s' is too large (max %" PRIu64 ")",
				    what, show(t, buf, sizeof(buf)), max);
		v = v * 10 + d;
	}
	*res = v;
	return 0;
}

static int parse_u32(struct parser *p, const struct token *t,
		     const char *what, uint32_t *res)
{
	uint64_t v;
	int r = parse_num(p, t, what, UINT32_MAX, &v);

	if (!r)
		*res = (uint32_t)v;
	return r;
}

static int cmp_member_pos(const void *a, const void *b)
{
	const struct member_pos *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The member of @c that repeats first in file order, in *@dup: sort
 * (value, position) pairs and take the earliest second occurrence.
 */
static int find_duplicate(struct parser *p, const struct swarm_map_cluster *c,
			  bool *found, uint64_t *dup)
{
	const uint64_t *m = p->map->members + c->first;
	uint64_t i, best = UINT64_MAX;

	*found = false;
	if (swarm_grow((void **)&p->scratch, &p->scratch_cap, c->nr_members,
		       sizeof(*p->scratch)))
		return perr(p, "out of memory"), -ENOMEM;
	for (i = 0; i < c->nr_members; i++) {
		p->scratch[i].value = m[i];
		p->scratch[i].pos = i;
	}
	qsort(p->scratch, c->nr_members, sizeof(*p->scratch), cmp_member_pos);
	for (i = 1; i < c->nr_members; i++)
		if (p->scratch[i].value == p->scratch[i - 1].value &&
		    p->scratch[i].pos < best)
			best = p->scratch[i].pos;
	if (best != UINT64_MAX) {
		*found = true;
		*dup = m[best];
	}
	return 0;
}

static int check_cluster(struct parser *p, const struct swarm_map_cluster *c)
{
	const uint64_t *m = p->map->members + c->first;
	bool has_medoid = false, found;
	uint64_t i, dup;
	int r;

	if (!c->nr_members)
		return perr(p, "cluster %" PRIu32 " has no members", c->id);
	for (i = 0; i < c->nr_members && !has_medoid; i++)
		has_medoid = m[i] == c->medoid;
	if (!has_medoid)
		return perr(p, "medoid %" PRIu64 " of cluster %" PRIu32
			    " is not one of its members", c->medoid, c->id);
	r = find_duplicate(p, c, &found, &dup);
	if (r)
		return r;
	if (found)
		return perr(p, "member %" PRIu64 " appears twice in cluster %"
			    PRIu32, dup, c->id);
	return 0;
}

static int add_member(struct parser *p, struct swarm_map_cluster *c,
		      const struct token *t)
{
	struct swarm_map *map = p->map;
	uint64_t v;
	int r;

	r = parse_num(p, t, "member", UINT64_MAX, &v);
	if (r)
		return r;
	if (c->nr_members == DM_SWARM_MAX_CLUSTER_SIZE)
		return perr(p, "cluster %" PRIu32 " has more than %u members",
			    c->id, DM_SWARM_MAX_CLUSTER_SIZE);
	if (map->nr_members == DM_SWARM_MAX_MEMBERS)
		return perr(p, "more than %llu members in all",
			    (unsigned long long)DM_SWARM_MAX_MEMBERS);
	if (swarm_grow((void **)&map->members, &map->cap_members,
		       map->nr_members + 1, sizeof(*map->members)))
		return perr(p, "out of memory"), -ENOMEM;
	map->members[map->nr_members++] = v;
	c->nr_members++;
	return 0;
}

/* <id> <medoid> <frequency> <member>... */
static int parse_cluster(struct parser *p, const struct token *first,
			 const char *pos, const char *end)
{
	struct swarm_map *map = p->map;
	struct swarm_map_cluster c = { .line = p->line };
	struct token t;
	int r;

	r = parse_u32(p, first, "cluster id", &c.id);
	if (r)
		return r;
	if (!next_token(&pos, end, &t))
		goto short_line;
	r = parse_num(p, &t, "medoid", UINT64_MAX, &c.medoid);
	if (r)
		return r;
	if (!next_token(&pos, end, &t))
		goto short_line;
	r = parse_num(p, &t, "frequency", UINT64_MAX, &c.frequency);
	if (r)
		return r;
	if (map->nr_clusters == DM_SWARM_MAX_CLUSTERS)
		return perr(p, "more than %u clusters", DM_SWARM_MAX_CLUSTERS);
	c.first = map->nr_members;
	while (next_token(&pos, end, &t)) {
		r = add_member(p, &c, &t);
		if (r)
			return r;
	}
	r = check_cluster(p, &c);
	if (r)
		return r;
	if (swarm_grow((void **)&map->clusters, &map->cap_clusters,
		       map->nr_clusters + 1, sizeof(*map->clusters)))
		return perr(p, "out of memory"), -ENOMEM;
	map->clusters[map->nr_clusters++] = c;
	return 0;

short_line:
	return perr(p, "expected '<id> <medoid> <frequency> <member>...'");
}

/* weight <a> <b> <w> */
static int parse_weight(struct parser *p, const char *pos, const char *end)
{
	struct swarm_map *map = p->map;
	struct swarm_map_weight w = { .line = p->line };
	struct token t[4];
	int n = 0, r;

	while (n < 4 && next_token(&pos, end, &t[n]))
		n++;
	if (n != 3)
		return perr(p, "expected 'weight <a> <b> <w>'");
	r = parse_u32(p, &t[0], "cluster id", &w.a);
	if (!r)
		r = parse_u32(p, &t[1], "cluster id", &w.b);
	if (!r)
		r = parse_num(p, &t[2], "weight", UINT64_MAX, &w.weight);
	if (r)
		return r;
	if (w.a == w.b)
		return perr(p, "weight joins cluster %" PRIu32 " to itself", w.a);
	if (map->nr_weights == DM_SWARM_MAX_CLUSTERS)	/* the kernel's limit */
		return perr(p, "more than %u weights", DM_SWARM_MAX_CLUSTERS);
	if (swarm_grow((void **)&map->weights, &map->cap_weights,
		       map->nr_weights + 1, sizeof(*map->weights)))
		return perr(p, "out of memory"), -ENOMEM;
	map->weights[map->nr_weights++] = w;
	return 0;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);
	const char *pos = s, *end = hash ? hash : s + len;
	struct token t;

	if (!next_token(&pos, end, &t))
		return 0;
	if (t.len == 6 && !memcmp(t.s, "weight", 6))
		return parse_weight(p, pos, end);
	return parse_cluster(p, &t, pos, end);
}

/*
 * After the whole file: ids are 0..n-1, each once, and weights name
 * existing clusters. The error of the earliest line wins.
 */
static int check_ids(struct parser *p)
{
	const struct swarm_map *map = p->map;
	uint32_t i, n = map->nr_clusters, bad_c = UINT32_MAX, bad_w = UINT32_MAX;
	unsigned long *seen;

	if (!n)
		return perr_at(p, p->line ? p->line : 1, "no clusters");
	seen = calloc(n, sizeof(*seen));
	if (!seen)
		return perr(p, "out of memory"), -ENOMEM;
	for (i = 0; i < n && bad_c == UINT32_MAX; i++) {
		uint32_t id = map->clusters[i].id;

		if (id >= n || seen[id])
			bad_c = i;
		else
			seen[id] = map->clusters[i].line;
	}
	for (i = 0; i < map->nr_weights && bad_w == UINT32_MAX; i++)
		if (map->weights[i].a >= n || map->weights[i].b >= n)
			bad_w = i;
	if (bad_w != UINT32_MAX &&
	    (bad_c == UINT32_MAX ||
	     map->weights[bad_w].line < map->clusters[bad_c].line)) {
		const struct swarm_map_weight *w = &map->weights[bad_w];

		free(seen);
		return perr_at(p, w->line, "weight names unknown cluster %"
			       PRIu32 " (%" PRIu32 " cluster%s: ids 0..%" PRIu32
			       ")", w->a >= n ? w->a : w->b, n, n == 1 ? "" : "s",
			       n - 1);
	}
	if (bad_c != UINT32_MAX) {
		const struct swarm_map_cluster *c = &map->clusters[bad_c];
		int r;

		if (c->id >= n)
			r = perr_at(p, c->line, "cluster id %" PRIu32
				    " out of range (%" PRIu32 " cluster%s: ids 0..%"
				    PRIu32 ")", c->id, n, n == 1 ? "" : "s",
				    n - 1);
		else
			r = perr_at(p, c->line, "duplicate cluster id %" PRIu32
				    " (first on line %lu)", c->id, seen[c->id]);
		free(seen);
		return r;
	}
	free(seen);
	return 0;
}

void swarm_map_free(struct swarm_map *map)
{
	free(map->clusters);
	free(map->members);
	free(map->weights);
	memset(map, 0, sizeof(*map));
}

int swarm_map_parse_stream(FILE *f, const char *name, struct swarm_map *map,
			   char *err, size_t errlen)
{
	struct parser p = {
		.name = name, .map = map, .err = err, .errlen = errlen,
	};
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	memset(map, 0, sizeof(*map));
	while ((len = getline(&buf, &cap, f)) >= 0) {
		p.line++;
		r = parse_line(&p, buf, len);
		if (r)
			break;
	}
	if (!r && (ferror(f) || !feof(f))) {
		r = errno ? -errno : -EIO;
		seterr(err, errlen, "%s: read error: %s", name, strerror(-r));
	}
	if (!r)
		r = check_ids(&p);
	free(buf);
	free(p.scratch);
	if (r)
		swarm_map_free(map);
	return r;
}

int swarm_map_parse_file(const char *path, struct swarm_map *map,
			 char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int r;

	memset(map, 0, sizeof(*map));
	if (!f) {
		r = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	r = swarm_map_parse_stream(f, path, map, err, errlen);
	fclose(f);
	return r;
}

int swarm_map_check_entries(const struct swarm_map *map, const char *name,
			    uint64_t nr_entries, char *err, size_t errlen)
{
	uint32_t i;
	uint64_t j;

	for (i = 0; i < map->nr_clusters; i++) {
		const struct swarm_map_cluster *c = &map->clusters[i];

		for (j = 0; j < c->nr_members; j++) {
			uint64_t e = map->members[c->first + j];

			if (e < nr_entries)
				continue;
			seterr(err, errlen, "%s:%lu: member %" PRIu64
			       " of cluster %" PRIu32
			       " is beyond the device's %" PRIu64 " entries",
			       name, c->line, e, c->id, nr_entries);
			return -ERANGE;
		}
	}
	return 0;
}

int swarm_mapfile_create(const char *path, const char *comment,
			 uint64_t nr_clusters, uint64_t nr_members,
			 uint64_t nr_weights, FILE **f, char **tmp,
			 char *err, size_t errlen)
{
	size_t len = strlen(path) + 5;
	int e;

	*f = NULL;
	*tmp = malloc(len);
	if (!*tmp) {
		seterr(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(*tmp, len, "%s.tmp", path);
	*f = fopen(*tmp, "w");
	if (!*f) {
		e = -errno;
		seterr(err, errlen, "%s: %s", *tmp, strerror(-e));
		free(*tmp);
		*tmp = NULL;
		return e;
	}
	fprintf(*f, "# dm-swarm cluster map (userspace/MAP-FORMAT.md)\n");
	if (comment)
		fprintf(*f, "# %s\n", comment);
	fprintf(*f, "# %" PRIu64 " clusters, %" PRIu64 " members, %" PRIu64
		" weights\n# id medoid frequency members...\n", nr_clusters,
		nr_members, nr_weights);
	return 0;
}

int swarm_mapfile_commit(FILE *f, char *tmp, const char *path, char *err,
			 size_t errlen)
{
	int e = 0;

	if (fflush(f) || ferror(f))
		e = -EIO;
	if (fclose(f) && !e)
		e = -EIO;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		seterr(err, errlen, "%s: %s", tmp, strerror(-e));
		unlink(tmp);
	}
	free(tmp);
	return e;
}
