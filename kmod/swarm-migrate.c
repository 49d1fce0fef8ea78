// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: committing a map, and online migration to it.
 *
 * swarm_commit() publishes an uploaded, placed map: on a device without
 * data (or when the upload drops it) the map is written to the members
 * and made live with the write gate closed; on a device with data it was
 * placed over the live map and a migration moves the data first.
 *
 * A map committed on a device that holds data is placed over the live map
 * (swarm_place_stable()): an entry keeps the copies that can stay, and
 * its new copies take slots the live map leaves free, so moving the data
 * never overwrites a slot the live map uses for another entry: the old
 * map stays whole on disk until the new one is committed, and a crash at
 * any point leaves one of the two fully valid. Only the entries with a
 * new copy are copied (struct swarm_placement @nr_moved of them).
 *
 * The entries are copied in windows of about SWARM_MIG_WINDOW bytes of
 * entries that move, in entry order, with dm-kcopyd (one job per run of
 * entries in consecutive slots, struct swarm_copy_run; one destination
 * per new copy). For each window:
 *
 *   1. step: writes to the window's entries are parked from now on, and
 *      the step waits for writes already sent to complete;
 *   2. step: kcopyd jobs from a live copy of each entry to every new one;
 *   3. window_done: entries below the window's end count as copied;
 *      writes to them go to the old and the new copies; parked writes
 *      are released.
 *
 * Reads use the live map throughout. When every entry is copied, the new
 * map is written to the members (swarm_meta_commit()) and made live.
 *
 * The migration journal: before the first window the new map's records
 * go to the map area the committed map does not use, and the superblocks
 * name it as pending (swarm_meta_set_pending()); after each window the
 * members are flushed and the superblocks record its end, before writes
 * to the window go to the new copies. A reload, a module reload or a
 * crash leaves the committed map and the pending one with a boundary
 * below which every entry's new copies are durable and were written with
 * the old ones: swarm_mig_load() goes on from there at the next table's
 * first resume. A failed migration forgets the pending map.
 *
 * The window and the copied boundary live in struct swarm_maps, where the
 * write path reads them. During a migration every write goes through the
 * worker. The worker, the steps and window_done run on one ordered
 * workqueue, so they never run at once and the window fields need no
 * lock; the write gate makes sure no write sent before a window was set
 * is still in flight when its copies start.
 */
#include <linux/dm-kcopyd.h>
#include <linux/jiffies.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>

#include "swarm.h"
#include "swarm-disk.h"

#define DM_MSG_PREFIX "swarm"

#define SWARM_MIG_WINDOW	(4U << 20)	/* bytes per window */

/**
 * struct swarm_mig - a migration to a new map.
 * @sc: the target.
 * @kc: dm-kcopyd client, created with the first migration.
 * @step: starts the next window.
 * @window_done: runs when a window's copies are done.
 * @wait: presuspend waits here for the migration to pause.
 * @state: DM_SWARM_MIGRATE_*.
 * @pause: presuspend asked it to stop after the current window.
 * @error: 0 or the errno that stopped it.
 * @jobs: copies in flight, plus one while they are issued.
 * @generation: the generation it moves to.
 * @total: entries to copy: those with a new copy.
 * @moved: entries copied so far.
 * @bytes: bytes copied.
 * @start_ns: when it started.
 * @ms: time it ran, set when it ends.
 * @rate: cap in bytes per second, 0 = none; set by message.
 * @bytes0: @bytes a resumed migration had copied before (the rate cap
 *	counts from @start_ns).
 * @journaled: the superblocks record it (swarm_meta_set_pending()).
 *
 * The map it moves to, the window and the entries copied are in
 * swarm_c.maps (next, hold_lo, hold_hi, copied).
 */
struct swarm_mig {
	struct swarm_c *sc;
	struct dm_kcopyd_client *kc;
	struct delayed_work step;
	struct work_struct window_done;
	wait_queue_head_t wait;
	u32 state;
	bool pause;
	int error;
	atomic_t jobs;
	u64 generation;
	u64 total;
	u64 moved;
	u64 bytes;
	u64 start_ns;
	u64 ms;
	u64 rate;
	u64 bytes0;
	bool journaled;
};

static u64 swarm_mig_window_entries(const struct swarm_geom *g)
{
	return max_t(u64, 1, SWARM_MIG_WINDOW >> (g->entry_shift + SECTOR_SHIFT));
}

