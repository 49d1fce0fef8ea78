// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl map upload|show: upload a cluster map file (MAP-FORMAT.md), or
 * with --delta a change to the live one, and wait for the migration; show
 * where entries live.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/target.h"

/* Entries asked per DM_SWARM_PLACEMENT round by "map show". */
#define SHOW_BATCH	4096

/* ---- map upload ---- */

/* --wait on a terminal: one line of progress, rewritten. */
static void wait_progress(const struct swarm_stats *st, void *arg)
{
	const struct dm_swarm_stats *s = &st->s;
	bool *shown = arg;

	if (!isatty(STDOUT_FILENO))
		return;
	printf("\r%s to generation %llu: %llu/%llu entries (%.0f%%), %.1f MiB, "
	       "%.1f s ", s->migrate_state == DM_SWARM_MIGRATE_PAUSED ?
	       "paused (device suspended)" : "migrating",
	       (unsigned long long)s->migrate_generation,
	       (unsigned long long)s->migrate_done,
	       (unsigned long long)s->migrate_total, s->migrate_total ?
	       100.0 * (double)s->migrate_done / (double)s->migrate_total : 0.0,
	       (double)s->migrate_bytes / MIB, (double)s->migrate_ms / 1000.0);
	fflush(stdout);
	*shown = true;
}

static int upload(struct target *t, const char *file,
		  const struct swarm_map *map, uint32_t flags, bool wait)
{
	const struct dm_swarm_stats *s;
	char err[SWARM_ERR_MAX];
	struct swarm_stats st;
	uint64_t old;
	bool shown = false;
	int r;

	if (get_stats(t, &st))
		return EXIT_FAILURE;
	old = st.s.map_generation;
	if (swarm_map_check_entries(map, file, st.s.nr_entries, err,
				    sizeof(err)) ||
	    swarm_map_upload(t->fd, &t->dev, map, flags, err, sizeof(err))) {
		fail("%s", err);
		return EXIT_FAILURE;
	}
	printf("uploaded %" PRIu32 " cluster%s, %" PRIu64 " member%s, %" PRIu32
	       " weight%s to %" PRIu32 ":%" PRIu32 "\n", map->nr_clusters,
	       plural(map->nr_clusters), map->nr_members,
	       plural(map->nr_members), map->nr_weights,
	       plural(map->nr_weights), t->dev.major, t->dev.minor);
	s = &st.s;
	if (wait) {
		fflush(stdout);
		r = swarm_map_wait(t->fd, &t->dev, old, wait_progress, &shown,
				   &st, err, sizeof(err));
		if (shown)
			putchar('\n');
		if (r) {
			fflush(stdout);
			fail("%s", err);
			return EXIT_FAILURE;
		}
		if (s->migrate_state == DM_SWARM_MIGRATE_DONE &&
		    s->migrate_generation == s->map_generation &&
		    s->migrate_generation > old)
			printf("migrated %llu entr%s (%llu bytes) in %.1f s, "
			       "%.1f MiB/s\n",
			       (unsigned long long)s->migrate_done,
			       s->migrate_done == 1 ? "y" : "ies",
			       (unsigned long long)s->migrate_bytes,
			       (double)s->migrate_ms / 1000.0,
			       mib_per_s(s->migrate_bytes, s->migrate_ms));
	} else if (get_stats(t, &st)) {
		return EXIT_FAILURE;
	} else if (swarm_migrating(s) && s->migrate_generation > old) {
		printf("migrating to generation %llu: %llu entries to copy; "
		       "follow it with 'swarmctl stats' (or upload with "
		       "--wait)\n", (unsigned long long)s->migrate_generation,
		       (unsigned long long)s->migrate_total);
		return 0;
	}
	printf("generation %llu: %llu cluster%s, %llu cop%s of %llu entr%s\n",
	       (unsigned long long)s->map_generation,
	       (unsigned long long)s->nr_clusters, plural(s->nr_clusters),
	       (unsigned long long)s->nr_copies,
	       s->nr_copies == 1 ? "y" : "ies",
	       (unsigned long long)s->nr_entries,
	       s->nr_entries == 1 ? "y" : "ies");
	return 0;
}

/*
 * A delta file (MAP-FORMAT.md, "Deltas"): lines "<id> <medoid> <frequency>
 * <member>..." add members to cluster <id> of the live map, or add a
 * cluster (ids from the live map's count on); "drop <id>" drops one;
 * "weight <a> <b> <w>" adds a weight; '#' starts a comment. The kernel
 * checks the ids against the live map at commit.
 */
