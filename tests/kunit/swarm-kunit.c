// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for dm-swarm's pure code: table-line parsing, geometry and
 * the entry mapping. Built as dm-swarm-test.ko; the code under test is
 * compiled in from the same source files as dm-swarm.ko.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../../kmod/swarm-layout.c"
#include "../../kmod/swarm-place.c"
#include "../../kmod/swarm-disk.c"
#include "../../kmod/swarm-cache-policy.c"
#include "../../kmod/swarm-select.h"
#include "../../kmod/swarm-health.h"
#include "../common/swarm-vectors.h"

#define CHECK(ctx, cond, ...) \
	KUNIT_EXPECT_TRUE_MSG(((struct kunit *)(ctx)), cond, __VA_ARGS__)
#include "../common/place-cases.h"
#include "../common/select-cases.h"
#include "../common/disk-cases.h"
#include "../common/cache-cases.h"
#include "../common/redund-cases.h"
#include "../common/lost-cases.h"

#define SECTORS_PER_GIB BIT_ULL(21)
#define MAX_WORDS 80

/* Parse a table line given as one string; the words point into @buf. */
static int parse_line(struct kunit *test, const char *line,
		      struct swarm_table *t, char **error)
{
	size_t len = strlen(line) + 1;
	char *buf = kunit_kzalloc(test, len, GFP_KERNEL);
	char **argv = kunit_kcalloc(test, MAX_WORDS, sizeof(*argv), GFP_KERNEL);
	unsigned int argc = 0;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, argv);
	strscpy(buf, line, len);
	p = buf;
	while (p && argc < MAX_WORDS) {
		char *w = strsep(&p, " ");

		if (*w)
			argv[argc++] = w;
	}
	*error = NULL;
	return swarm_parse_table(argc, argv, t, error);
}

#define SIXTY_FOUR_DEVS "128 64 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 " \
	"19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 " \
	"42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63"

static void parse_valid(struct kunit *test)
{
	struct swarm_table t;
	char *err;

	KUNIT_ASSERT_EQ(test, 0, parse_line(test, "8 4 a b c d", &t, &err));
	KUNIT_EXPECT_EQ(test, 8U, t.entry_sectors);
	KUNIT_EXPECT_EQ(test, 4U, t.nr_devs);
	KUNIT_EXPECT_STREQ(test, "a", t.dev_paths[0]);
	KUNIT_EXPECT_STREQ(test, "d", t.dev_paths[3]);
	KUNIT_EXPECT_EQ(test, 0U, t.nr_feature_args);
	KUNIT_EXPECT_EQ(test, 8U, t.max_copies);
	KUNIT_EXPECT_EQ(test, 0U, t.spare_pct);

	KUNIT_ASSERT_EQ(test, 0, parse_line(test, "8 2 a b 4 max_copies 3 spare 20",
					    &t, &err));
	KUNIT_EXPECT_EQ(test, 3U, t.max_copies);
	KUNIT_EXPECT_EQ(test, 20U, t.spare_pct);
	KUNIT_EXPECT_EQ(test, SWARM_FEAT_MAX_COPIES | SWARM_FEAT_SPARE, t.given);

	/* Boundaries: 4 KiB and 1 MiB entries, 1 and 64 devices. */
	KUNIT_EXPECT_EQ(test, 0, parse_line(test, "2048 1 a", &t, &err));
	KUNIT_EXPECT_EQ(test, 0, parse_line(test, "8 1 a 0", &t, &err));
	KUNIT_ASSERT_EQ(test, 0, parse_line(test, SIXTY_FOUR_DEVS, &t, &err));
	KUNIT_EXPECT_EQ(test, 64U, t.nr_devs);
	KUNIT_EXPECT_STREQ(test, "63", t.dev_paths[63]);
}

static void parse_invalid(struct kunit *test)
{
	struct swarm_table t;
	char *err;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(swarm_bad_lines); i++) {
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,
				    parse_line(test, swarm_bad_lines[i].line, &t, &err),
				    "line '%s'", swarm_bad_lines[i].line);
		KUNIT_EXPECT_STREQ_MSG(test, swarm_bad_lines[i].error, err,
				       "line '%s'", swarm_bad_lines[i].line);
	}
}

static int geom(struct kunit *test, const char *line, u64 len,
		const u64 *sizes, struct swarm_geom *g, char **err)
{
	struct swarm_table t;

	KUNIT_ASSERT_EQ(test, 0, parse_line(test, line, &t, err));
	return swarm_geom_init(g, &t, len, sizes, err);
}

