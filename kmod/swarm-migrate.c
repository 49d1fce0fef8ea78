// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: online migration to a new map.
 *
 * A map committed on a device that holds data is placed in the slots the
 * live map leaves free (swarm_place_beside()), so moving the data never
 * overwrites a slot the live map uses: the old map stays whole on disk
 * until the new one is committed, and a crash at any point leaves one of
 * the two fully valid.
 *
 * The entries are copied in windows of about SWARM_MIG_WINDOW bytes, in
 * entry order, with dm-kcopyd (one job per entry, one destination per new
 * copy). For each window:
 *
 *   1. step: writes to the window's entries are parked from now on, and
 *      the step waits for writes already sent to complete;
 *   2. step: one kcopyd job per entry, from a live copy to every new one;
 *   3. window_done: entries below the window's end count as copied;
 *      writes to them go to the old and the new copies; parked writes
 *      are released.
 *
 * Reads use the live map throughout. When every entry is copied, the new
 * map is written to the members (swarm_meta_commit()) and made live.
 *
 * During a migration every write goes through the worker. The worker, the
 * steps and window_done run on one ordered workqueue, so they never run
 * at once and the window fields need no lock.
 */
#include <linux/dm-kcopyd.h>
#include <linux/jiffies.h>
#include <linux/sched/mm.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

#define SWARM_MIG_WINDOW	(4U << 20)	/* bytes per window */

static u64 swarm_mig_window_entries(const struct swarm_geom *g)
{
	return max_t(u64, 1, SWARM_MIG_WINDOW >> (g->entry_shift + SECTOR_SHIFT));
}

static void swarm_mig_release_parked(struct swarm_c *sc)
{
	struct bio_list bios = sc->mig.parked;

	bio_list_init(&sc->mig.parked);
	swarm_requeue(sc, &bios);
}

static void swarm_mig_end(struct swarm_c *sc, u32 state, int error)
{
	struct swarm_mig *mig = &sc->mig;

	mig->ms = div_u64(ktime_get_ns() - mig->start_ns, NSEC_PER_MSEC);
	mig->error = error;
	mig->win_lo = 0;
	mig->win_hi = 0;
	WRITE_ONCE(mig->state, state);
	wake_up_all(&mig->wait);
}

static void swarm_mig_fail(struct swarm_c *sc, int error)
{
	struct swarm_live_map *to = sc->mig.to;

	DMERR("%s: migration to generation %llu failed (%d) at entry %llu of %llu; old map kept",
	      swarm_name(sc), to->generation, error, sc->mig.copied,
	      sc->mig.total);
	sc->mig.to = NULL;
	WRITE_ONCE(sc->migrating, false);
	swarm_mig_end(sc, DM_SWARM_MIGRATE_FAILED, error);
	swarm_mig_release_parked(sc);
	swarm_put_map(to);
}

/* Every entry is copied: commit the new map, then make it live. */
static void swarm_mig_finish(struct swarm_c *sc)
{
	struct swarm_mig *mig = &sc->mig;
	struct swarm_live_map *to = mig->to, *old;
	unsigned int noio;
	u64 ms;
	int r;

	/* Writes to this device may wait for us: no I/O from reclaim. */
	noio = memalloc_noio_save();
	r = swarm_meta_commit(sc, &to->m, to->generation, SWARM_SB_HAS_DATA);
	memalloc_noio_restore(noio);
	if (r) {
		swarm_mig_fail(sc, r);
		return;
	}
	/* Writes wait while the map changes: they must not mix the two. */
	WRITE_ONCE(sc->committing, true);
	synchronize_rcu();
	old = rcu_dereference_protected(sc->map, 1);
	rcu_assign_pointer(sc->map, to);
	mig->to = NULL;
	WRITE_ONCE(sc->migrating, false);
	WRITE_ONCE(sc->committing, false);
	swarm_mig_end(sc, DM_SWARM_MIGRATE_DONE, 0);
	queue_work(sc->wq, &sc->worker);
	swarm_put_map(old);

	ms = max_t(u64, mig->ms, 1);
	DMINFO("%s: migrated to generation %llu: %llu entries, %llu MiB in %llu ms, %llu MiB/s",
	       swarm_name(sc), to->generation, mig->total,
	       mig->bytes >> 20, mig->ms, div64_u64(mig->bytes * 1000, ms) >> 20);
}

