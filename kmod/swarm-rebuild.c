// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: rebuilding a failed member, online.
 *
 * A member failed (swarm-health.h) gets no reads and no writes. An
 * operator puts a new device in its place with a table reload (the
 * rebuild then starts at resume), or, for the same device back, sends
 * "rebuild <member>". From then on the member gets every write again but
 * still no reads; dm-kcopyd copies every entry with a copy on it from a
 * copy on a member that is ok, in entry order, in windows of
 * SWARM_RB_WINDOW bytes of copies (runs of consecutive slots as one job),
 * under a rate cap (message rebuild_rate). When
 * every entry is copied, the member's map records are written again and
 * it is ok: failed and stale are cleared in the superblocks.
 *
 * A window is copied as a migration window is (swarm-migrate.c), with the
 * same fields of struct swarm_maps: writes to the window's entries are
 * held (sc->migrating sends every write through the worker, which parks
 * those in [hold_lo, hold_hi)), the gate waits for those already sent,
 * the copies run, and the held writes go on. A write elsewhere goes to the
 * member too, so an entry copied earlier stays current, and one copied
 * later is copied with that write's data.
 *
 * An entry with no copy on a member that is ok is lost (a cache miss):
 * it is counted and, when the member is a new device (a replacement,
 * found at a load, new_members in the superblocks until it is rebuilt,
 * whatever starts the rebuild), *remembered
 * lost* (struct swarm_lost, swarm-redund.c) as the window passes it, so
 * that once the member is ok its reads still fail at once with EIO
 * instead of returning what the new device holds (zeros). For the same
 * device back ("rebuild <member>") its copy is the entry's: a write to
 * an entry whose only copies are on failed members fails, so none was
 * missed. An entry remembered lost already (by an earlier rebuild) is
 * lost again, not copied: its copies hold nothing of it. A write that
 * covers a remembered entry whole, during the rebuild or after, makes it
 * whole again (it reaches the member: swarm-io.c); one to an entry the
 * rebuild has yet to pass is remembered lost all the same (the entry
 * then fails until written again, which is safe).
 *
 * The list is recorded in the superblocks with every progress record,
 * and before the member is recorded ok (commit order: the list is
 * durable, then the member is trusted), so that a crash never lets a
 * lost entry read as data. The list is bounded (SWARM_LOST_MAX ranges,
 * swarm-disk.h): a rebuild whose lost entries do not fit fails with
 * ENOSPC and the member stays failed, its entries read from their other
 * copies and its lost ones failing as before.
 *
 * Progress is recorded in the superblocks (rebuild_dev, rebuild_next)
 * every SWARM_RB_SAVE windows: after a reload or a crash the rebuild goes
 * on from there, since every write since went to the member too (from the
 * start if the member was replaced again). Migrations and rebuilds do not
 * run at once (swarm_mig_busy()).
 */
#include <linux/dm-kcopyd.h>
#include <linux/jiffies.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

#define SWARM_RB_WINDOW	(4U << 20)	/* bytes per window */
#define SWARM_RB_SAVE	16U		/* windows between progress records */

static const char *const swarm_rb_state_names[] = {
	[SWARM_RB_IDLE] = "idle",
	[SWARM_RB_RUNNING] = "running",
	[SWARM_RB_PAUSED] = "paused",
	[SWARM_RB_DONE] = "done",
	[SWARM_RB_FAILED] = "failed",
};