static void geom_valid(struct kunit *test)
{
	const u64 sizes[] = { SECTORS_PER_GIB, SECTORS_PER_GIB + 7,
			      2 * SECTORS_PER_GIB, SECTORS_PER_GIB };
	struct swarm_geom g;
	char *err;

	/* 4 x 1 GiB of 4 KiB entries: exactly full. */
	KUNIT_EXPECT_EQ(test, 0, geom(test, "8 4 a b c d", 4 * SECTORS_PER_GIB,
				      sizes, &g, &err));
	KUNIT_EXPECT_EQ(test, 3U, g.entry_shift);
	KUNIT_EXPECT_EQ(test, 1ULL << 20, g.nr_entries);
	KUNIT_EXPECT_EQ(test, 1ULL << 18, g.dev_slots);

	/* One entry, 1 MiB. */
	KUNIT_EXPECT_EQ(test, 0, geom(test, "2048 4 a b c d", 2048, sizes,
				      &g, &err));
	KUNIT_EXPECT_EQ(test, 1ULL, g.nr_entries);
	KUNIT_EXPECT_EQ(test, 11U, g.entry_shift);
}

static void geom_invalid(struct kunit *test)
{
	const u64 sizes[] = { SECTORS_PER_GIB, SECTORS_PER_GIB, 7,
			      SECTORS_PER_GIB };
	const u64 big[] = { SECTORS_PER_GIB, SECTORS_PER_GIB };
	struct swarm_geom g;
	char *err;

	KUNIT_EXPECT_EQ(test, -EINVAL, geom(test, "8 2 a b", 12, big, &g, &err));
	KUNIT_EXPECT_STREQ(test, "Target length is not a multiple of the entry size", err);
	KUNIT_EXPECT_EQ(test, -EINVAL, geom(test, "8 2 a b", 0, big, &g, &err));
	KUNIT_EXPECT_STREQ(test, "Target length is not a multiple of the entry size", err);
	KUNIT_EXPECT_EQ(test, -EINVAL, geom(test, "8 4 a b c d", 64, sizes, &g, &err));
	KUNIT_EXPECT_STREQ(test, "Device too small to hold one entry", err);
	/* One entry more than two members hold. */
	KUNIT_EXPECT_EQ(test, -EINVAL, geom(test, "8 2 a b",
					    2 * SECTORS_PER_GIB + 8, big, &g, &err));
	KUNIT_EXPECT_STREQ(test, "Target length is larger than the devices hold", err);
	/* A target of 3 entries over 2 members needs 2 slots on each. */
	{
		const u64 small[] = { 16, 8 };

		KUNIT_EXPECT_EQ(test, -EINVAL, geom(test, "8 2 a b", 24, small,
						    &g, &err));
		KUNIT_EXPECT_EQ(test, 0, geom(test, "8 2 a b", 16, small, &g, &err));
	}
}

/*
 * 8 KiB entries over 3 members: runs of 64 entries (512 KiB), whole rows
 * of runs up to entry 2880, then one entry a member.
 */
static void striped_mapping(struct kunit *test)
{
	const u64 sizes[] = { 1 << 20, 1 << 20, 1 << 20 };
	struct swarm_geom g;
	struct swarm_loc loc;
	u64 e, slot;
	char *err;
	u32 dev;

	KUNIT_ASSERT_EQ(test, 0, geom(test, "16 3 a b c", 3 * 16 * 1000,
				      sizes, &g, &err));
	KUNIT_EXPECT_EQ(test, 6U, g.run_shift);
	KUNIT_EXPECT_EQ(test, 2880ULL, g.striped_full);
	for (e = 0; e < g.nr_entries; e++) {
		if (e < 2880) {
			dev = (e / 64) % 3;
			slot = e / 64 / 3 * 64 + e % 64;
		} else {
			dev = (e - 2880) % 3;
			slot = 960 + (e - 2880) / 3;
		}
		loc = swarm_striped_loc(&g, e);
		KUNIT_EXPECT_EQ(test, dev, loc.dev);
		KUNIT_EXPECT_EQ(test, slot, loc.slot);
		KUNIT_EXPECT_EQ(test, slot * 16, swarm_slot_sector(&g, loc.slot));
		KUNIT_EXPECT_EQ(test, e < 2880 ? 64 - e % 64 : 1,
				swarm_striped_run(&g, e));
	}
	loc = swarm_striped_loc(&g, g.nr_entries - 1);
	KUNIT_EXPECT_EQ(test, 2U, loc.dev);
	KUNIT_EXPECT_EQ(test, 999ULL, loc.slot);
	KUNIT_EXPECT_LT(test, loc.slot, g.dev_slots);
}

