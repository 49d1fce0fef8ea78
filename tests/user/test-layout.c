// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space tests of kmod/swarm-layout.c: the shared vectors, properties
 * of the striped mapping, and a parser fuzz loop.
 */
#include "../../kmod/swarm-layout.c"
#include "../common/swarm-vectors.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int parse_line(const char *line, struct swarm_table *t,
		      char **err, char *buf, char **argv)
{
	unsigned int argc = 0;
	char *p, *w;

	strcpy(buf, line);
	for (p = buf; (w = strsep(&p, " ")) && argc < 64;)
		if (*w)
			argv[argc++] = w;
	*err = NULL;
	return swarm_parse_table(argc, argv, t, err);
}

static void bad_lines(void)
{
	char buf[512], *argv[64];
	struct swarm_table t;
	char *err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(swarm_bad_lines); i++) {
		int r = parse_line(swarm_bad_lines[i].line, &t, &err, buf, argv);

		EXPECT(r == -EINVAL, "'%s' gave %d", swarm_bad_lines[i].line, r);
		EXPECT(err && !strcmp(err, swarm_bad_lines[i].error),
		       "'%s' gave '%s'", swarm_bad_lines[i].line, err);
	}
}

static void good_lines(void)
{
	char buf[512], *argv[64];
	struct swarm_table t;
	char *err;

	EXPECT(!parse_line("8 4 /dev/a /dev/b /dev/c /dev/d", &t, &err, buf, argv),
	       "%s", err);
	EXPECT(t.nr_devs == 4 && t.entry_sectors == 8, "parsed %u %u",
	       t.nr_devs, t.entry_sectors);
	EXPECT(!strcmp(t.dev_paths[3], "/dev/d"), "dev %s", t.dev_paths[3]);
	EXPECT(!parse_line("128 2 a b 0", &t, &err, buf, argv), "%s", err);
	EXPECT(!parse_line("+2048 1 a", &t, &err, buf, argv), "%s", err);
	EXPECT(t.max_copies == 8 && t.spare_pct == 0 && !t.given, "defaults");
	EXPECT(!parse_line("8 2 a b 4 max_copies 2 SPARE 10", &t, &err, buf, argv),
	       "%s", err);
	EXPECT(t.max_copies == 2 && t.spare_pct == 10 && t.given == 3, "features");
	EXPECT(t.cache_mb == 0, "no DRAM tier by default");
	EXPECT(!parse_line("8 2 a b 2 cache_mb 256", &t, &err, buf, argv),
	       "%s", err);
	EXPECT(t.cache_mb == 256 && t.given == SWARM_FEAT_CACHE, "cache_mb");
	EXPECT(!t.migrate_rate && !t.rebuild_rate, "no rate caps by default");
	EXPECT(!parse_line("8 2 a b 4 migrate_rate 64 rebuild_rate 1048576", &t,
			   &err, buf, argv), "%s", err);
	EXPECT(t.migrate_rate == 64 && t.rebuild_rate == 1048576 &&
	       t.given == (SWARM_FEAT_MIGRATE_RATE | SWARM_FEAT_REBUILD_RATE),
	       "rate caps %u %u", t.migrate_rate, t.rebuild_rate);
	EXPECT(!parse_line("8 2 a b 2 migrate_rate 0", &t, &err, buf, argv),
	       "%s", err);
	EXPECT(t.given == SWARM_FEAT_MIGRATE_RATE && !t.migrate_rate,
	       "migrate_rate 0 (no cap) given");
}

/* Every entry has one slot, and no two entries share one. */
static void striped_bijective(void)
{
	static const u32 devs[] = { 1, 2, 3, 4, 7, 64 };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(devs); k++) {
		u32 n = devs[k];
		u64 sizes[64], e, nr = 1000 + n / 2;
		struct swarm_table t = { .entry_sectors = 8, .nr_devs = n };
		struct swarm_geom g;
		char *err;
		static unsigned char seen[64][1024];
		u32 i;

		for (i = 0; i < n; i++)
			sizes[i] = 8 * 1024 + i;
		memset(seen, 0, sizeof(seen));
		EXPECT(!swarm_geom_init(&g, &t, nr * 8, sizes, &err), "%s", err);
		EXPECT(g.dev_slots == 1024, "slots %" PRIu64, g.dev_slots);
		for (e = 0; e < nr; e++) {
			struct swarm_loc l = swarm_striped_loc(&g, e);

			EXPECT(l.dev < n && l.slot < g.dev_slots, "entry %" PRIu64, e);
			EXPECT(!seen[l.dev][l.slot], "entry %" PRIu64 " reuses a slot", e);
			seen[l.dev][l.slot] = 1;
		}
	}
}

/*
 * Striped entries lie in runs: with 4 KiB entries, 128 consecutive
 * entries in consecutive slots of one member, the next 128 on the next
 * member (RAID0 with a 512 KiB chunk); every slot a member needs stays
 * below ceil(entries / members); swarm_striped_run() agrees with where
 * the entries are; and any run length keeps the mapping one-to-one.
 */
