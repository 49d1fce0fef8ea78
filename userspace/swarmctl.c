// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl: control dm-swarm devices through /dev/dm-swarm-control.
 *
 * Exit status: 0 on success, 1 on failure, 2 on bad usage. Errors go to
 * stderr as "swarmctl: <message>".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libswarm.h"
#include "swarmctl-disk.h"
#include "swarmctl-trace.h"

#define EXIT_USAGE	2
#define MIB		(1024.0 * 1024.0)
/* Entries asked per DM_SWARM_PLACEMENT round by "map show". */
#define SHOW_BATCH	4096

static const char usage_text[] =
"usage: swarmctl <command> [arguments]\n"
"\n"
"  version                                 tool and kernel ABI versions\n"
"  map upload [--drop-data] [--wait] <dev> <map>\n"
"                                          upload a cluster map file\n"
"  map show <dev> [entry|first-last]...    where entries live, or a summary\n"
"  stats <dev> [--json]                    per-member and total statistics\n"
"  stats reset <dev>                       zero the statistics\n"
"  trace gen|convert|info|record ...       activation traces (swarmctl trace)\n"
"  cluster <trace> -o <map> [options]      co-activation clustering to a map\n"
"  assemble [--create NAME] <dev>...       table line from the members' superblocks\n"
"  examine [--json] <dev>...               print the members' superblocks\n"
"  wipe --yes <dev>...                     erase the superblocks (blank again)\n"
"  help                                    this text\n"
"\n"
"<dev> is a swarm device: /dev/dm-N, /dev/mapper/NAME, NAME or MAJOR:MINOR.\n"
"The map file format is described in userspace/MAP-FORMAT.md.\n"
"--drop-data allows a map change that loses the data on the device.\n"
"--wait waits until the data is moved to the new map (migration).\n";

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("swarmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int __attribute__((format(printf, 1, 2))) usage(const char *fmt, ...)
{
	va_list ap;

	fputs("swarmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* A device the ioctls can name, and an open control device. */
struct target {
	struct swarm_dev dev;
	int fd;
};

static int open_target(const char *spec, struct target *t)
{
	char err[SWARM_ERR_MAX];

	t->fd = -1;
	if (swarm_dev_resolve(spec, &t->dev, err, sizeof(err)))
		goto fail;
	t->fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (t->fd < 0)
		goto fail;
	if (swarm_check_version(t->fd, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fail("%s", err);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return EXIT_FAILURE;
}

static int get_stats(struct target *t, struct swarm_stats *st)
{
	char err[SWARM_ERR_MAX];

	if (!swarm_stats(t->fd, &t->dev, st, err, sizeof(err)))
		return 0;
	fail("%s", err);
	return EXIT_FAILURE;
}

/* ---- version ---- */

static int cmd_version(int argc, char **argv)
{
	struct dm_swarm_version v;
	char err[SWARM_ERR_MAX];
	int fd;

	(void)argv;
	if (argc != 0)
		return usage("version takes no arguments");
	printf("swarmctl ABI %u.%u.%u\n", DM_SWARM_VERSION_MAJOR,
	       DM_SWARM_VERSION_MINOR, DM_SWARM_VERSION_PATCH);
	fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (fd < 0 || swarm_version(fd, &v, err, sizeof(err))) {
		fflush(stdout);
		fail("%s", err);
		if (fd >= 0)
			close(fd);
		return EXIT_FAILURE;
	}
	printf("kernel ABI %" PRIu32 ".%" PRIu32 ".%" PRIu32 "\n",
	       v.major, v.minor, v.patch);
	close(fd);
	return 0;
}

/* ---- map upload ---- */

static double mib_per_s(uint64_t bytes, uint64_t ms)
{
	return ms ? (double)bytes / MIB / ((double)ms / 1000.0) : 0.0;
}

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
		else if (opts && !strcmp(argv[i], "--wait"))
			wait = true;
		else if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (opts && argv[i][0] == '-' && argv[i][1])
			return usage("map upload: unknown option %s", argv[i]);
		else if (n < 2)
			pos[n++] = argv[i];
		else
			return usage("map upload: too many arguments");
	}
	if (n != 2)
		return usage("map upload needs <dev> and <map-file>");
	/* A bad file is reported before anything else is touched. */
	if (swarm_map_parse_file(pos[1], &map, err, sizeof(err))) {
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
		return usage("map show needs <dev>");
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

static int cmd_map(int argc, char **argv)
{
	if (argc < 1)
		return usage("map needs a subcommand: upload or show");
	if (!strcmp(argv[0], "upload"))
		return cmd_map_upload(argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return cmd_map_show(argc - 1, argv + 1);
	return usage("unknown map subcommand '%s'", argv[0]);
}

/* ---- stats ---- */

static uint32_t nr_devs(const struct swarm_stats *st)
{
	return st->s.nr_devs < DM_SWARM_MAX_DEVS ? st->s.nr_devs :
	       DM_SWARM_MAX_DEVS;
}

/* ABI 1.1: the on-disk layout and the last migration. */
static void print_disk_stats(const struct dm_swarm_stats *s)
{
	char uuid[40];

	swarm_uuid_str(s->uuid, uuid);
	printf("data start        sector %llu\n",
	       (unsigned long long)s->data_start);
	printf("slots per member  %llu\n", (unsigned long long)s->dev_slots);
	printf("has data          %s\n",
	       s->flags & DM_SWARM_STATS_HAS_DATA ? "yes" : "no");
	printf("uuid              %s\n", uuid);
	printf("migration         %s", swarm_migrate_state_name(s->migrate_state));
	if (s->migrate_state != DM_SWARM_MIGRATE_IDLE)
		printf(" to generation %llu: %llu/%llu entries, %.1f MiB in "
		       "%.1f s (%.1f MiB/s)",
		       (unsigned long long)s->migrate_generation,
		       (unsigned long long)s->migrate_done,
		       (unsigned long long)s->migrate_total,
		       (double)s->migrate_bytes / MIB,
		       (double)s->migrate_ms / 1000.0,
		       mib_per_s(s->migrate_bytes, s->migrate_ms));
	if (s->migrate_state == DM_SWARM_MIGRATE_FAILED)
		printf(", %s", strerror(s->migrate_error < 0 ?
					-s->migrate_error : EIO));
	putchar('\n');
	if (s->migrate_rate)
		printf("migration cap     %.1f MiB/s\n",
		       (double)s->migrate_rate / MIB);
	else
		printf("migration cap     none\n");
}

static void print_stats_table(const struct swarm_stats *st)
{
	const struct dm_swarm_stats *s = &st->s;
	uint32_t i;

	printf("%4s %12s %12s %10s %12s %9s %9s %10s %10s\n", "dev", "reads",
	       "writes", "MiB read", "MiB written", "inflight", "peak",
	       "busy ms", "MiB/s est");
	for (i = 0; i < nr_devs(st); i++) {
		const struct dm_swarm_dev_stats *d = &st->devs[i];

		printf("%4" PRIu32 " %12llu %12llu %10.1f %12.1f %9llu %9llu "
		       "%10llu %10.1f\n", i, (unsigned long long)d->reads,
		       (unsigned long long)d->writes, d->read_bytes / MIB,
		       d->write_bytes / MIB, (unsigned long long)d->inflight,
		       (unsigned long long)d->inflight_peak,
		       (unsigned long long)(d->busy_ns / 1000000),
		       d->tput_est / MIB);
	}
	printf("\n");
	printf("reads             %llu\n", (unsigned long long)s->reads);
	printf("writes            %llu\n", (unsigned long long)s->writes);
	printf("multi-copy reads  %llu\n",
	       (unsigned long long)s->multi_copy_reads);
	printf("redirected reads  %llu\n",
	       (unsigned long long)s->redirected_reads);
	printf("selector          %s\n", swarm_selector_name(s->selector));
	printf("placement         %s\n", swarm_placement_name(s->placement));
	printf("max copies        %" PRIu32 "\n", s->max_copies);
	printf("spare pct         %" PRIu32 "\n", s->spare_pct);
	printf("generation        %llu\n",
	       (unsigned long long)s->map_generation);
	printf("entries           %llu\n", (unsigned long long)s->nr_entries);
	printf("clusters          %llu\n", (unsigned long long)s->nr_clusters);
	printf("copies            %llu\n", (unsigned long long)s->nr_copies);
	printf("map bytes         %llu\n", (unsigned long long)s->map_bytes);
	if (swarm_stats_has_disk(s))
		print_disk_stats(s);
}

/* One JSON number member, after a comma unless it is the first. */
static void ju64(bool first, const char *name, unsigned long long v)
{
	printf("%s\"%s\":%llu", first ? "" : ",", name, v);
}

static void print_dev_json(uint32_t i, const struct dm_swarm_dev_stats *d)
{
	printf("{\"dev\":%" PRIu32, i);
	ju64(false, "reads", d->reads);
	ju64(false, "writes", d->writes);
	ju64(false, "read_bytes", d->read_bytes);
	ju64(false, "write_bytes", d->write_bytes);
	ju64(false, "inflight", d->inflight);
	ju64(false, "inflight_peak", d->inflight_peak);
	ju64(false, "busy_ns", d->busy_ns);
	ju64(false, "tput_est", d->tput_est);
	printf("}");
}

/* ABI 1.1 fields (zero from an ABI 1.0 kernel). */
static void print_disk_json(const struct dm_swarm_stats *s)
{
	char uuid[40];

	swarm_uuid_str(s->uuid, uuid);
	ju64(false, "data_start", s->data_start);
	ju64(false, "dev_slots", s->dev_slots);
	ju64(false, "flags", s->flags);
	printf(",\"has_data\":%s,\"uuid\":\"%s\"",
	       s->flags & DM_SWARM_STATS_HAS_DATA ? "true" : "false", uuid);
	printf(",\"migrate_state\":\"%s\"",
	       swarm_migrate_state_name(s->migrate_state));
	ju64(false, "migrate_state_id", s->migrate_state);
	ju64(false, "migrate_generation", s->migrate_generation);
	ju64(false, "migrate_done", s->migrate_done);
	ju64(false, "migrate_total", s->migrate_total);
	ju64(false, "migrate_bytes", s->migrate_bytes);
	ju64(false, "migrate_ms", s->migrate_ms);
	ju64(false, "migrate_rate", s->migrate_rate);
	printf(",\"migrate_error\":%d", (int)s->migrate_error);
}

static void print_stats_json(const struct swarm_stats *st)
{
	const struct dm_swarm_stats *s = &st->s;
	uint32_t i;

	printf("{");
	ju64(true, "generation", s->map_generation);
	ju64(false, "entries", s->nr_entries);
	ju64(false, "clusters", s->nr_clusters);
	ju64(false, "copies", s->nr_copies);
	ju64(false, "map_bytes", s->map_bytes);
	ju64(false, "reads", s->reads);
	ju64(false, "writes", s->writes);
	ju64(false, "multi_copy_reads", s->multi_copy_reads);
	ju64(false, "redirected_reads", s->redirected_reads);
	printf(",\"selector\":\"%s\",\"selector_id\":%" PRIu32,
	       swarm_selector_name(s->selector), s->selector);
	printf(",\"placement\":\"%s\",\"placement_id\":%" PRIu32,
	       swarm_placement_name(s->placement), s->placement);
	ju64(false, "max_copies", s->max_copies);
	ju64(false, "spare_pct", s->spare_pct);
	print_disk_json(s);
	ju64(false, "nr_devs", s->nr_devs);
	printf(",\"devs\":[");
	for (i = 0; i < nr_devs(st); i++) {
		if (i)
			putchar(',');
		print_dev_json(i, &st->devs[i]);
	}
	printf("]}\n");
}

static int cmd_stats_reset(int argc, char **argv)
{
	char err[SWARM_ERR_MAX];
	struct target t;
	int r;

	if (argc != 1)
		return usage("stats reset needs exactly one <dev>");
	r = open_target(argv[0], &t);
	if (r)
		return r;
	if (swarm_stats_reset(t.fd, &t.dev, err, sizeof(err))) {
		fail("%s", err);
		r = EXIT_FAILURE;
	}
	close(t.fd);
	return r;
}

static int cmd_stats(int argc, char **argv)
{
	const char *dev = NULL;
	struct swarm_stats st;
	struct target t;
	bool json = false;
	int i, r;

	if (argc >= 1 && !strcmp(argv[0], "reset"))
		return cmd_stats_reset(argc - 1, argv + 1);
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("stats: unknown option %s", argv[i]);
		else if (!dev)
			dev = argv[i];
		else
			return usage("stats: too many arguments");
	}
	if (!dev)
		return usage("stats needs <dev>");
	r = open_target(dev, &t);
	if (r)
		return r;
	r = get_stats(&t, &st);
	if (!r && json)
		print_stats_json(&st);
	else if (!r)
		print_stats_table(&st);
	close(t.fd);
	return r;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int r;

	if (!cmd)
		return usage("no command given");
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version"))
		r = cmd_version(argc - 2, argv + 2);
	else if (!strcmp(cmd, "map"))
		r = cmd_map(argc - 2, argv + 2);
	else if (!strcmp(cmd, "stats"))
		r = cmd_stats(argc - 2, argv + 2);
	else if (!strcmp(cmd, "trace"))
		r = swarmctl_trace(argc - 2, argv + 2);
	else if (!strcmp(cmd, "cluster"))
		r = swarmctl_cluster(argc - 2, argv + 2);
	else if (!strcmp(cmd, "assemble"))
		r = swarmctl_assemble(argc - 2, argv + 2);
	else if (!strcmp(cmd, "examine"))
		r = swarmctl_examine(argc - 2, argv + 2);
	else if (!strcmp(cmd, "wipe"))
		r = swarmctl_wipe(argc - 2, argv + 2);
	else
		return usage("unknown command '%s'", cmd);
	if (fflush(stdout) || ferror(stdout)) {
		fail("writing the output: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	return r;
}