/*
 * The copies of @new not in @old (@n_old of them), moved to the front of
 * @new. Return: how many.
 */
static u32 swarm_mig_fresh(const u64 *old, u32 n_old, u64 *new, u32 n_new)
{
	u32 i, j, k = 0;

	for (i = 0; i < n_new; i++) {
		for (j = 0; j < n_old && old[j] != new[i]; j++)
			;
		if (j == n_old)
			new[k++] = new[i];
	}
	return k;
}

/* Does @e get a copy the live map @lm does not have? */
static bool swarm_mig_moves(struct swarm_c *sc, const struct swarm_live_map *lm,
			    u64 e)
{
	u64 old[SWARM_MAX_COPIES], new[SWARM_MAX_COPIES];
	u32 n_old = swarm_entry_copies(&sc->geom, lm, e, old);
	u32 n_new = swarm_entry_copies(&sc->geom, sc->maps.next, e, new);

	return swarm_mig_fresh(old, n_old, new, n_new) > 0;
}

static void swarm_mig_release_held(struct swarm_c *sc)
{
	swarm_io_requeue(sc, &sc->maps.held);
}

static void swarm_mig_end(struct swarm_c *sc, u32 state, int error)
{
	struct swarm_mig *mig = sc->mig;

	mig->ms = div_u64(ktime_get_ns() - mig->start_ns, NSEC_PER_MSEC);
	mig->error = error;
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	WRITE_ONCE(mig->state, state);
	wake_up_all(&mig->wait);
}

/* Stop moving to the new map: writes go to the live one alone again. */
static struct swarm_live_map *swarm_mig_detach(struct swarm_c *sc)
{
	struct swarm_live_map *to = sc->maps.next;

	swarm_gate_close(&sc->maps);
	sc->maps.next = NULL;
	WRITE_ONCE(sc->migrating, false);
	swarm_gate_open(&sc->maps);
	return to;
}

static void swarm_mig_fail(struct swarm_c *sc, int error)
{
	struct swarm_live_map *to;
	unsigned int noio;

	DMERR("%s: migration to generation %llu failed (%d) at entry %llu; old map kept",
	      swarm_name(sc), sc->mig->generation, error, sc->maps.copied);
	if (sc->mig->journaled) {
		noio = memalloc_noio_save();
		swarm_meta_set_pending(sc, NULL, 0, 0);
		memalloc_noio_restore(noio);
		sc->mig->journaled = false;
	}
	to = swarm_mig_detach(sc);
	swarm_mig_end(sc, DM_SWARM_MIGRATE_FAILED, error);
	swarm_mig_release_held(sc);
	swarm_io_kick(sc);
	swarm_live_put(to);
}

/* Every entry is copied: commit the new map, then make it live. */
static void swarm_mig_finish(struct swarm_c *sc)
{
	struct swarm_mig *mig = sc->mig;
	struct swarm_live_map *to = sc->maps.next, *old;
	unsigned int noio;
	u64 ms;
	int r;

	/* Writes to this device may wait for us: no I/O from reclaim. */
	noio = memalloc_noio_save();
	r = swarm_meta_commit(sc, &to->pl, to->generation, SWARM_SB_HAS_DATA);
	memalloc_noio_restore(noio);
	if (r) {
		swarm_mig_fail(sc, r);
		return;
	}
	/* Writes wait while the map changes: they must not mix the two. */
	swarm_gate_close(&sc->maps);
	old = swarm_live_publish(&sc->maps, to);
	sc->maps.next = NULL;
	WRITE_ONCE(sc->migrating, false);
	swarm_gate_open(&sc->maps);
	swarm_mig_end(sc, DM_SWARM_MIGRATE_DONE, 0);
	swarm_io_kick(sc);
	swarm_live_put(old);

	ms = max_t(u64, mig->ms, 1);
	DMINFO("%s: migrated to generation %llu: %llu of %llu entries moved, %llu KiB, %llu ms",
	       swarm_name(sc), mig->generation, mig->moved,
	       sc->geom.nr_entries, mig->bytes >> 10, ms);
}

static void swarm_mig_copied(int read_err, unsigned long write_err, void *context)
{
	struct swarm_c *sc = context;

	if (read_err || write_err)
		cmpxchg(&sc->mig->error, 0, -EIO);
	if (atomic_dec_and_test(&sc->mig->jobs))
		queue_work(sc->wq, &sc->mig->window_done);
}

