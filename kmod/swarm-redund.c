// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: redundancy on demand (the table's min_copies feature).
 *
 * With min_copies m > 1 every entry has m copies on distinct members, so
 * that a failed member loses no entry. Every committed map gives them
 * (swarm-place.c's top_up()); a set without a cluster map gets the
 * default placement (swarm_place_default(): runs striped as without a
 * map, copy k of a run on the member k after the run's), committed as
 * an ordinary map when the set is formatted. The I/O path needs nothing
 * new: reads pick a copy on a member that is ok and fail over, writes go
 * to every copy. The superblocks record m (swarm-meta.c), and a table
 * that gives another value is refused.
 *
 * Without it, an entry whose copies are all on failed members is lost:
 * its reads fail at once (swarm-io.c), and swarm_lost_scan() lists them
 * for DM_SWARM_LOST, so that an inference engine drops them from its
 * index and recomputes them.
 */
#include <linux/device-mapper.h>
#include <linux/dm-swarm.h>
#include <linux/sched.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

/**
 * swarm_redund_load() - give a set with min_copies its default placement.
 * @sc: the target, its metadata loaded (swarm_meta_load()).
 *
 * Preresume, before the first I/O reaches the table. Does nothing for
 * one copy, or when a map is committed.
 *
 * Return: 0, -EINVAL for a set that holds data without a map (its
 * entries have one copy: it cannot gain copies in place), -ENOSPC,
 * -ENOMEM or an I/O error of the commit.
 */
int swarm_redund_load(struct swarm_c *sc)
{
	struct swarm_live_map *lm;
	char *err = "";
	int r;

	if (sc->geom.min_copies <= 1 || rcu_access_pointer(sc->maps.live))
		return 0;
	if (READ_ONCE(sc->has_data)) {
		DMERR("%s: min_copies %u: the set holds data with one copy of each entry",
		      swarm_name(sc), sc->geom.min_copies);
		return -EINVAL;
	}
	lm = swarm_live_alloc();
	if (!lm)
		return -ENOMEM;
	r = swarm_place_default(&sc->geom, sc->geom.min_copies, &lm->pl, &err);
	if (r) {
		DMERR("%s: min_copies %u: %s", swarm_name(sc),
		      sc->geom.min_copies, err);
		goto bad;
	}
	lm->generation = swarm_meta_generation(sc) + 1;
	r = swarm_meta_commit(sc, &lm->pl, lm->generation,
			      swarm_meta_flags(sc));
	if (r)
		goto bad;
	DMINFO("%s: min_copies %u: map generation %llu, %llu copies of %llu entries",
	       swarm_name(sc), sc->geom.min_copies, lm->generation,
	       lm->pl.nr_copies, lm->pl.nr_entries);
	/* No I/O reaches a table before its first resume. */
	swarm_live_put(swarm_live_publish(&sc->maps, lm));
	return 0;
bad:
	swarm_live_free(lm);
	return r;
}

/* Entries DM_SWARM_LOST looks at in one call. */
#define SWARM_LOST_SCAN	BIT_ULL(20)

/* Are all @n copies of an entry on members in @failed? */
static bool swarm_copies_lost(const u64 *copies, u32 n, u64 failed)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!(failed & BIT_ULL(swarm_loc_decode(copies[i]).dev)))
			return false;
	return true;
}

/**
 * swarm_lost_scan() - the ranges of entries no copy of which can be read.
 * @sc: the target.
 * @start: the first entry to look at, < the device's entries.
 * @out: room for @room ranges.
 * @room: >= 1.
 * @n: set to the ranges filled.
 * @next: set to the entry to go on from (the device's entries: done).
 * @lost: set to the entries in the ranges.
 * @failed: set to the failed members the scan went by.
 *
 * An entry is lost when every copy is on a failed member (a member being
 * rebuilt is failed for reads), as for the read path (swarm-io.c):
 * reads of it fail at once with EIO. Looks at up to SWARM_LOST_SCAN
 * entries; process context.
 */
void swarm_lost_scan(struct swarm_c *sc, u64 start, struct dm_swarm_range *out,
		     u32 room, u32 *n, u64 *next, u64 *lost, u64 *failed)
{
	u64 end = min(sc->geom.nr_entries, start + SWARM_LOST_SCAN);
	u64 copies[SWARM_MAX_COPIES], e;
	struct swarm_live_map *lm;
	u32 k = 0;

	*lost = 0;
	*failed = swarm_health_failed(&sc->health);
	if (!*failed) {
		*n = 0;
		*next = sc->geom.nr_entries;
		return;
	}
	lm = swarm_live_get(&sc->maps);
	for (e = start; e < end; e++) {
		u32 c = swarm_entry_copies(&sc->geom, lm, e, copies);

		if (!(e & 0xffff))
			cond_resched();
		if (!swarm_copies_lost(copies, c, *failed))
			continue;
		if (k && out[k - 1].first + out[k - 1].count == e) {
			out[k - 1].count++;
		} else {
			if (k == room)
				break;
			out[k].first = e;
			out[k].count = 1;
			k++;
		}
		(*lost)++;
	}
	swarm_live_put(lm);
	*n = k;
	*next = e;
}