static void swarm_mig_copied(int read_err, unsigned long write_err, void *context)
{
	struct swarm_c *sc = context;

	if (read_err || write_err)
		cmpxchg(&sc->mig.error, 0, -EIO);
	if (atomic_dec_and_test(&sc->mig.jobs))
		queue_work(sc->wq, &sc->mig.window_done);
}

/* How long to wait before the next window to keep under the rate cap. */
static unsigned long swarm_mig_delay(struct swarm_mig *mig)
{
	u64 rate = READ_ONCE(mig->rate), elapsed, allowed;

	if (!rate)
		return 0;
	elapsed = ktime_get_ns() - mig->start_ns;
	allowed = div64_u64(rate * div_u64(elapsed, NSEC_PER_USEC), USEC_PER_SEC);
	if (mig->bytes <= allowed)
		return 0;
	return max_t(unsigned long, 1,
		     nsecs_to_jiffies(div64_u64((mig->bytes - allowed) * NSEC_PER_SEC, rate)));
}

static void swarm_mig_step(struct work_struct *work)
{
	struct swarm_c *sc = container_of(to_delayed_work(work), struct swarm_c,
					  mig.step);
	struct swarm_mig *mig = &sc->mig;
	const struct swarm_geom *g = &sc->geom;
	struct dm_io_region from, dests[SWARM_MAX_COPIES];
	u64 old[SWARM_MAX_COPIES], new[SWARM_MAX_COPIES], e;
	struct swarm_live_map *lm;
	unsigned long delay;
	u32 n, i;

	/* A window in flight queues us again when it is done. */
	if (mig->state != DM_SWARM_MIGRATE_RUNNING || mig->win_hi != mig->win_lo)
		return;
	if (READ_ONCE(mig->pause)) {
		WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_PAUSED);
		wake_up_all(&mig->wait);
		return;
	}
	if (mig->copied >= mig->total) {
		swarm_mig_finish(sc);
		return;
	}
	delay = swarm_mig_delay(mig);
	if (delay) {
		queue_delayed_work(sc->wq, &mig->step, delay);
		return;
	}

	mig->win_lo = mig->copied;
	mig->win_hi = min(mig->total, mig->win_lo + swarm_mig_window_entries(g));
	/* Writes sent before the window was set must land before we copy. */
	wait_event(mig->wait, !atomic_read(&sc->writes_inflight));

	/* The live map cannot change during a migration: commits are refused. */
	lm = rcu_dereference_protected(sc->map, 1);
	atomic_set(&mig->jobs, 1);
	for (e = mig->win_lo; e < mig->win_hi; e++) {
		struct swarm_loc src;

		swarm_entry_copies(sc, lm, e, old);
		src = swarm_loc_decode(old[0]);
		from.bdev = sc->devs[src.dev].dm_dev->bdev;
		from.sector = swarm_slot_sector(g, src.slot);
		from.count = g->entry_sectors;
		n = swarm_entry_copies(sc, mig->to, e, new);
		for (i = 0; i < n; i++) {
			struct swarm_loc dst = swarm_loc_decode(new[i]);

			dests[i].bdev = sc->devs[dst.dev].dm_dev->bdev;
			dests[i].sector = swarm_slot_sector(g, dst.slot);
			dests[i].count = g->entry_sectors;
		}
		atomic_inc(&mig->jobs);
		dm_kcopyd_copy(mig->kc, &from, n, dests, 0, swarm_mig_copied, sc);
		mig->bytes += (u64)n << (g->entry_shift + SECTOR_SHIFT);
	}
	if (atomic_dec_and_test(&mig->jobs))
		queue_work(sc->wq, &mig->window_done);
}

static void swarm_mig_window_done(struct work_struct *work)
{
	struct swarm_c *sc = container_of(work, struct swarm_c, mig.window_done);
	struct swarm_mig *mig = &sc->mig;

	if (mig->error) {
		swarm_mig_fail(sc, mig->error);
		return;
	}
	/* From now on writes to the window go to both maps. */
	WRITE_ONCE(mig->copied, mig->win_hi);
	mig->win_lo = 0;
	mig->win_hi = 0;
	swarm_mig_release_parked(sc);
	queue_delayed_work(sc->wq, &mig->step, 0);
}

/**
 * swarm_mig_park() - hold a write to an entry being copied.
 * @sc: the target, migrating; called from the worker.
 * @bio: the write.
 * @entry: its entry.
 *
 * Return: true if the bio was parked until its window is copied.
 */