/* How long to wait before the next window to keep under the rate cap. */
static unsigned long swarm_mig_delay(struct swarm_mig *mig)
{
	u64 rate = READ_ONCE(mig->rate), elapsed, allowed;

	if (!rate)
		return 0;
	elapsed = ktime_get_ns() - mig->start_ns;
	allowed = div64_u64(rate * div_u64(elapsed, NSEC_PER_USEC), USEC_PER_SEC);
	if (mig->bytes - mig->bytes0 <= allowed)
		return 0;
	return max_t(unsigned long, 1,
		     nsecs_to_jiffies(div64_u64((mig->bytes - mig->bytes0 - allowed) *
						NSEC_PER_SEC, rate)));
}

/* The most a run of copies holds: kcopyd splits it into sub-jobs. */
#define SWARM_COPY_RUN_MAX_SECTORS	(SZ_1M >> SECTOR_SHIFT)

/**
 * swarm_copy_run_flush() - send the run as one kcopyd job, empty it.
 * @kc: the kcopyd client.
 * @r: the run.
 * @fn: called when the job is done.
 * @jobs: incremented for the job.
 * @context: for @fn.
 */
void swarm_copy_run_flush(struct dm_kcopyd_client *kc,
			  struct swarm_copy_run *r, dm_kcopyd_notify_fn fn,
			  atomic_t *jobs, void *context)
{
	if (!r->n)
		return;
	atomic_inc(jobs);
	dm_kcopyd_copy(kc, &r->from, r->n, r->dests, 0, fn, context);
	r->n = 0;
}

/* Do @from and @dests (@n of them) continue the run @r? */
static bool swarm_copy_run_extends(const struct swarm_copy_run *r,
				   const struct dm_io_region *from,
				   const struct dm_io_region *dests, u32 n)
{
	u32 i;

	if (r->n != n || r->from.bdev != from->bdev ||
	    r->from.sector + r->from.count != from->sector ||
	    r->from.count + from->count > SWARM_COPY_RUN_MAX_SECTORS)
		return false;
	for (i = 0; i < n; i++)
		if (r->dests[i].bdev != dests[i].bdev ||
		    r->dests[i].sector + r->dests[i].count != dests[i].sector)
			return false;
	return true;
}

/**
 * swarm_copy_run_add() - copy one entry, as part of a run where it can be.
 * @kc: the kcopyd client.
 * @r: the run so far (n 0: none).
 * @from: the entry's source.
 * @dests: its destinations, @n (1..SWARM_MAX_COPIES) of them, each as
 *	long as @from.
 * @n: number of destinations.
 * @fn: called when a job is done.
 * @jobs: incremented for each job sent.
 * @context: for @fn.
 *
 * The entry extends @r when it continues it at the source and at every
 * destination; otherwise @r is sent and the entry starts a new run. The
 * caller sends the last run with swarm_copy_run_flush().
 */
void swarm_copy_run_add(struct dm_kcopyd_client *kc, struct swarm_copy_run *r,
			const struct dm_io_region *from,
			const struct dm_io_region *dests, u32 n,
			dm_kcopyd_notify_fn fn, atomic_t *jobs, void *context)
{
	u32 i;

	if (swarm_copy_run_extends(r, from, dests, n)) {
		r->from.count += from->count;
		for (i = 0; i < n; i++)
			r->dests[i].count += dests[i].count;
		return;
	}
	swarm_copy_run_flush(kc, r, fn, jobs, context);
	r->from = *from;
	for (i = 0; i < n; i++)
		r->dests[i] = dests[i];
	r->n = n;
}

/*
 * Copy the window's entries that move, from a live copy to each of its
 * new copies, in runs (struct swarm_copy_run).
 */