/**
 * struct swarm_rebuild - the rebuild of a member.
 * @sc: the target.
 * @kc: dm-kcopyd client, created with the first rebuild.
 * @step: starts the next window.
 * @window_done: runs when a window's copies are done.
 * @wait: presuspend waits here for the rebuild to pause.
 * @state: SWARM_RB_*.
 * @dev: the member.
 * @pause: presuspend asked it to stop after the current window.
 * @error: 0 or the errno that stopped it.
 * @jobs: copies in flight, plus one while they are issued.
 * @next: entries below are rebuilt.
 * @total: entries of the device.
 * @copied: entries copied.
 * @lost: entries with a copy on @dev and none on a member that is ok.
 * @bytes: bytes copied.
 * @windows: windows since the progress was last recorded.
 * @start_ns: when it started.
 * @ms: time it ran, set when it ends.
 * @fresh: the member is a new device (a replacement): it holds nothing
 *	of the entries with no other copy, which are remembered lost.
 * @rate: cap in bytes per second, 0 = none; set by message.
 * @todo: members replaced by a new device, to rebuild next.
 * @loaded: the superblocks recorded a rebuild: resume starts it.
 */
struct swarm_rebuild {
	struct swarm_c *sc;
	struct dm_kcopyd_client *kc;
	struct delayed_work step;
	struct work_struct window_done;
	wait_queue_head_t wait;
	u32 state;
	u32 dev;
	bool pause;
	int error;
	atomic_t jobs;
	u64 next;
	u64 total;
	u64 copied;
	u64 lost;
	u64 bytes;
	u32 windows;
	u64 start_ns;
	u64 ms;
	bool fresh;
	u64 rate;
	u64 todo;
	bool loaded;
};

const char *swarm_rb_state_name(u32 state)
{
	return state < ARRAY_SIZE(swarm_rb_state_names) ?
	       swarm_rb_state_names[state] : "?";
}

static u64 swarm_rb_window_entries(const struct swarm_geom *g)
{
	return max_t(u64, 1, SWARM_RB_WINDOW >> (g->entry_shift + SECTOR_SHIFT));
}

/* How long to wait before the next window to keep under the rate cap. */
static unsigned long swarm_rb_delay(struct swarm_rebuild *rb)
{
	u64 rate = READ_ONCE(rb->rate), elapsed, allowed;

	if (!rate)
		return 0;
	elapsed = ktime_get_ns() - rb->start_ns;
	allowed = div64_u64(rate * div_u64(elapsed, NSEC_PER_USEC), USEC_PER_SEC);
	if (rb->bytes <= allowed)
		return 0;
	return max_t(unsigned long, 1,
		     nsecs_to_jiffies(div64_u64((rb->bytes - allowed) * NSEC_PER_SEC,
						rate)));
}

/*
 * Writes leave the member out again, or (@ok) it is ok for reads too,
 * unless a write to it failed meanwhile. Return: whether it is ok.
 */
static bool swarm_rb_detach(struct swarm_c *sc, bool ok)
{
	struct swarm_health *h = &sc->health;
	u64 bit = BIT_ULL(sc->rb->dev);

	swarm_gate_close(&sc->maps);
	/* No write is in flight: none can fail it after this. */
	ok = ok && swarm_health_write_ok(h, sc->rb->dev);
	if (ok) {
		atomic64_andnot(bit, &h->stale);
		atomic_set(&h->errors[sc->rb->dev], 0);
		atomic64_andnot(bit, &h->failed);
	}
	atomic64_andnot(bit, &h->rebuilding);
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	WRITE_ONCE(sc->migrating, false);
	swarm_gate_open(&sc->maps);
	swarm_io_requeue(sc, &sc->maps.held);
	return ok;
}

static void swarm_rb_end(struct swarm_c *sc, u32 state, int error)
{
	struct swarm_rebuild *rb = sc->rb;

	rb->ms = div_u64(ktime_get_ns() - rb->start_ns, NSEC_PER_MSEC);
	rb->error = error;
	WRITE_ONCE(rb->state, state);
	wake_up_all(&rb->wait);
	swarm_health_changed(&sc->health);	/* a dm event */
}