static void unique_ids(struct kunit *test)
{
	const u64 ok[] = { 1, 2, 3, 4 };
	const u64 dup[] = { 1, 2, 3, 1 };

	KUNIT_EXPECT_EQ(test, 0, swarm_check_unique(ok, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, swarm_check_unique(dup, 4));
	KUNIT_EXPECT_EQ(test, 0, swarm_check_unique(dup, 1));
}

static struct kunit_case swarm_table_cases[] = {
	KUNIT_CASE(parse_valid),
	KUNIT_CASE(parse_invalid),
	KUNIT_CASE(geom_valid),
	KUNIT_CASE(geom_invalid),
	{}
};

static struct kunit_suite swarm_table_suite = {
	.name = "dm-swarm-table",
	.test_cases = swarm_table_cases,
};

static struct kunit_case swarm_mapping_cases[] = {
	KUNIT_CASE(striped_mapping),
	KUNIT_CASE(unique_ids),
	{}
};

static struct kunit_suite swarm_mapping_suite = {
	.name = "dm-swarm-mapping",
	.test_cases = swarm_mapping_cases,
};

#define SHARED_CASE(f) \
	static void f ## _kunit(struct kunit *test) { f(test); }
SHARED_CASE(case_eq7)
SHARED_CASE(case_replication)
SHARED_CASE(case_budget)
SHARED_CASE(case_anti_affinity)
SHARED_CASE(case_capacity_balance)
SHARED_CASE(case_random)
SHARED_CASE(case_validation)
SHARED_CASE(case_min_default)
SHARED_CASE(case_min_upload)
SHARED_CASE(case_min_stable)
SHARED_CASE(case_min_table)
SHARED_CASE(case_least_loaded)
SHARED_CASE(case_spread)
SHARED_CASE(case_gap)
SHARED_CASE(case_gap_batch)
SHARED_CASE(case_choose_ok)
SHARED_CASE(case_disk_layout)
SHARED_CASE(case_disk_superblock)
SHARED_CASE(case_disk_beside_records)
SHARED_CASE(case_lost_ext)
SHARED_CASE(case_lost_random)
SHARED_CASE(case_lost_sb)
SHARED_CASE(case_cache_weight)
SHARED_CASE(case_cache_f_update)
SHARED_CASE(case_cache_heap_order)
SHARED_CASE(case_cache_lru_order)
SHARED_CASE(case_cache_random)
SHARED_CASE(case_cache_cold)

/* The DRAM tier's policies: the score, f_C, the heap, LRU, cold misses. */
static struct kunit_case swarm_cache_cases[] = {
	KUNIT_CASE(case_cache_weight_kunit),
	KUNIT_CASE(case_cache_f_update_kunit),
	KUNIT_CASE(case_cache_heap_order_kunit),
	KUNIT_CASE(case_cache_lru_order_kunit),
	KUNIT_CASE(case_cache_random_kunit),
	KUNIT_CASE(case_cache_cold_kunit),
	{}
};

static struct kunit_suite swarm_cache_suite = {
	.name = "dm-swarm-cache",
	.test_cases = swarm_cache_cases,
};

static struct kunit_case swarm_disk_cases[] = {
	KUNIT_CASE(case_disk_layout_kunit),
	KUNIT_CASE(case_disk_superblock_kunit),
	KUNIT_CASE(case_disk_beside_records_kunit),
	KUNIT_CASE(case_lost_ext_kunit),
	KUNIT_CASE(case_lost_random_kunit),
	KUNIT_CASE(case_lost_sb_kunit),
	{}
};

static struct kunit_suite swarm_disk_suite = {
	.name = "dm-swarm-disk",
	.test_cases = swarm_disk_cases,
};

static struct kunit_case swarm_place_cases[] = {
	KUNIT_CASE(case_eq7_kunit),
	KUNIT_CASE(case_replication_kunit),
	KUNIT_CASE(case_budget_kunit),
	KUNIT_CASE(case_anti_affinity_kunit),
	KUNIT_CASE(case_capacity_balance_kunit),
	KUNIT_CASE(case_random_kunit),
	KUNIT_CASE(case_validation_kunit),
	KUNIT_CASE(case_min_default_kunit),
	KUNIT_CASE(case_min_upload_kunit),
	KUNIT_CASE(case_min_stable_kunit),
	KUNIT_CASE(case_min_table_kunit),
	{}
};

static struct kunit_suite swarm_place_suite = {
	.name = "dm-swarm-place",
	.test_cases = swarm_place_cases,
};

/* Which I/O errors fail a member (swarm-health.h). */
static void health_status(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_OK));
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_AGAIN));
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_NOTSUPP));
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_RESOURCE));
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_DEV_RESOURCE));
	KUNIT_EXPECT_FALSE(test, swarm_status_fails_member(BLK_STS_NOSPC));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_IOERR));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_MEDIUM));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_TIMEOUT));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_TRANSPORT));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_TARGET));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_PROTECTION));
	KUNIT_EXPECT_TRUE(test, swarm_status_fails_member(BLK_STS_OFFLINE));
}

static struct kunit_case swarm_select_cases[] = {
	KUNIT_CASE(case_least_loaded_kunit),
	KUNIT_CASE(case_spread_kunit),
	KUNIT_CASE(case_gap_kunit),
	KUNIT_CASE(case_gap_batch_kunit),
	KUNIT_CASE(case_choose_ok_kunit),
	KUNIT_CASE(health_status),
	{}
};

static struct kunit_suite swarm_select_suite = {
	.name = "dm-swarm-select",
	.test_cases = swarm_select_cases,
};

kunit_test_suites(&swarm_table_suite, &swarm_mapping_suite, &swarm_place_suite,
		  &swarm_select_suite, &swarm_disk_suite, &swarm_cache_suite);

MODULE_DESCRIPTION("KUnit tests for dm-swarm");
MODULE_LICENSE("GPL");
