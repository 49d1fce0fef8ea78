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
		{ "capacity_edge", capacity_edge },
		{ "fuzz_parser", fuzz_parser },
	};

	return utest_run("layout", cases, ARRAY_SIZE(cases));
}