static int delta_push(struct swarm_map *d, const uint64_t *v, size_t n,
		      bool drop)
{
	struct swarm_map_cluster *c;
	size_t k;

	if (d->nr_clusters == d->cap_clusters) {
		size_t cap = d->cap_clusters ? 2 * d->cap_clusters : 64;
		void *p = realloc(d->clusters, cap * sizeof(*d->clusters));

		if (!p)
			return -ENOMEM;
		d->clusters = p;
		d->cap_clusters = cap;
	}
	if (d->nr_members + n > d->cap_members) {
		size_t cap = 2 * (d->nr_members + n) + 64;
		void *p = realloc(d->members, cap * sizeof(*d->members));

		if (!p)
			return -ENOMEM;
		d->members = p;
		d->cap_members = cap;
	}
	c = &d->clusters[d->nr_clusters++];
	memset(c, 0, sizeof(*c));
	c->id = (uint32_t)v[0];
	c->first = d->nr_members;
	if (drop)
		return 0;
	c->medoid = v[1];
	c->frequency = v[2];
	for (k = 3; k < n; k++)
		d->members[d->nr_members++] = v[k];
	c->nr_members = (uint32_t)(n - 3);
	return 0;
}

static int delta_weight(struct swarm_map *d, const uint64_t *v)
{
	if (d->nr_weights == d->cap_weights) {
		size_t cap = d->cap_weights ? 2 * d->cap_weights : 16;
		void *p = realloc(d->weights, cap * sizeof(*d->weights));

		if (!p)
			return -ENOMEM;
		d->weights = p;
		d->cap_weights = cap;
	}
	memset(&d->weights[d->nr_weights], 0, sizeof(*d->weights));
	d->weights[d->nr_weights].a = (uint32_t)v[0];
	d->weights[d->nr_weights].b = (uint32_t)v[1];
	d->weights[d->nr_weights++].weight = v[2];
	return 0;
}

/* The numbers of line @s into @v (room for @room); -1 if one is bad. */
static long delta_numbers(char *s, uint64_t **v, size_t *room)
{
	size_t n = 0;
	char *tok, *end, *save = NULL;

	for (tok = strtok_r(s, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == *room) {
			void *p = realloc(*v, 2 * (*room + 8) * sizeof(**v));

			if (!p)
				return -1;
			*v = p;
			*room = 2 * (*room + 8);
		}
		errno = 0;
		(*v)[n++] = strtoull(tok, &end, 10);
		if (*end || errno || tok[0] == '-')
			return -1;
	}
	return (long)n;
}

static int parse_delta(const char *path, struct swarm_map *d)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *s, *hash;
	uint64_t *v = NULL;
	size_t len = 0, room = 0;
	unsigned long no = 0;
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (!f) {
		fail("%s: %s", path, strerror(errno));
		return -errno;
	}
	while (!r && getline(&line, &len, f) > 0) {
		bool drop = false, weight = false;
		long n;

		no++;
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		s = line + strspn(line, " \t");
		if (!strncmp(s, "drop", 4) && (s[4] == ' ' || s[4] == '\t'))
			drop = true, s += 4;
		else if (!strncmp(s, "weight", 6) && (s[6] == ' ' || s[6] == '\t'))
			weight = true, s += 6;
		n = delta_numbers(s, &v, &room);
		if (!n && !drop && !weight)
			continue;	/* blank */
		if (n < 0 || (drop && n != 1) || (weight && n != 3) ||
		    (!drop && !weight && n < 4) || v[0] > UINT32_MAX ||
		    (weight && v[1] > UINT32_MAX)) {
			fail("%s:%lu: expected '<id> <medoid> <frequency> <member>...', "
			     "'drop <id>' or 'weight <a> <b> <w>'", path, no);
			r = -EINVAL;
		} else {
			r = weight ? delta_weight(d, v) :
				delta_push(d, v, (size_t)n, drop);
			if (r)
				fail("%s: out of memory", path);
		}
	}
	if (!r && !d->nr_clusters) {
		fail("%s: a delta needs at least one cluster line or drop", path);
		r = -EINVAL;
	}
	free(line);
	free(v);
	fclose(f);
	if (r)
		swarm_map_free(d);
	return r;
}

static int cmd_map_upload(int argc, char **argv)
{
	const char *pos[2];
	char err[SWARM_ERR_MAX];
	struct swarm_map map;
	struct target t;
	uint32_t flags = 0;
	int i, n = 0, r;
	bool opts = true, wait = false;

	for (i = 0; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--drop-data"))
			flags |= DM_SWARM_MAP_DROP_DATA;
		else if (opts && !strcmp(argv[i], "--delta"))
			flags |= DM_SWARM_MAP_DELTA;
		else if (opts && !strcmp(argv[i], "--wait"))
			wait = true;
		else if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (opts && argv[i][0] == '-' && argv[i][1])
			return usage(swarmctl_usage,
				     "map upload: unknown option %s", argv[i]);
		else if (n < 2)
			pos[n++] = argv[i];
		else
			return usage(swarmctl_usage,
				     "map upload: too many arguments");
	}
	if (n != 2)
		return usage(swarmctl_usage,
			     "map upload needs <dev> and <map-file>");
	/* A bad file is reported before anything else is touched. */
	if (flags & DM_SWARM_MAP_DELTA) {
		if (parse_delta(pos[1], &map))
			return EXIT_FAILURE;
	} else if (swarm_map_parse_file(pos[1], &map, err, sizeof(err))) {
		fail("%s", err);
		return EXIT_FAILURE;
	}
	r = open_target(pos[0], &t);
	if (!r) {
		r = upload(&t, pos[1], &map, flags, wait);
		close(t.fd);
	}
	swarm_map_free(&map);
	return r;
}

