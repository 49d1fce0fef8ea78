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
 *
 * A rebuild (swarm-rebuild.c) cannot make such an entry whole: once the
 * member is ok again, its new device would return zeros for it. So the
 * entry is *remembered lost* (struct swarm_lost): the rebuild adds it
 * when it meets it, the superblocks record the list (swarm-disk.h) before
 * the member is recorded ok, and reads of it fail at once as before,
 * until a write covers it whole: when that write completes the entry
 * leaves the list in memory, and the superblocks record that at the next
 * flush (REQ_PREFLUSH is held until they do, after the members are
 * flushed: the write's data is durable first), after a FUA write, and
 * at suspend. A crash before leaves the entry lost (EIO), never stale.
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
 * rebuilt is failed for reads), as for the read path (swarm-io.c), or
 * when it is remembered lost (a rebuild found no copy of it): reads of
 * it fail at once with EIO. With a failed member, looks at up to
 * SWARM_LOST_SCAN entries; without, only at the remembered ones. Process
 * context.
 *
 * Return: 0 or -ENOMEM.
 */
int swarm_lost_scan(struct swarm_c *sc, u64 start, struct dm_swarm_range *out,
		    u32 room, u32 *n, u64 *next, u64 *lost, u64 *failed)
{
	u64 end = min(sc->geom.nr_entries, start + SWARM_LOST_SCAN);
	u64 copies[SWARM_MAX_COPIES], e, changes;
	struct swarm_live_map *lm;
	struct swarm_ext *ext;
	bool cleared;
	u32 k = 0, nr, i;

	*lost = 0;
	*n = 0;
	*next = sc->geom.nr_entries;
	*failed = swarm_health_failed(&sc->health);
	/* A copy: the list may change under the scan. */
	ext = kmalloc_array(SWARM_LOST_MAX, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	nr = swarm_lost_snapshot(&sc->lost, ext, &changes, &cleared);
	i = swarm_ext_find(ext, nr, start);
	if (!*failed) {
		for (; i < nr; i++) {
			u64 f = max(ext[i].first, start);

			if (k == room) {
				*next = f;
				break;
			}
			out[k].first = f;
			out[k].count = ext[i].first + ext[i].count - f;
			*lost += out[k].count;
			k++;
		}
		kfree(ext);
		*n = k;
		return 0;
	}
	lm = swarm_live_get(&sc->maps);
	for (e = start; e < end; e++) {
		u32 c = swarm_entry_copies(&sc->geom, lm, e, copies);

		if (!(e & 0xffff))
			cond_resched();
		while (i < nr && ext[i].first + ext[i].count <= e)
			i++;
		if (!(i < nr && ext[i].first <= e) &&
		    !swarm_copies_lost(copies, c, *failed))
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
	kfree(ext);
	*n = k;
	*next = e;
	return 0;
}

/* ---- entries remembered lost ---- */

static void swarm_lost_save_work(struct work_struct *work)
{
	struct swarm_c *sc = container_of(work, struct swarm_c, lost.save);

	swarm_meta_sync_lost(sc);
}

void swarm_lost_init(struct swarm_c *sc)
{
	struct swarm_lost *l = &sc->lost;

	spin_lock_init(&l->lock);
	l->nr = 0;
	l->changes = 0;
	l->cleared = 0;
	l->saved = 0;
	l->entries = 0;
	INIT_WORK(&l->save, swarm_lost_save_work);
}

static u64 swarm_ext_sum(const struct swarm_ext *ext, u32 nr)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < nr; i++)
		sum += ext[i].count;
	return sum;
}

/**
 * swarm_lost_set() - the list the superblocks recorded.
 * @l: the list.
 * @ext: @nr extents, valid (swarm_ext_valid()).
 * @nr: at most SWARM_LOST_MAX.
 *
 * Before the first resume, when no I/O runs.
 */