static void swarm_rb_fail(struct swarm_c *sc, int error)
{
	struct swarm_rebuild *rb = sc->rb;

	if (error == -ENOSPC)
		DMERR("%s: rebuild of member %u: its lost entries need more than %u ranges",
		      swarm_name(sc), rb->dev, SWARM_LOST_MAX);
	DMERR("%s: rebuild of member %u failed (%d) at entry %llu of %llu; it stays failed",
	      swarm_name(sc), rb->dev, error, rb->next, rb->total);
	swarm_rb_detach(sc, false);
	swarm_meta_set_rebuild(sc, 0, 0, 0);
	swarm_rb_end(sc, SWARM_RB_FAILED, error);
}

static void swarm_rb_finish(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;
	struct swarm_live_map *lm;
	int r;

	lm = rcu_dereference_protected(sc->maps.live, 1);
	r = swarm_meta_rebuild_records(sc, lm ? &lm->pl : NULL, rb->dev);
	/* The lost entries are durable before the member is trusted. */
	if (!r)
		r = swarm_meta_set_rebuild(sc, rb->dev + 1, rb->total, 0);
	if (r) {
		swarm_rb_fail(sc, r);
		return;
	}
	if (!swarm_rb_detach(sc, true)) {
		swarm_meta_set_rebuild(sc, 0, 0, 0);
		swarm_rb_end(sc, SWARM_RB_FAILED, -EIO);
		DMERR("%s: member %u failed at the end of its rebuild",
		      swarm_name(sc), rb->dev);
		return;
	}
	/* Ok, and no new device any more (new_members). */
	swarm_meta_set_rebuild(sc, 0, 0, rb->dev + 1);
	swarm_rb_end(sc, SWARM_RB_DONE, 0);
	DMINFO("%s: member %u rebuilt: %llu entries copied (%llu MiB), %llu lost, in %llu ms",
	       swarm_name(sc), rb->dev, rb->copied, rb->bytes >> 20, rb->lost,
	       rb->ms);
}

static void swarm_rb_copied(int read_err, unsigned long write_err,
			    void *context)
{
	struct swarm_c *sc = context;

	if (read_err || write_err)
		cmpxchg(&sc->rb->error, 0, -EIO);
	if (atomic_dec_and_test(&sc->rb->jobs))
		queue_work(sc->wq, &sc->rb->window_done);
}

/*
 * The end of the window from @lo: entries whose copies on the member
 * make SWARM_RB_WINDOW bytes, over at most SWARM_RB_SPAN windows of
 * entries (where the member holds few entries, a window of every entry
 * would copy little and pay the window's fixed cost each time).
 */
#define SWARM_RB_SPAN	16

static u64 swarm_rb_window_end(struct swarm_c *sc, u64 lo)
{
	const struct swarm_geom *g = &sc->geom;
	u64 want = swarm_rb_window_entries(g), got = 0, e;
	u64 end = min(sc->rb->total, lo + want * SWARM_RB_SPAN);
	u64 copies[SWARM_MAX_COPIES];
	struct swarm_live_map *lm;
	u32 n, i;

	/* The live map cannot change: commits are refused meanwhile. */
	lm = rcu_dereference_protected(sc->maps.live, 1);
	for (e = lo; e < end && got < want; e++) {
		n = swarm_entry_copies(g, lm, e, copies);
		for (i = 0; i < n; i++)
			if (swarm_loc_decode(copies[i]).dev == sc->rb->dev) {
				got++;
				break;
			}
	}
	return e;
}

/*
 * Copy the window's entries that have a copy on the member, each from a
 * copy on a member that is ok, in runs (struct swarm_copy_run); remember
 * those with none (or remembered already) as lost, a run at a time. When
 * the list is full the window fails with ENOSPC.
 */