static void swarm_mig_copy_window(struct swarm_c *sc)
{
	struct swarm_mig *mig = sc->mig;
	const struct swarm_geom *g = &sc->geom;
	struct dm_io_region from, dests[SWARM_MAX_COPIES];
	u64 old[SWARM_MAX_COPIES], new[SWARM_MAX_COPIES], e;
	struct swarm_copy_run run = { .n = 0 };
	struct swarm_live_map *lm;
	struct swarm_loc src;
	u32 n, i;

	/* The live map cannot change during a migration: commits are refused. */
	lm = rcu_dereference_protected(sc->maps.live, 1);
	atomic_set(&mig->jobs, 1);
	for (e = sc->maps.hold_lo; e < sc->maps.hold_hi; e++) {
		u32 n_old = swarm_entry_copies(g, lm, e, old);

		n = swarm_entry_copies(g, sc->maps.next, e, new);
		n = swarm_mig_fresh(old, n_old, new, n);
		if (!n)
			continue;	/* it keeps its copies */
		src = swarm_loc_decode(old[0]);
		from.bdev = sc->devs[src.dev].dm_dev->bdev;
		from.sector = swarm_slot_sector(g, src.slot);
		from.count = g->entry_sectors;
		for (i = 0; i < n; i++) {
			struct swarm_loc dst = swarm_loc_decode(new[i]);

			dests[i].bdev = sc->devs[dst.dev].dm_dev->bdev;
			dests[i].sector = swarm_slot_sector(g, dst.slot);
			dests[i].count = g->entry_sectors;
		}
		swarm_copy_run_add(mig->kc, &run, &from, dests, n,
				   swarm_mig_copied, &mig->jobs, sc);
		mig->moved++;
		mig->bytes += (u64)n << (g->entry_shift + SECTOR_SHIFT);
	}
	swarm_copy_run_flush(mig->kc, &run, swarm_mig_copied, &mig->jobs, sc);
	if (atomic_dec_and_test(&mig->jobs))
		queue_work(sc->wq, &mig->window_done);
}

/*
 * The end of the window from @lo: a window's worth of entries that move,
 * over at most SWARM_MIG_SPAN windows of entries (writes to the entries
 * in between wait for the window too).
 */
#define SWARM_MIG_SPAN	16

static u64 swarm_mig_window_end(struct swarm_c *sc, u64 lo)
{
	u64 want = swarm_mig_window_entries(&sc->geom), got = 0, e;
	u64 end = min(sc->geom.nr_entries, lo + want * SWARM_MIG_SPAN);
	struct swarm_live_map *lm;

	/* The live map cannot change during a migration: commits are refused. */
	lm = rcu_dereference_protected(sc->maps.live, 1);
	for (e = lo; e < end && got < want; e++)
		got += swarm_mig_moves(sc, lm, e);
	return e;
}

static void swarm_mig_step(struct work_struct *work)
{
	struct swarm_mig *mig = container_of(to_delayed_work(work),
					     struct swarm_mig, step);
	struct swarm_c *sc = mig->sc;
	struct swarm_maps *mp = &sc->maps;
	unsigned long delay;
	unsigned int noio;
	u64 hi;
	int r;

	/* A window in flight queues us again when it is done. */
	if (mig->state != DM_SWARM_MIGRATE_RUNNING || mp->hold_hi != mp->hold_lo)
		return;
	if (READ_ONCE(mig->pause)) {
		WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_PAUSED);
		wake_up_all(&mig->wait);
		return;
	}
	if (!mig->journaled) {
		/* The journal: the new map, pending, before any copy. */
		noio = memalloc_noio_save();
		r = swarm_meta_set_pending(sc, &mp->next->pl, mig->generation, 0);
		memalloc_noio_restore(noio);
		if (r) {
			swarm_mig_fail(sc, r);
			return;
		}
		mig->journaled = true;
	}
	if (mp->copied >= sc->geom.nr_entries) {
		swarm_mig_finish(sc);
		return;
	}
	delay = swarm_mig_delay(mig);
	if (delay) {
		queue_delayed_work(sc->wq, &mig->step, delay);
		return;
	}

	/* Writes sent before the window was set must land before we copy. */
	hi = swarm_mig_window_end(sc, mp->copied);
	swarm_gate_close(mp);
	mp->hold_lo = mp->copied;
	mp->hold_hi = hi;
	swarm_gate_open(mp);
	swarm_io_kick(sc);
	swarm_mig_copy_window(sc);
}

static void swarm_mig_window_done(struct work_struct *work)
{
	struct swarm_mig *mig = container_of(work, struct swarm_mig, window_done);
	struct swarm_c *sc = mig->sc;
	unsigned int noio;
	int r;

	if (mig->error) {
		swarm_mig_fail(sc, mig->error);
		return;
	}
	/*
	 * The journal: the window's copies are flushed, then the boundary
	 * is recorded; only then may writes go to the new copies alone
	 * beside the old. The last window's are flushed by the commit.
	 */
	if (sc->maps.hold_hi < sc->geom.nr_entries) {
		noio = memalloc_noio_save();
		r = swarm_meta_set_pending(sc, NULL, mig->generation,
					   sc->maps.hold_hi);
		memalloc_noio_restore(noio);
		if (r) {
			swarm_mig_fail(sc, r);
			return;
		}
	}
	/*
	 * From now on writes to the window go to both maps. Its writes were
	 * held, so none went to the old copies alone meanwhile; the worker,
	 * the only reader, runs on this workqueue after us.
	 */
	WRITE_ONCE(sc->maps.copied, sc->maps.hold_hi);
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	swarm_mig_release_held(sc);
	queue_delayed_work(sc->wq, &mig->step, 0);
}