static void striped_runs(void)
{
	static const u32 shifts[] = { 0, 1, 3, 7 };
	static unsigned char seen[5][4096];
	u64 sizes[5], e, nr = 5 * 1000 + 3;
	struct swarm_table t = { .entry_sectors = 8, .nr_devs = 5 };
	struct swarm_geom g;
	struct swarm_loc a, b;
	char *err;
	size_t k;
	u32 i;

	for (i = 0; i < 5; i++)
		sizes[i] = 8 * 4096;
	EXPECT(!swarm_geom_init(&g, &t, nr * 8, sizes, &err), "%s", err);
	EXPECT(g.run_shift == 7, "4 KiB entries: runs of %u", 1U << g.run_shift);
	EXPECT(g.striped_full == 5 * 128 * 7, "full rows %" PRIu64, g.striped_full);
	a = swarm_striped_loc(&g, 0);
	b = swarm_striped_loc(&g, 127);
	EXPECT(a.dev == 0 && b.dev == 0 && b.slot == a.slot + 127, "first run");
	a = swarm_striped_loc(&g, 128);
	b = swarm_striped_loc(&g, 5 * 128);
	EXPECT(a.dev == 1 && a.slot == 0 && b.dev == 0 && b.slot == 128, "rows");
	EXPECT(swarm_striped_run(&g, 0) == 128 && swarm_striped_run(&g, 130) == 126,
	       "run lengths");
	EXPECT(swarm_striped_run(&g, g.striped_full) == 1, "tail striped one by one");

	for (k = 0; k < ARRAY_SIZE(shifts); k++) {
		swarm_geom_set_run(&g, shifts[k]);
		memset(seen, 0, sizeof(seen));
		for (e = 0; e < nr; e++) {
			u64 run = swarm_striped_run(&g, e);

			a = swarm_striped_loc(&g, e);
			EXPECT(a.dev < 5 && a.slot < (nr + 4) / 5,
			       "shift %u entry %" PRIu64 ": slot %" PRIu64,
			       shifts[k], e, a.slot);
			EXPECT(!seen[a.dev][a.slot], "entry %" PRIu64 " reuses a slot", e);
			seen[a.dev][a.slot] = 1;
			if (run > 1 && e + 1 < nr) {
				b = swarm_striped_loc(&g, e + 1);
				EXPECT(b.dev == a.dev && b.slot == a.slot + 1,
				       "run breaks at %" PRIu64, e);
			}
		}
	}
	/* 512 KiB entries and larger: one entry a run. */
	t.entry_sectors = 1024;
	for (i = 0; i < 5; i++)
		sizes[i] = 1024 * 64;
	EXPECT(!swarm_geom_init(&g, &t, 100 * 1024, sizes, &err), "%s", err);
	EXPECT(g.run_shift == 0, "512 KiB entries: run shift %u", g.run_shift);
}

/* The largest table that fits is accepted, one entry more is not. */
static void capacity_edge(void)
{
	u64 sizes[3] = { 800, 808, 1000 };	/* 100, 101, 125 slots */
	struct swarm_table t = { .entry_sectors = 8, .nr_devs = 3 };
	struct swarm_geom g;
	char *err;

	EXPECT(!swarm_geom_init(&g, &t, 300 * 8, sizes, &err), "%s", err);
	EXPECT(swarm_geom_init(&g, &t, 301 * 8, sizes, &err) == -EINVAL, "301");
	EXPECT(!strcmp(err, "Target length is larger than the devices hold"), "%s", err);
}

/* Random argument vectors: the parser never crashes and always explains. */
static void fuzz_parser(void)
{
	static const char *const words[] = {
		"0", "1", "2", "3", "4", "8", "16", "2048", "4096", "64", "65",
		"-1", "x", "", "18446744073709551616", "4294967296", "a", "b",
		"1\n", "8\n\n", "+", "frob",
	};
	unsigned int seed = 12345, iter;

	for (iter = 0; iter < 200000; iter++) {
		char *argv[12];
		unsigned int argc, i;
		struct swarm_table t;
		char *err = NULL;
		int r;

		seed = seed * 1103515245 + 12345;
		argc = (seed >> 16) % 12;
		for (i = 0; i < argc; i++) {
			seed = seed * 1103515245 + 12345;
			argv[i] = (char *)words[(seed >> 16) % ARRAY_SIZE(words)];
		}
		r = swarm_parse_table(argc, argv, &t, &err);
		EXPECT(r == 0 || (r == -EINVAL && err), "iter %u", iter);
		if (!r)
			EXPECT(t.nr_devs >= 1 && t.nr_devs <= 64 &&
			       2 + t.nr_devs <= argc, "iter %u", iter);
	}
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "bad_lines", bad_lines },
		{ "good_lines", good_lines },
		{ "striped_bijective", striped_bijective },
		{ "striped_runs", striped_runs },
		{ "capacity_edge", capacity_edge },
		{ "fuzz_parser", fuzz_parser },
	};

	return utest_run("layout", cases, ARRAY_SIZE(cases));
}