static void swarm_rb_copy_window(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;
	const struct swarm_geom *g = &sc->geom;
	u64 failed = swarm_health_failed(&sc->health), e;
	struct swarm_copy_run run = { .n = 0 };
	u64 lost_first = 0, lost_n = 0;
	struct dm_io_region from, to;
	u64 copies[SWARM_MAX_COPIES];
	struct swarm_live_map *lm;
	u32 n, i, src, dst;

	/* The live map cannot change: commits are refused meanwhile. */
	lm = rcu_dereference_protected(sc->maps.live, 1);
	atomic_set(&rb->jobs, 1);
	for (e = sc->maps.hold_lo; e < sc->maps.hold_hi; e++) {
		n = swarm_entry_copies(g, lm, e, copies);
		src = n;
		dst = n;
		for (i = 0; i < n; i++) {
			u32 dev = swarm_loc_decode(copies[i]).dev;

			if (dev == rb->dev)
				dst = i;
			else if (src == n && !(failed & BIT_ULL(dev)))
				src = i;
		}
		if (dst == n)
			continue;
		if (src == n || swarm_lost_hit(&sc->lost, e, 1)) {
			rb->lost++;
			/*
			 * Remembered already, or the same device back, whose
			 * copy is the entry's (writes to it failed meanwhile).
			 */
			if (src != n || !rb->fresh)
				continue;
			/* Its reads fail from now on, and after the rebuild. */
			if (lost_n && lost_first + lost_n != e) {
				if (swarm_lost_add(&sc->lost, lost_first, lost_n))
					goto full;
				lost_n = 0;
			}
			if (!lost_n++)
				lost_first = e;
			continue;
		}
		from.bdev = sc->devs[swarm_loc_decode(copies[src]).dev].dm_dev->bdev;
		from.sector = swarm_slot_sector(g, swarm_loc_decode(copies[src]).slot);
		from.count = g->entry_sectors;
		to.bdev = sc->devs[rb->dev].dm_dev->bdev;
		to.sector = swarm_slot_sector(g, swarm_loc_decode(copies[dst]).slot);
		to.count = g->entry_sectors;
		swarm_copy_run_add(rb->kc, &run, &from, &to, 1, swarm_rb_copied,
				   &rb->jobs, sc);
		rb->copied++;
		rb->bytes += (u64)g->entry_sectors << SECTOR_SHIFT;
	}
	if (lost_n && swarm_lost_add(&sc->lost, lost_first, lost_n))
		goto full;
	goto out;
full:
	cmpxchg(&rb->error, 0, -ENOSPC);
out:
	swarm_copy_run_flush(rb->kc, &run, swarm_rb_copied, &rb->jobs, sc);
	if (atomic_dec_and_test(&rb->jobs))
		queue_work(sc->wq, &rb->window_done);
}

static void swarm_rb_step(struct work_struct *work)
{
	struct swarm_rebuild *rb = container_of(to_delayed_work(work),
						struct swarm_rebuild, step);
	struct swarm_c *sc = rb->sc;
	struct swarm_maps *mp = &sc->maps;
	unsigned long delay;

	if (rb->state != SWARM_RB_RUNNING || mp->hold_hi != mp->hold_lo)
		return;
	if (READ_ONCE(rb->pause)) {
		swarm_meta_set_rebuild(sc, rb->dev + 1, rb->next, 0);
		WRITE_ONCE(rb->state, SWARM_RB_PAUSED);
		wake_up_all(&rb->wait);
		return;
	}
	if (rb->next >= rb->total) {
		swarm_rb_finish(sc);
		return;
	}
	delay = swarm_rb_delay(rb);
	if (delay) {
		queue_delayed_work(sc->wq, &rb->step, delay);
		return;
	}
	/* Writes sent before the window was set must land before we copy. */
	swarm_gate_close(mp);
	mp->hold_lo = rb->next;
	mp->hold_hi = swarm_rb_window_end(sc, rb->next);
	swarm_gate_open(mp);
	swarm_io_kick(sc);
	swarm_rb_copy_window(sc);
}