/*
 * Start moving the data to @to, with the gate closed. Return: 0 or an
 * errno; on success the migration owns @to.
 */
static int swarm_mig_start(struct swarm_c *sc, struct swarm_live_map *to)
{
	struct swarm_mig *mig = sc->mig;

	if (!mig->kc) {
		struct dm_kcopyd_client *kc = dm_kcopyd_client_create(NULL);

		if (IS_ERR(kc))
			return PTR_ERR(kc);
		mig->kc = kc;
	}
	sc->maps.next = to;
	sc->maps.copied = 0;
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	mig->generation = to->generation;
	mig->total = to->pl.nr_moved;
	mig->moved = 0;
	mig->bytes = 0;
	mig->bytes0 = 0;
	mig->journaled = false;
	mig->error = 0;
	mig->ms = 0;
	mig->pause = false;
	mig->start_ns = ktime_get_ns();
	WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_RUNNING);
	WRITE_ONCE(sc->migrating, true);
	DMINFO("%s: migrating %llu of %llu entries to generation %llu (%llu new copies)",
	       swarm_name(sc), mig->total, sc->geom.nr_entries, to->generation,
	       to->pl.nr_new);
	/* The caller queues the first step once the gate is open again. */
	return 0;
}

/**
 * swarm_mig_load() - preresume: the migration the superblocks recorded.
 * @sc: the target, its metadata loaded.
 *
 * Before the first resume no I/O and no control request reaches the
 * table. A migration recorded in the superblocks (swarm_meta_set_pending())
 * is set up paused at its boundary, with writes to the entries below it
 * going to both maps; the first resume lets it go on.
 *
 * Return: 0, or an errno (the record stays for the next table).
 */
int swarm_mig_load(struct swarm_c *sc)
{
	struct swarm_mig *mig = sc->mig;
	const struct swarm_geom *g = &sc->geom;
	u64 old[SWARM_MAX_COPIES], new[SWARM_MAX_COPIES], copied, e;
	struct swarm_live_map *to, *lm;
	u32 n;

	to = swarm_meta_take_pending(sc, &copied);
	if (!to)
		return 0;
	if (!mig->kc) {
		struct dm_kcopyd_client *kc = dm_kcopyd_client_create(NULL);

		if (IS_ERR(kc)) {
			swarm_live_put(to);
			return PTR_ERR(kc);
		}
		mig->kc = kc;
	}
	lm = rcu_dereference_protected(sc->maps.live, 1);
	sc->maps.next = to;
	mig->total = 0;
	mig->moved = 0;
	mig->bytes = 0;
	for (e = 0; e < g->nr_entries; e++) {
		u32 n_old = swarm_entry_copies(g, lm, e, old);

		n = swarm_entry_copies(g, to, e, new);
		n = swarm_mig_fresh(old, n_old, new, n);
		if (!n)
			continue;
		mig->total++;
		if (e >= copied)
			continue;
		mig->moved++;
		mig->bytes += (u64)n << (g->entry_shift + SECTOR_SHIFT);
	}
	sc->maps.copied = copied;
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	mig->generation = to->generation;
	mig->bytes0 = mig->bytes;
	mig->journaled = true;
	mig->error = 0;
	mig->ms = 0;
	mig->pause = false;
	mig->start_ns = ktime_get_ns();
	WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_PAUSED);
	WRITE_ONCE(sc->migrating, true);
	DMINFO("%s: resuming migration to generation %llu at entry %llu: %llu of %llu moved",
	       swarm_name(sc), to->generation, copied, mig->moved, mig->total);
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
	struct swarm_mig *mig = sc->mig;

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
	struct swarm_mig *mig = sc->mig;

	WRITE_ONCE(mig->pause, false);
	if (READ_ONCE(mig->state) != DM_SWARM_MIGRATE_PAUSED)
		return;
	WRITE_ONCE(mig->state, DM_SWARM_MIGRATE_RUNNING);
	queue_delayed_work(sc->wq, &mig->step, 0);
}