/* ---- map show ---- */

static void print_summary(const struct dm_swarm_stats *s)
{
	printf("generation   %llu%s\n", (unsigned long long)s->map_generation,
	       s->map_generation ? "" : " (no map: striped)");
	printf("entries      %llu\n", (unsigned long long)s->nr_entries);
	printf("clusters     %llu\n", (unsigned long long)s->nr_clusters);
	printf("copies       %llu\n", (unsigned long long)s->nr_copies);
	printf("replication  %.3f copies per entry\n", s->nr_entries ?
	       (double)s->nr_copies / (double)s->nr_entries : 0.0);
	printf("map bytes    %llu (%.1f per copy)\n",
	       (unsigned long long)s->map_bytes, s->nr_copies ?
	       (double)s->map_bytes / (double)s->nr_copies : 0.0);
}

/* "N" or "FIRST-LAST", both below @nr_entries. */
static int parse_range(const char *s, uint64_t nr_entries,
		       uint64_t *first, uint64_t *last)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*first = strtoull(s, &end, 10);
	*last = *first;
	if (*end == '-' && end[1] >= '0' && end[1] <= '9')
		*last = strtoull(end + 1, &end, 10);
	if (*end || errno || *last < *first)
		return -EINVAL;
	if (*last >= nr_entries)
		return -ERANGE;
	return 0;
}

static int show_batch(struct target *t, struct dm_swarm_placement *p,
		      size_t n)
{
	char err[SWARM_ERR_MAX];
	size_t i;
	uint32_t k;

	if (swarm_placement(t->fd, &t->dev, p, n, err, sizeof(err))) {
		fflush(stdout);
		fail("%s", err);
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		printf("%llu:", (unsigned long long)p[i].entry);
		for (k = 0; k < p[i].nr_copies && k < DM_SWARM_MAX_COPIES; k++)
			printf(" %" PRIu32 "/%llu", p[i].copies[k].dev,
			       (unsigned long long)p[i].copies[k].slot);
		putchar('\n');
	}
	return 0;
}

static int show_entries(struct target *t, uint64_t nr_entries,
			int argc, char **argv)
{
	struct dm_swarm_placement *p;
	uint64_t first, last, e;
	size_t n = 0;
	int i, r = 0;

	for (i = 0; i < argc; i++) {
		r = parse_range(argv[i], nr_entries, &first, &last);
		if (r == -ERANGE)
			fail("entry %s is beyond the device's %llu entries",
			     argv[i], (unsigned long long)nr_entries);
		else if (r)
			fail("bad entry or range '%s'", argv[i]);
		if (r)
			return EXIT_FAILURE;
	}
	p = calloc(SHOW_BATCH, sizeof(*p));
	if (!p) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc && !r; i++) {
		parse_range(argv[i], nr_entries, &first, &last);
		for (e = first; !r; e++) {
			memset(&p[n], 0, sizeof(p[n]));
			p[n++].entry = e;
			if (n == SHOW_BATCH) {
				r = show_batch(t, p, n);
				n = 0;
			}
			if (e == last)
				break;
		}
	}
	if (!r && n)
		r = show_batch(t, p, n);
	free(p);
	return r;
}

static int cmd_map_show(int argc, char **argv)
{
	struct swarm_stats st;
	struct target t;
	int r;

	if (argc < 1)
		return usage(swarmctl_usage, "map show needs <dev>");
	r = open_target(argv[0], &t);
	if (r)
		return r;
	r = get_stats(&t, &st);
	if (!r && argc == 1)
		print_summary(&st.s);
	else if (!r)
		r = show_entries(&t, st.s.nr_entries, argc - 1, argv + 1);
	close(t.fd);
	return r;
}

int cmd_map(int argc, char **argv)
{
	if (argc < 1)
		return usage(swarmctl_usage,
			     "map needs a subcommand: upload or show");
	if (!strcmp(argv[0], "upload"))
		return cmd_map_upload(argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return cmd_map_show(argc - 1, argv + 1);
	return usage(swarmctl_usage, "unknown map subcommand '%s'", argv[0]);
}