static void swarm_rb_window_done(struct work_struct *work)
{
	struct swarm_rebuild *rb = container_of(work, struct swarm_rebuild,
						window_done);
	struct swarm_c *sc = rb->sc;

	if (rb->error || !swarm_health_write_ok(&sc->health, rb->dev)) {
		swarm_rb_fail(sc, rb->error ?: -EIO);
		return;
	}
	WRITE_ONCE(rb->next, sc->maps.hold_hi);
	sc->maps.hold_lo = 0;
	sc->maps.hold_hi = 0;
	swarm_io_requeue(sc, &sc->maps.held);
	if (++rb->windows >= SWARM_RB_SAVE) {
		rb->windows = 0;
		swarm_meta_set_rebuild(sc, rb->dev + 1, rb->next, 0);
	}
	queue_delayed_work(sc->wq, &rb->step, 0);
}

/*
 * Start rebuilding @dev from entry @next: it gets writes from now on.
 * The caller holds the control lock, or runs before any control request.
 */
static int swarm_rb_start(struct swarm_c *sc, u32 dev, u64 next)
{
	struct swarm_rebuild *rb = sc->rb;
	int r;

	if (!rb->kc) {
		struct dm_kcopyd_client *kc = dm_kcopyd_client_create(NULL);

		if (IS_ERR(kc))
			return PTR_ERR(kc);
		rb->kc = kc;
	}
	rb->dev = dev;
	rb->next = next;
	rb->fresh = swarm_meta_new_member(sc, dev);
	rb->total = sc->geom.nr_entries;
	rb->copied = 0;
	rb->lost = 0;
	rb->bytes = 0;
	rb->windows = 0;
	rb->error = 0;
	rb->ms = 0;
	rb->pause = false;
	rb->start_ns = ktime_get_ns();
	rb->todo &= ~BIT_ULL(dev);
	swarm_gate_close(&sc->maps);
	atomic64_or(BIT_ULL(dev), &sc->health.rebuilding);
	WRITE_ONCE(sc->migrating, true);
	swarm_gate_open(&sc->maps);
	/* Written to the member too: its superblock names the set now. */
	r = swarm_meta_set_rebuild(sc, dev + 1, next, 0);
	if (r || !swarm_health_write_ok(&sc->health, dev)) {
		swarm_rb_fail(sc, r ?: -EIO);
		return r ?: -EIO;
	}
	WRITE_ONCE(rb->state, SWARM_RB_RUNNING);
	DMINFO("%s: rebuilding member %u from entry %llu of %llu",
	       swarm_name(sc), dev, next, rb->total);
	queue_delayed_work(sc->wq, &rb->step, 0);
	return 0;
}

/* Is a rebuild running or paused? */
bool swarm_rb_busy(struct swarm_c *sc)
{
	u32 state = READ_ONCE(sc->rb->state);

	return state == SWARM_RB_RUNNING || state == SWARM_RB_PAUSED;
}

/**
 * swarm_rb_message() - "rebuild <member>": rebuild a failed member.
 * @sc: the target.
 * @dev: the member.
 *
 * Return: 0; -EINVAL when the member is not failed; -EBUSY when a
 * migration or a rebuild runs.
 */
int swarm_rb_message(struct swarm_c *sc, u32 dev)
{
	int r;

	if (swarm_health_ok(&sc->health, dev)) {
		DMWARN("%s: member %u is not failed", swarm_name(sc), dev);
		return -EINVAL;
	}
	mutex_lock(&sc->ctl_lock);
	if (swarm_mig_busy(sc)) {
		DMWARN("%s: a migration or a rebuild is in progress",
		       swarm_name(sc));
		r = -EBUSY;
	} else {
		r = swarm_rb_start(sc, dev, 0);
	}
	mutex_unlock(&sc->ctl_lock);
	return r;
}

/**
 * swarm_rb_load() - preresume: the rebuild the superblocks recorded.
 * @sc: the target, its metadata loaded.
 *
 * Before the first resume no I/O and no control request reaches the
 * table. A rebuild recorded in the superblocks goes on; failed members
 * found replaced by a new device are rebuilt next. The member being
 * rebuilt gets writes from the first one on (swarm_meta_load() set it).
 */