/*
 * Is a migration or a rebuild (swarm-rebuild.c) running or paused? A
 * commit must wait for it.
 */
bool swarm_mig_busy(struct swarm_c *sc)
{
	u32 state = READ_ONCE(sc->mig->state);

	return state == DM_SWARM_MIGRATE_RUNNING ||
	       state == DM_SWARM_MIGRATE_PAUSED || swarm_rb_busy(sc);
}

void swarm_mig_set_rate(struct swarm_c *sc, u64 bytes_per_sec)
{
	WRITE_ONCE(sc->mig->rate, bytes_per_sec);
}

/* A snapshot of the migration, for status and statistics (racy). */
void swarm_mig_info(struct swarm_c *sc, struct swarm_mig_info *info)
{
	struct swarm_mig *mig = sc->mig;

	info->state = READ_ONCE(mig->state);
	info->generation = READ_ONCE(mig->generation);
	info->copied = READ_ONCE(mig->moved);
	info->total = READ_ONCE(mig->total);
	info->bytes = READ_ONCE(mig->bytes);
	info->ms = info->state == DM_SWARM_MIGRATE_RUNNING ?
		div_u64(ktime_get_ns() - mig->start_ns, NSEC_PER_MSEC) :
		READ_ONCE(mig->ms);
	info->rate = READ_ONCE(mig->rate);
	info->error = READ_ONCE(mig->error);
	if (info->state == DM_SWARM_MIGRATE_IDLE)
		info->copied = 0;
}

/**
 * swarm_commit() - make @lm the live map, or start moving to it.
 * @sc: the target, with its control lock held.
 * @lm: the new map; on success the target owns the reference.
 * @drop: the upload allows the data on the device to be lost.
 * @migrate: @lm was placed over the live map (swarm_place_stable()) to
 *	move the data the device holds.
 *
 * Writes arriving meanwhile wait, and go by the new map. Without data (or
 * with @drop) the map is written to the members and made live at once;
 * with @migrate a migration starts.
 *
 * Return: 0; -EAGAIN when the device holds data but @lm was not placed
 * to migrate (a write came first: place again); or an errno of the
 * metadata commit.
 */
int swarm_commit(struct swarm_c *sc, struct swarm_live_map *lm, bool drop,
		 bool migrate)
{
	struct swarm_live_map *old = NULL;
	int r;

	swarm_gate_close(&sc->maps);
	lm->generation = swarm_meta_generation(sc) + 1;
	if (READ_ONCE(sc->has_data) && !drop && !migrate) {
		r = -EAGAIN;
	} else if (migrate) {
		r = swarm_mig_start(sc, lm);
	} else {
		r = swarm_meta_commit(sc, &lm->pl, lm->generation,
				      drop ? 0 : swarm_meta_flags(sc));
		if (!r) {
			if (drop)
				WRITE_ONCE(sc->has_data, false);
			old = swarm_live_publish(&sc->maps, lm);
		}
	}
	swarm_gate_open(&sc->maps);
	if (migrate && !r)
		queue_delayed_work(sc->wq, &sc->mig->step, 0);
	swarm_io_kick(sc);
	swarm_live_put(old);
	return r;
}

int swarm_mig_init(struct swarm_c *sc)
{
	struct swarm_mig *mig = kzalloc(sizeof(*mig), GFP_KERNEL);

	if (!mig)
		return -ENOMEM;
	mig->sc = sc;
	INIT_DELAYED_WORK(&mig->step, swarm_mig_step);
	INIT_WORK(&mig->window_done, swarm_mig_window_done);
	init_waitqueue_head(&mig->wait);
	atomic_set(&mig->jobs, 0);
	sc->mig = mig;
	return 0;
}

/*
 * The destructor, after the workqueue is gone: a paused migration stops
 * here; the superblocks record it, and the next table goes on with it.
 */
void swarm_mig_exit(struct swarm_c *sc)
{
	struct swarm_mig *mig = sc->mig;

	if (!mig)
		return;
	if (sc->maps.next)
		DMINFO("%s: migration to map generation %llu %s at %llu of %llu entries",
		       swarm_name(sc), mig->generation,
		       mig->journaled ? "paused (the next table resumes it)" :
		       "abandoned", mig->moved, mig->total);
	swarm_live_put(sc->maps.next);
	sc->maps.next = NULL;
	if (mig->kc)
		dm_kcopyd_client_destroy(mig->kc);
	kfree(mig);
	sc->mig = NULL;
}
