// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl stats [--json] [--watch [interval] [--count N]] and stats
 * reset: the per-member and total statistics of a swarm device, its
 * on-disk format and migration; with --watch, their rates every interval
 * (cli/stats-watch.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stats-watch.h"
#include "cli/target.h"
#include "lib/util.h"

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

/* ABI 1.2: failed members (zero from an older kernel). */
static void print_health_stats(const struct dm_swarm_stats *s)
{
	uint32_t i;

	printf("health            %s\n", s->failed_devs ? "degraded" : "ok");
	if (s->failed_devs) {
		printf("failed members   ");
		for (i = 0; i < DM_SWARM_MAX_DEVS; i++)
			if (s->failed_devs & (1ULL << i))
				printf(" %" PRIu32, i);
		putchar('\n');
	}
	printf("read failovers    %llu\n",
	       (unsigned long long)s->read_failovers);
	printf("lost reads        %llu\n", (unsigned long long)s->lost_reads);
	printf("degraded writes   %llu\n",
	       (unsigned long long)s->degraded_writes);
}

static const char *cache_policy_name(uint32_t p)
{
	return p == DM_SWARM_CACHE_CB ? "cb" :
	       p == DM_SWARM_CACHE_LRU ? "lru" : "?";
}

/* The DRAM tier (zero from a kernel without it). */
static void print_cache_stats(const struct dm_swarm_stats *s)
{
	uint32_t k;

	printf("cache             %s, %.1f MiB, %llu entries\n",
	       s->cache_bytes ? cache_policy_name(s->cache_policy) : "off",
	       (double)s->cache_bytes / MIB,
	       (unsigned long long)s->cache_entries);
	for (k = 0; k < DM_SWARM_CACHE_NR_POLICIES; k++) {
		uint64_t looked = s->cache_hits[k] + s->cache_misses[k];

		if (!looked && !s->cache_evictions[k])
			continue;
		printf("cache %-3s         hits %llu, misses %llu (hit rate "
		       "%.1f%%), %.1f MiB served, evictions %llu\n",
		       cache_policy_name(k),
		       (unsigned long long)s->cache_hits[k],
		       (unsigned long long)s->cache_misses[k],
		       looked ? 100.0 * s->cache_hits[k] / looked : 0.0,
		       (double)s->cache_hit_bytes[k] / MIB,
		       (unsigned long long)s->cache_evictions[k]);
	}
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
	if (swarm_stats_has_disk(s)) {
		print_disk_stats(s);
		print_health_stats(s);
		print_cache_stats(s);
	}
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

/* ABI 1.2 fields (zero from an older kernel). */
static void print_health_json(const struct dm_swarm_stats *s)
{
	printf(",\"health\":\"%s\"", s->failed_devs ? "degraded" : "ok");
	ju64(false, "failed_devs", s->failed_devs);
	ju64(false, "read_failovers", s->read_failovers);
	ju64(false, "lost_reads", s->lost_reads);
	ju64(false, "degraded_writes", s->degraded_writes);
}

/* The DRAM tier (zero from a kernel without it). */
static void print_cache_json(const struct dm_swarm_stats *s)
{
	static const char *const key[] = { "hits", "misses", "hit_bytes",
					   "evictions" };
	const __u64 *v[] = { s->cache_hits, s->cache_misses,
				s->cache_hit_bytes, s->cache_evictions };
	uint32_t k, f;

	printf(",\"cache_policy\":\"%s\"", cache_policy_name(s->cache_policy));
	ju64(false, "cache_bytes", s->cache_bytes);
	ju64(false, "cache_entries", s->cache_entries);
	for (k = 0; k < DM_SWARM_CACHE_NR_POLICIES; k++)
		for (f = 0; f < 4; f++)
			printf(",\"cache_%s_%s\":%llu", cache_policy_name(k),
			       key[f], (unsigned long long)v[f][k]);
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
	print_health_json(s);
	print_cache_json(s);
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
		return usage(swarmctl_usage,
			     "stats reset needs exactly one <dev>");
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

/* ---- stats --watch ---- */

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* Sleep until @until (now_s() time) or a signal. */
static void sleep_until(double until)
{
	double left;

	while (!watch_stop && (left = until - now_s()) > 0) {
		struct timespec ts = {
			.tv_sec = (time_t)left,
			.tv_nsec = (long)((left - floor(left)) * 1e9),
		};

		nanosleep(&ts, NULL);
	}
}

/*
 * Every @interval seconds, the rates since the last snapshot; @count
 * intervals (0 = until SIGINT or SIGTERM). Exit code.
 */
static int watch_stats(struct target *t, double interval, uint64_t count,
		       bool json)
{
	struct sigaction sa = { .sa_handler = on_watch_signal };
	struct swarm_stats *st = malloc(2 * sizeof(*st));
	double t0, prev, now, next;
	static char line[DM_SWARM_MAX_DEVS * 200 + 1024];
	struct watch w;
	uint64_t n = 0;
	int cur = 0, r;

	if (!st) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = get_stats(t, &st[0]);
	t0 = prev = now_s();
	next = t0 + interval;
	while (!r && !watch_stop && (!count || n < count)) {
		sleep_until(next);
		if (watch_stop)
			break;
		r = get_stats(t, &st[!cur]);
		if (r)
			break;
		now = now_s();
		watch_delta(&st[cur], &st[!cur], now - prev, &w);
		watch_format(&w, now - t0, json, line, sizeof(line));
		fputs(line, stdout);
		if (!json)
			putchar('\n');
		fflush(stdout);
		cur = !cur;
		prev = now;
		n++;
		/* Keep to the grid; after a long stall, start again from now. */
		next += interval;
		if (next < now)
			next = now + interval;
	}
	free(st);
	return r;
}

/* A positive number of seconds, at most a day. */
static bool parse_interval(const char *s, double *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (!*s || *end || errno || d < 0.01 || d > 86400)
		return false;
	*v = d;
	return true;
}

static bool parse_count(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno && *v > 0;
}

int cmd_stats(int argc, char **argv)
{
	const char *dev = NULL;
	struct swarm_stats st;
	struct target t;
	bool json = false, watch = false;
	double interval = 1.0;
	uint64_t count = 0;
	int i, r;

	if (argc >= 1 && !strcmp(argv[0], "reset"))
		return cmd_stats_reset(argc - 1, argv + 1);
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--watch")) {
			watch = true;
			/* An optional interval: the next argument, if a number. */
			if (i + 1 < argc && parse_interval(argv[i + 1], &interval))
				i++;
			else if (i + 1 < argc && argv[i + 1][0] >= '0' &&
				 argv[i + 1][0] <= '9' && !strchr(argv[i + 1], ':'))
				return usage(swarmctl_usage,
					     "stats: --watch: bad interval '%s' (0.01 to 86400 seconds)",
					     argv[i + 1]);
		} else if (!strcmp(argv[i], "--count")) {
			if (i + 1 >= argc || !parse_count(argv[i + 1], &count))
				return usage(swarmctl_usage,
					     "stats: --count needs a positive number");
			i++;
		} else if (argv[i][0] == '-' && argv[i][1])
			return usage(swarmctl_usage,
				     "stats: unknown option %s", argv[i]);
		else if (!dev)
			dev = argv[i];
		else
			return usage(swarmctl_usage,
				     "stats: too many arguments");
	}
	if (!dev)
		return usage(swarmctl_usage, "stats needs <dev>");
	if (count && !watch)
		return usage(swarmctl_usage, "stats: --count needs --watch");
	r = open_target(dev, &t);
	if (r)
		return r;
	if (watch) {
		r = watch_stats(&t, interval, count, json);
		close(t.fd);
		return r;
	}
	r = get_stats(&t, &st);
	if (!r && json)
		print_stats_json(&st);
	else if (!r)
		print_stats_table(&st);
	close(t.fd);
	return r;
}

/* ---- lost ---- */

#define LOST_BATCH	4096

/*
 * swarmctl lost <dev> [--json]: the ranges of entries with no copy left
 * to read (every copy on a failed member), one "FIRST-LAST" a line, then
 * "lost N entries in R ranges, failed members M"; or one JSON object.
 */
int cmd_lost(int argc, char **argv)
{
	struct dm_swarm_range *rg;
	struct dm_swarm_lost q;
	char err[SWARM_ERR_MAX];
	const char *dev = NULL;
	uint64_t total = 0, nranges = 0, failed = 0, entries, pf = 0, pc = 0;
	struct swarm_stats st;
	struct target t;
	bool json = false;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage(swarmctl_usage, "lost: unknown option %s",
				     argv[i]);
		else if (!dev)
			dev = argv[i];
		else
			return usage(swarmctl_usage, "lost: too many arguments");
	}
	if (!dev)
		return usage(swarmctl_usage, "lost needs <dev>");
	r = open_target(dev, &t);
	if (r)
		return r;
	r = get_stats(&t, &st);
	if (r) {
		close(t.fd);
		return r;
	}
	entries = st.s.nr_entries;
	rg = calloc(LOST_BATCH, sizeof(*rg));
	if (!rg) {
		close(t.fd);
		fail("out of memory");
		return EXIT_FAILURE;
	}
	if (json)
		printf("{\"ranges\":[");
	memset(&q, 0, sizeof(q));
	/* A range cut between two calls is printed once, whole: @pf, @pc. */
	while (q.start < entries) {
		uint32_t k;

		q.nr_ranges = LOST_BATCH;
		q.ranges = (uintptr_t)rg;
		if (swarm_lost(t.fd, &t.dev, &q, err, sizeof(err))) {
			fflush(stdout);
			fail("%s", err);
			free(rg);
			close(t.fd);
			return EXIT_FAILURE;
		}
		failed = q.failed_devs;
		total += q.lost;
		for (k = 0; k < q.nr_ranges; k++) {
			if (pc && pf + pc == rg[k].first) {
				pc += rg[k].count;
				continue;
			}
			if (pc) {
				if (json)
					printf("%s[%" PRIu64 ",%" PRIu64 "]",
					       nranges ? "," : "", pf, pc);
				else
					printf("%" PRIu64 "-%" PRIu64 "\n", pf,
					       pf + pc - 1);
				nranges++;
			}
			pf = rg[k].first;
			pc = rg[k].count;
		}
		q.start = q.next;
	}
	if (pc) {
		if (json)
			printf("%s[%" PRIu64 ",%" PRIu64 "]", nranges ? "," : "",
			       pf, pc);
		else
			printf("%" PRIu64 "-%" PRIu64 "\n", pf, pf + pc - 1);
		nranges++;
	}
	if (json)
		printf("],\"nr_ranges\":%" PRIu64 ",\"lost\":%" PRIu64
		       ",\"failed_devs\":%" PRIu64 "}\n", nranges, total, failed);
	else
		printf("lost %" PRIu64 " entries in %" PRIu64
		       " ranges, failed members %#" PRIx64 "\n", total,
		       nranges, failed);
	free(rg);
	close(t.fd);
	return 0;
}