void swarm_rb_load(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;
	u32 dev;
	u64 next;

	if (rb->state != SWARM_RB_IDLE)
		return;
	rb->todo = swarm_meta_rebuild_pos(sc, &dev, &next);
	if (dev) {
		rb->dev = dev - 1;
		rb->next = next;
		WRITE_ONCE(sc->migrating, true);
		rb->loaded = true;
	}
}

/* Start the next rebuild to do, if no migration or rebuild runs. */
static void swarm_rb_next(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;
	u64 todo = rb->todo & swarm_health_failed(&sc->health);

	if (!todo || swarm_mig_busy(sc))
		return;
	swarm_rb_start(sc, __ffs64(todo), 0);
}

/**
 * swarm_rb_resume() - resume: go on where it stopped, or start one.
 * @sc: the target.
 */
void swarm_rb_resume(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;

	WRITE_ONCE(rb->pause, false);
	if (rb->loaded) {
		/* Recorded in the superblocks: it goes on from there. */
		rb->loaded = false;
		mutex_lock(&sc->ctl_lock);
		swarm_rb_start(sc, rb->dev, rb->next);
		mutex_unlock(&sc->ctl_lock);
		return;
	}
	if (READ_ONCE(rb->state) == SWARM_RB_PAUSED) {
		WRITE_ONCE(rb->state, SWARM_RB_RUNNING);
		queue_delayed_work(sc->wq, &rb->step, 0);
		return;
	}
	if (!rb->todo)
		return;
	mutex_lock(&sc->ctl_lock);
	swarm_rb_next(sc);
	mutex_unlock(&sc->ctl_lock);
}

/**
 * swarm_rb_pause() - presuspend: stop after the window in flight.
 * @sc: the target.
 *
 * The progress is recorded; held writes are released when the window is
 * done, so the suspend's wait for in-flight bios ends.
 */
void swarm_rb_pause(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;

	if (READ_ONCE(rb->state) != SWARM_RB_RUNNING)
		return;
	WRITE_ONCE(rb->pause, true);
	mod_delayed_work(sc->wq, &rb->step, 0);
	wait_event(rb->wait, READ_ONCE(rb->state) != SWARM_RB_RUNNING);
}

void swarm_rb_set_rate(struct swarm_c *sc, u64 bytes_per_sec)
{
	WRITE_ONCE(sc->rb->rate, bytes_per_sec);
}

/* A snapshot of the rebuild, for status (racy). */
void swarm_rb_info(struct swarm_c *sc, struct swarm_rb_info *info)
{
	struct swarm_rebuild *rb = sc->rb;

	info->state = READ_ONCE(rb->state);
	info->dev = READ_ONCE(rb->dev);
	info->next = READ_ONCE(rb->next);
	info->total = READ_ONCE(rb->total);
	info->copied = READ_ONCE(rb->copied);
	info->lost = READ_ONCE(rb->lost);
	info->bytes = READ_ONCE(rb->bytes);
	info->ms = info->state == SWARM_RB_RUNNING ?
		div_u64(ktime_get_ns() - rb->start_ns, NSEC_PER_MSEC) :
		READ_ONCE(rb->ms);
}

int swarm_rb_init(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = kzalloc(sizeof(*rb), GFP_KERNEL);

	if (!rb)
		return -ENOMEM;
	rb->sc = sc;
	INIT_DELAYED_WORK(&rb->step, swarm_rb_step);
	INIT_WORK(&rb->window_done, swarm_rb_window_done);
	init_waitqueue_head(&rb->wait);
	atomic_set(&rb->jobs, 0);
	sc->rb = rb;
	return 0;
}

/* The destructor, after the workqueue is gone. */
void swarm_rb_exit(struct swarm_c *sc)
{
	struct swarm_rebuild *rb = sc->rb;

	if (!rb)
		return;
	if (rb->kc)
		dm_kcopyd_client_destroy(rb->kc);
	kfree(rb);
	sc->rb = NULL;
}