bool swarm_mig_park(struct swarm_c *sc, struct bio *bio, u64 entry)
{
	if (entry < sc->mig.win_lo || entry >= sc->mig.win_hi)
		return false;
	bio_list_add(&sc->mig.parked, bio);
	return true;
}

/**
 * swarm_mig_copies() - the new copies a write must also reach.
 * @sc: the target, migrating; called from the worker.
 * @entry: the entry written.
 * @copies: filled with up to SWARM_MAX_COPIES encoded copies.
 *
 * Return: how many: none until the entry is copied.
 */
u32 swarm_mig_copies(struct swarm_c *sc, u64 entry, u64 *copies)
{
	if (!sc->mig.to || entry >= sc->mig.copied)
		return 0;
	return swarm_entry_copies(sc, sc->mig.to, entry, copies);
}

/**
 * swarm_mig_start() - start moving the data to @to.
 * @sc: the target, with writes held (committing) and the worker idle.
 * @to: the new map, placed beside the live one, with its generation.
 *
 * Return: 0 or -ENOMEM; on success the migration owns @to.
 */
int swarm_mig_start(struct swarm_c *sc, struct swarm_live_map *to)
{
	struct swarm_mig *mig = &sc->mig;

	if (!mig->kc) {
		struct dm_kcopyd_client *kc = dm_kcopyd_client_create(NULL);

		if (IS_ERR(kc))
			return PTR_ERR(kc);
		mig->kc = kc;
	}
	mig->to = to;
	mig->generation = to->generation;
	mig->total = sc->geom.nr_entries;
	mig->copied = 0;
	mig->win_lo = 0;
	mig->win_hi = 0;
	mig->bytes = 0;
	mig->error = 0;
	mig->ms = 0;
	mig->pause = false;
	mig->start_ns = ktime_get_ns();
	WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_RUNNING);
	WRITE_ONCE(sc->migrating, true);
	DMINFO("%s: migrating %llu entries to map generation %llu (%llu copies)",
	       swarm_name(sc), mig->total, to->generation,
	       to->m.nr_copies);
	queue_delayed_work(sc->wq, &mig->step, 0);
	return 0;
}

/**
 * swarm_mig_pause() - presuspend: stop after the window in flight.
 * @sc: the target.
 *
 * Parked writes are released when that window is done, so the suspend's
 * wait for in-flight bios ends.
 */
void swarm_mig_pause(struct swarm_c *sc)
{
	struct swarm_mig *mig = &sc->mig;

	if (READ_ONCE(mig->state) != DM_SWARM_MIGRATE_RUNNING)
		return;
	WRITE_ONCE(mig->pause, true);
	mod_delayed_work(sc->wq, &mig->step, 0);
	wait_event(mig->wait, READ_ONCE(mig->state) != DM_SWARM_MIGRATE_RUNNING);
}

/**
 * swarm_mig_resume() - resume or presuspend_undo: go on where it stopped.
 * @sc: the target.
 */
void swarm_mig_resume(struct swarm_c *sc)
{
	struct swarm_mig *mig = &sc->mig;

	WRITE_ONCE(mig->pause, false);
	if (READ_ONCE(mig->state) != DM_SWARM_MIGRATE_PAUSED)
		return;
	WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_RUNNING);
	queue_delayed_work(sc->wq, &mig->step, 0);
}

void swarm_mig_init(struct swarm_c *sc)
{
	struct swarm_mig *mig = &sc->mig;

	INIT_DELAYED_WORK(&mig->step, swarm_mig_step);
	INIT_WORK(&mig->window_done, swarm_mig_window_done);
	init_waitqueue_head(&mig->wait);
	bio_list_init(&mig->parked);
	atomic_set(&mig->jobs, 0);
}

/*
 * The destructor, after the workqueue is gone: a paused migration is
 * abandoned; the old map is the committed one.
 */
void swarm_mig_exit(struct swarm_c *sc)
{
	struct swarm_mig *mig = &sc->mig;

	if (mig->to)
		DMINFO("%s: migration to map generation %llu abandoned at %llu of %llu entries",
		       swarm_name(sc), mig->to->generation, mig->copied,
		       mig->total);
	swarm_put_map(mig->to);
	mig->to = NULL;
	if (mig->kc)
		dm_kcopyd_client_destroy(mig->kc);
}
