/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the pure part of the target (geometry, table-line parsing,
 * entry mapping). It has no kernel dependencies beyond a few types and
 * helpers, so the same source builds in the kernel and in user space,
 * where it is unit-tested and fuzzed (see tests/user/).
 */
#ifndef DM_SWARM_CORE_H
#define DM_SWARM_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>

/*
 * Placement runs in process context (the commit ioctl). Sizes follow the
 * device and the upload: fail quietly when they are too large.
 */
#define swarm_zalloc(n, size)	kvcalloc(n, size, GFP_KERNEL | __GFP_NOWARN)
#define swarm_free(p)		kvfree(p)
#else
#include "swarm-user.h"
#endif

#define SWARM_MIN_ENTRY_SECTORS	8U	/* 4 KiB */
#define SWARM_MAX_ENTRY_SECTORS	2048U	/* 1 MiB */
#define SWARM_MAX_DEVS		64U
#define SWARM_MAX_FEATURE_ARGS	16U
#define SWARM_MAX_COPIES	8U
#define SWARM_DEFAULT_MAX_COPIES	SWARM_MAX_COPIES

/**
 * struct swarm_table - a parsed table line.
 * @entry_sectors: entry size in 512-byte sectors.
 * @nr_devs: number of member devices.
 * @dev_paths: the @nr_devs device arguments, pointing into the argv parsed.
 * @nr_feature_args: number of feature arguments that followed the devices.
 * @max_copies: feature "max_copies <n>": copies an entry may have, 1..8.
 * @spare_pct: feature "spare <pct>": capacity replicas leave free, 0..100.
 * @cache_mb: feature "cache_mb <MiB>": the DRAM tier's size, 0 (off, the
 *	default) to SWARM_CACHE_MAX_MB (swarm-cache.c).
 * @min_copies: feature "min_copies <n>": copies every entry has, on
 *	distinct members, 1 (the default) to min(8, @nr_devs), at most
 *	@max_copies.
 * @migrate_rate: feature "migrate_rate <MiB/s>": the cap of a migration's
 *	copies (swarm-migrate.c), 0 (none, the default) to
 *	SWARM_MIGRATE_RATE_MAX; a message changes it, and the table line
 *	dmsetup prints says what is in force, so a reload keeps it.
 * @rebuild_rate: feature "rebuild_rate <KiB/s>": the same for a rebuild's
 *	copies (swarm-rebuild.c), 0 to SWARM_REBUILD_RATE_MAX.
 * @given: SWARM_FEAT_* bits of the features given; "format" has no value.
 */
struct swarm_table {
	u32 entry_sectors;
	u32 nr_devs;
	char **dev_paths;
	u32 nr_feature_args;
	u32 max_copies;
	u32 spare_pct;
	u32 cache_mb;
	u32 min_copies;
	u32 migrate_rate;
	u32 rebuild_rate;
	u32 given;
};

#define SWARM_FEAT_MAX_COPIES	1U
#define SWARM_FEAT_SPARE	2U
#define SWARM_FEAT_FORMAT	4U
#define SWARM_FEAT_CACHE	8U
#define SWARM_FEAT_MIN_COPIES	16U
#define SWARM_FEAT_MIGRATE_RATE	32U
#define SWARM_FEAT_REBUILD_RATE	64U

/* The largest rate caps: migrate_rate in MiB/s, rebuild_rate in KiB/s. */
#define SWARM_MIGRATE_RATE_MAX	1048576U
#define SWARM_REBUILD_RATE_MAX	1073741824U

/* The largest DRAM tier, MiB. */
#define SWARM_CACHE_MAX_MB	1048576U

/**
 * struct swarm_geom - geometry of a swarm, derived from the table line and
 * the member sizes.
 * @entry_sectors: entry size in sectors, a power of two.
 * @entry_shift: log2(@entry_sectors).
 * @nr_devs: number of member devices.
 * @nr_entries: number of entries the target exposes (target length / entry).
 * @dev_slots: entry slots available on each member (the smallest one's).
 * @data_start: first sector of the slot area on each member.
 * @run_shift: log2 of the entries in a run of striped entries, the chunk
 *	of RAID0: runs of consecutive entries go to the members in turn.
 * @striped_full: entries in whole rows of runs (a run on every member);
 *	the entries after them are striped one by one.
 * @min_copies: copies every entry has (the table's min_copies); with
 *	more than one, entries always go by a placement (swarm-place.c),
 *	never by swarm_striped_loc().
 */
struct swarm_geom {
	u32 entry_sectors;
	u32 entry_shift;
	u32 nr_devs;
	u64 nr_entries;
	u64 dev_slots;
	u64 data_start;
	u32 run_shift;
	u64 striped_full;
	u32 min_copies;
};

/*
 * The run of striped entries: 512 KiB (2^10 sectors), mdadm's default
 * RAID0 chunk; one entry for entries of 512 KiB and more.
 */
#define SWARM_RUN_SECTORS_SHIFT	10U
#define SWARM_MAX_RUN_SHIFT	20U

/**
 * struct swarm_loc - one physical copy of an entry.
 * @dev: member index.
 * @slot: entry slot on that member.
 */
struct swarm_loc {
	u32 dev;
	u64 slot;
};

int swarm_parse_table(unsigned int argc, char **argv, struct swarm_table *t,
		      char **error);
int swarm_geom_init(struct swarm_geom *g, const struct swarm_table *t,
		    u64 target_sectors, const u64 *dev_sectors,
		    char **error);
int swarm_check_unique(const u64 *ids, u32 n);
void swarm_geom_set_run(struct swarm_geom *g, u32 run_shift);
u64 swarm_geom_slots_needed(const struct swarm_geom *g);

/**
 * swarm_striped_loc() - where an entry lives without a cluster map.
 * @g: geometry.
 * @entry: entry index, < @g->nr_entries.
 *
 * Runs of 2^@g->run_shift consecutive entries go to the members in turn,
 * in consecutive slots: RAID0 with a chunk of one run (the paper's "No
 * Cluster" layout when a run is one entry). The entries after the last
 * whole row of runs are striped one by one, so that no member needs more
 * than ceil(entries / members) slots.
 */
static inline struct swarm_loc swarm_striped_loc(const struct swarm_geom *g,
						 u64 entry)
{
	struct swarm_loc loc;
	u64 row;

	if (entry < g->striped_full) {
		row = div_u64_rem(entry >> g->run_shift, g->nr_devs, &loc.dev);
		loc.slot = (row << g->run_shift) |
			   (entry & ((1ULL << g->run_shift) - 1));
	} else {
		loc.slot = div_u64_rem(entry - g->striped_full, g->nr_devs,
				       &loc.dev) +
			   div_u64(g->striped_full, g->nr_devs);
	}
	return loc;
}

/**
 * swarm_striped_run() - striped entries from @entry on in consecutive
 *	slots of one member.
 * @g: geometry.
 * @entry: entry index, < @g->nr_entries.
 *
 * Return: >= 1.
 */
static inline u64 swarm_striped_run(const struct swarm_geom *g, u64 entry)
{
	if (entry >= g->striped_full)
		return 1;
	return (1ULL << g->run_shift) - (entry & ((1ULL << g->run_shift) - 1));
}

/**
 * swarm_slot_sector() - first member sector of a slot.
 * @g: geometry.
 * @slot: slot index, < @g->dev_slots.
 */
static inline u64 swarm_slot_sector(const struct swarm_geom *g, u64 slot)
{
	return g->data_start + (slot << g->entry_shift);
}

#endif /* DM_SWARM_CORE_H */