void swarm_lost_set(struct swarm_lost *l, const struct swarm_ext *ext, u32 nr)
{
	spin_lock_irq(&l->lock);
	memcpy(l->ext, ext, nr * sizeof(*ext));
	l->entries = swarm_ext_sum(ext, nr);
	l->saved = l->changes;
	l->cleared = l->changes;
	WRITE_ONCE(l->nr, nr);
	spin_unlock_irq(&l->lock);
}

/**
 * swarm_lost_add() - remember entries as lost.
 * @l: the list.
 * @first: the first entry.
 * @count: entries, >= 1.
 *
 * Their reads fail from now on. Process context.
 *
 * Return: 0, or -ENOSPC when the list would need more than
 * SWARM_LOST_MAX extents (nothing changed).
 */
int swarm_lost_add(struct swarm_lost *l, u64 first, u64 count)
{
	u32 nr;
	int r;

	spin_lock_irq(&l->lock);
	nr = l->nr;
	r = swarm_ext_add(l->ext, &nr, SWARM_LOST_MAX, first, count);
	if (!r) {
		l->entries = swarm_ext_sum(l->ext, nr);
		l->changes++;
		WRITE_ONCE(l->nr, nr);
	}
	spin_unlock_irq(&l->lock);
	return r;
}

/**
 * swarm_lost_clear() - a write made entries whole.
 * @sc: the target.
 * @first: the first entry the write covered whole.
 * @count: entries, >= 1.
 * @fua: it was a FUA write: record the list now.
 *
 * A range inside an extent that would split it beyond SWARM_LOST_MAX
 * stays lost. Any context (end_io), never sleeps.
 */
void swarm_lost_clear(struct swarm_c *sc, u64 first, u64 count, bool fua)
{
	struct swarm_lost *l = &sc->lost;
	unsigned long flags;
	bool changed = false;
	u32 nr;
	int r;

	spin_lock_irqsave(&l->lock, flags);
	nr = l->nr;
	if (nr && swarm_ext_any(l->ext, nr, first, count)) {
		r = swarm_ext_clear(l->ext, &nr, SWARM_LOST_MAX, first, count);
		if (!r) {
			l->entries = swarm_ext_sum(l->ext, nr);
			l->cleared = ++l->changes;
			WRITE_ONCE(l->nr, nr);
			changed = true;
		}
	}
	spin_unlock_irqrestore(&l->lock, flags);
	if (changed && fua)
		queue_work(sc->wq, &l->save);
}

/* swarm_lost_hit() when something is lost. Any context. */
bool swarm_lost_lookup(struct swarm_lost *l, u64 first, u64 count)
{
	unsigned long flags;
	bool hit;

	spin_lock_irqsave(&l->lock, flags);
	hit = swarm_ext_any(l->ext, l->nr, first, count);
	spin_unlock_irqrestore(&l->lock, flags);
	return hit;
}

/**
 * swarm_lost_snapshot() - the list, for the superblocks.
 * @l: the list.
 * @out: room for SWARM_LOST_MAX extents.
 * @changes: set to the changes it includes (swarm_lost_saved() once it
 *	is recorded).
 * @cleared: set when writes made entries whole since the list was last
 *	recorded: the members must be flushed before it is, so that their
 *	data is durable first.
 *
 * Return: the extents in @out.
 */
u32 swarm_lost_snapshot(struct swarm_lost *l, struct swarm_ext *out,
			u64 *changes, bool *cleared)
{
	u32 nr;

	spin_lock_irq(&l->lock);
	nr = l->nr;
	memcpy(out, l->ext, nr * sizeof(*out));
	*changes = l->changes;
	*cleared = l->cleared > l->saved;
	spin_unlock_irq(&l->lock);
	return nr;
}

/* The superblocks recorded the list up to @changes. */
void swarm_lost_saved(struct swarm_lost *l, u64 changes)
{
	spin_lock_irq(&l->lock);
	if (changes > l->saved)
		WRITE_ONCE(l->saved, changes);
	spin_unlock_irq(&l->lock);
}

/* Entries remembered lost (racy, for status). */
u64 swarm_lost_entries(struct swarm_lost *l)
{
	return READ_ONCE(l->entries);
}
