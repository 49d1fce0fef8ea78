// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: a device-mapper target that spreads fixed-size entries (the
 * KV-cache entries of LLM inference) over several SSDs.
 *
 * This file is the target glue and the I/O path. Geometry and parsing live
 * in swarm-layout.c, map placement in swarm-place.c, the replica choice in
 * swarm-select.h, counters in swarm-stats.c and the control device in
 * swarm-ctl.c.
 *
 * Table line:
 *   <start> <len> swarm <entry_sectors> <nr_devs> <dev>...
 *                       [<#feature args> [max_copies <n>] [spare <pct>]
 *                        [format]]
 *
 * Each member starts with superblocks and map areas (swarm-meta.c); the
 * entry slots follow. A migration moves the data when a map changes
 * (swarm-migrate.c).
 *
 * I/O path: without a map, entry i lives on member i mod N, slot i div N.
 * With a map (uploaded through the control device), each entry has one or
 * more copies; a read goes to the least loaded copy, a write to all of
 * them. Writes to several copies are cloned in a worker, where allocation
 * may sleep; map() itself never allocates.
 */
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

#define SWARM_IO_NONE	U32_MAX

/**
 * struct swarm_io - per-bio data.
 * @dev: member the bio was remapped to and accounted on, or SWARM_IO_NONE.
 * @bytes: size accounted.
 * @start_ns: when it was sent.
 * @pending: clones of a written entry still in flight.
 * @error: first error of those clones.
 * @counted: a write counted in writes_inflight.
 */
struct swarm_io {
	u32 dev;
	u32 bytes;
	bool counted;
	u64 start_ns;
	atomic_t pending;
	atomic_t error;
};

/**
 * struct swarm_clone - a clone of a write, one per copy of the entry.
 * @orig: the bio dm gave us.
 * @sc: the target.
 * @dev: member written.
 * @start_ns: when it was sent.
 * @bio: the clone; last, see bioset_init().
 */
struct swarm_clone {
	struct bio *orig;
	struct swarm_c *sc;
	u32 dev;
	u64 start_ns;
	struct bio bio;
};

static inline struct swarm_io *swarm_io(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct swarm_io));
}

dev_t swarm_devt(struct swarm_c *sc)
{
	return disk_devt(dm_disk(sc->md));
}

static void swarm_free_map_rcu(struct rcu_head *rcu)
{
	struct swarm_live_map *lm = container_of(rcu, struct swarm_live_map, rcu);

	/* vfree() from RCU callbacks is deferred by vmalloc itself. */
	swarm_map_free(&lm->m);
	kfree(lm);
}

static void swarm_release_map(struct kref *kref)
{
	struct swarm_live_map *lm = container_of(kref, struct swarm_live_map, kref);

	call_rcu(&lm->rcu, swarm_free_map_rcu);
}

void swarm_put_map(struct swarm_live_map *lm)
{
	if (lm)
		kref_put(&lm->kref, swarm_release_map);
}

/* ---- table construction ---- */

static void swarm_put_devices(struct dm_target *ti, struct swarm_c *sc, u32 n)
{
	while (n--)
		dm_put_device(ti, sc->devs[n].dm_dev);
}

/*
 * Open the members and check that they are distinct and large enough.
 */
static int swarm_get_devices(struct dm_target *ti, struct swarm_c *sc,
			     const struct swarm_table *t)
{
	u64 *sizes, *ids;
	u32 i;
	int r;

	sizes = kcalloc(2 * t->nr_devs, sizeof(*sizes), GFP_KERNEL);
	if (!sizes) {
		ti->error = "Cannot allocate memory";
		return -ENOMEM;
	}
	ids = sizes + t->nr_devs;

	for (i = 0; i < t->nr_devs; i++) {
		struct block_device *bdev;

		r = dm_get_device(ti, t->dev_paths[i], dm_table_get_mode(ti->table),
				  &sc->devs[i].dm_dev);
		if (r) {
			ti->error = "Device lookup failed";
			goto bad;
		}
		bdev = sc->devs[i].dm_dev->bdev;
		sizes[i] = bdev_nr_sectors(bdev);
		ids[i] = bdev->bd_dev;
	}

	if (swarm_check_unique(ids, t->nr_devs)) {
		ti->error = "Duplicate device";
		r = -EINVAL;
		goto bad;
	}
	r = swarm_geom_init(&sc->geom, t, ti->len, sizes, &ti->error);
	if (r)
		goto bad;
	kfree(sizes);
	return 0;
bad:
	swarm_put_devices(ti, sc, i);
	kfree(sizes);
	return r;
}

static void swarm_worker(struct work_struct *work);
static void swarm_tput_work(struct work_struct *work);

static int swarm_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct swarm_table t;
	struct swarm_c *sc;
	int r;

	r = swarm_parse_table(argc, argv, &t, &ti->error);
	if (r)
		return r;

	sc = kzalloc(struct_size(sc, devs, t.nr_devs), GFP_KERNEL);
	if (!sc) {
		ti->error = "Cannot allocate memory";
		return -ENOMEM;
	}
	sc->ti = ti;
	sc->md = dm_table_get_md(ti->table);
	if (dm_copy_name_and_uuid(sc->md, sc->name, NULL))
		strscpy(sc->name, dm_device_name(sc->md), sizeof(sc->name));
	sc->feat = t;
	sc->feat.dev_paths = NULL;	/* argv does not outlive the ctr */
	sc->selector = SWARM_SELECT_LEAST_LOADED;
	sc->placement = SWARM_PLACE_COACTIVATION;
	spin_lock_init(&sc->lock);
	bio_list_init(&sc->deferred);
	INIT_WORK(&sc->worker, swarm_worker);
	INIT_DELAYED_WORK(&sc->tput_work, swarm_tput_work);
	INIT_LIST_HEAD(&sc->list);
	atomic_set(&sc->writes_inflight, 0);
	swarm_trace_init(&sc->trace);
	swarm_mig_init(sc);

	r = swarm_meta_init(sc);
	if (r) {
		ti->error = "Cannot allocate memory";
		goto bad_free;
	}
	r = swarm_get_devices(ti, sc, &t);
	if (r)
		goto bad_meta;
	r = swarm_meta_check(sc);
	if (r)
		goto bad_put;

	r = -ENOMEM;
	ti->error = "Cannot allocate memory";
	if (swarm_stats_init(&sc->stats, t.nr_devs))
		goto bad_put;
	if (bioset_init(&sc->bs, BIO_POOL_SIZE, offsetof(struct swarm_clone, bio), 0))
		goto bad_stats;
	sc->wq = alloc_ordered_workqueue("dm-swarm", WQ_MEM_RECLAIM);
	if (!sc->wq)
		goto bad_bs;

	r = dm_set_target_max_io_len(ti, sc->geom.entry_sectors);
	if (r)
		goto bad_wq;

	ti->num_flush_bios = sc->geom.nr_devs;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct swarm_io);
	ti->private = sc;
	swarm_ctl_add(sc);
	return 0;

bad_wq:
	destroy_workqueue(sc->wq);
bad_bs:
	bioset_exit(&sc->bs);
bad_stats:
	swarm_stats_exit(&sc->stats);
bad_put:
	swarm_put_devices(ti, sc, t.nr_devs);
bad_meta:
	swarm_meta_exit(sc);
bad_free:
	kfree(sc);
	return r;
}

static void swarm_dtr(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	swarm_ctl_del(sc);
	swarm_trace_stop(&sc->trace);
	cancel_delayed_work_sync(&sc->tput_work);
	destroy_workqueue(sc->wq);
	swarm_mig_exit(sc);
	swarm_put_map(rcu_dereference_protected(sc->map, 1));
	bioset_exit(&sc->bs);
	swarm_stats_exit(&sc->stats);
	swarm_put_devices(ti, sc, sc->geom.nr_devs);
	swarm_meta_exit(sc);
	kfree(sc);
}

/* ---- I/O path ---- */

static inline void swarm_start(struct swarm_c *sc, struct bio *bio,
			       struct swarm_io *io, u32 dev)
{
	io->dev = dev;
	io->bytes = bio->bi_iter.bi_size;
	io->start_ns = ktime_get_ns();
	swarm_load_start(&sc->stats, dev, io->bytes, io->start_ns);
	swarm_stats_account(&sc->stats, dev, bio);
}

static void swarm_defer(struct swarm_c *sc, struct bio *bio)
{
	spin_lock_irq(&sc->lock);
	bio_list_add(&sc->deferred, bio);
	spin_unlock_irq(&sc->lock);
	queue_work(sc->wq, &sc->worker);
}

/* Hand @bios back to the worker. */
void swarm_requeue(struct swarm_c *sc, struct bio_list *bios)
{
	if (bio_list_empty(bios))
		return;
	spin_lock_irq(&sc->lock);
	bio_list_merge(&sc->deferred, bios);
	spin_unlock_irq(&sc->lock);
	queue_work(sc->wq, &sc->worker);
}

static inline void swarm_count_write(struct swarm_c *sc, struct swarm_io *io)
{
	atomic_inc(&sc->writes_inflight);
	io->counted = true;
}

/**
 * swarm_entry_copies() - the copies of an entry under a map.
 * @sc: the target.
 * @lm: the map, NULL for striped entries.
 * @entry: the entry.
 * @copies: filled with up to SWARM_MAX_COPIES encoded copies.
 *
 * Return: how many.
 */
u32 swarm_entry_copies(struct swarm_c *sc, struct swarm_live_map *lm,
		       u64 entry, u64 *copies)
{
	struct swarm_loc loc;
	const u64 *c;
	u32 n;

	if (!lm) {
		loc = swarm_striped_loc(&sc->geom, entry);
		copies[0] = swarm_loc_encode(loc.dev, loc.slot);
		return 1;
	}
	n = swarm_map_copies(&lm->m, entry, &c);
	memcpy(copies, c, n * sizeof(*c));
	return n;
}

static void swarm_clone_endio(struct bio *clone)
{
	struct swarm_clone *c = container_of(clone, struct swarm_clone, bio);
	struct bio *orig = c->orig;
	struct swarm_io *io = swarm_io(orig);
	blk_status_t st = clone->bi_status;

	swarm_load_done(&c->sc->stats, c->dev, clone->bi_iter.bi_size,
			ktime_get_ns());
	if (st)
		atomic_cmpxchg(&io->error, 0, (__force int)st);
	bio_put(clone);
	if (atomic_dec_and_test(&io->pending)) {
		orig->bi_status = (__force blk_status_t)atomic_read(&io->error);
		bio_endio(orig);
	}
}

/*
 * Write one entry to each of its @n copies: one clone each. The bio dm
 * gave us completes when every clone has, with the first error of any.
 * Runs in the worker: GFP_NOIO from a bioset cannot fail.
 */
static void swarm_fan_out(struct swarm_c *sc, struct bio *bio,
			  const u64 *copies, u32 n, sector_t in_entry)
{
	struct swarm_io *io = swarm_io(bio);
	u32 bytes = bio->bi_iter.bi_size, i;

	io->dev = SWARM_IO_NONE;	/* accounted per clone */
	atomic_set(&io->pending, n);
	atomic_set(&io->error, 0);
	swarm_count_write(sc, io);
	this_cpu_inc(sc->stats.pcpu->writes);
	for (i = 0; i < n; i++) {
		struct swarm_loc l = swarm_loc_decode(copies[i]);
		struct bio *clone = bio_alloc_clone(sc->devs[l.dev].dm_dev->bdev,
						    bio, GFP_NOIO, &sc->bs);
		struct swarm_clone *c = container_of(clone, struct swarm_clone, bio);

		c->orig = bio;
		c->sc = sc;
		c->dev = l.dev;
		c->start_ns = ktime_get_ns();
		clone->bi_iter.bi_sector = swarm_slot_sector(&sc->geom, l.slot) + in_entry;
		clone->bi_end_io = swarm_clone_endio;
		swarm_load_start(&sc->stats, l.dev, bytes, c->start_ns);
		swarm_stats_account(&sc->stats, l.dev, clone);
		submit_bio_noacct(clone);
	}
}

/* The copy a read goes to. */
static u32 swarm_choose(struct swarm_c *sc, const u64 *copies, u32 n, u32 bytes)
{
	u64 inflight[SWARM_MAX_COPIES];
	u32 tput[SWARM_MAX_COPIES], i, pick = 0;

	if (READ_ONCE(sc->selector) == SWARM_SELECT_LEAST_LOADED) {
		for (i = 0; i < n; i++) {
			struct swarm_dev_load *l =
				&sc->stats.load[swarm_loc_decode(copies[i]).dev];

			inflight[i] = atomic64_read(&l->inflight_bytes);
			tput[i] = READ_ONCE(l->tput);
		}
		pick = swarm_least_loaded(inflight, tput, n, bytes);
	}
	this_cpu_inc(sc->stats.pcpu->multi_copy_reads);
	if (pick)
		this_cpu_inc(sc->stats.pcpu->redirected_reads);
	return pick;
}

/*
 * Read batching. An engine reads a step as one io_uring batch, under one
 * block plug. Reads remapped in map() are held per member on a plug
 * callback and, when the plug is flushed, sent sorted by sector: entries
 * a cluster keeps in consecutive slots then reach the member back to back
 * and the block layer merges them into large requests (the plug merges a
 * bio into the last request it holds for that device), which is what the
 * placement is for. The members are served in turn, one run of
 * consecutive sectors each, so that all of them get work at once.
 *
 * Held reads lose REQ_NOWAIT: they are sent when the plug is finished,
 * after the submitter was told they were queued, so a member out of tags
 * must make the flush wait rather than fail them with BLK_STS_AGAIN. An
 * io_uring submitter that gets -EAGAIN only then, from its own
 * blk_finish_plug(), marks the request for reissue, but 6.12's io_uring
 * reissues only during the issue itself: the request is never completed
 * and the submitter waits for ever. md clears REQ_NOWAIT on the bios it
 * holds on a plug too. Flushes from schedule() hand the reads to the
 * worker, as md does.
 *
 * Without a plug, for polled reads, or if the callback cannot be
 * allocated (GFP_ATOMIC), a read goes straight down.
 */
struct swarm_plug {
	struct blk_plug_cb cb;
	struct swarm_c *sc;
	struct bio_list bios[];
};

/* Merge two lists sorted by sector. */
static struct bio *swarm_merge_sorted(struct bio *a, struct bio *b)
{
	struct bio head, *t = &head;

	while (a && b) {
		if (a->bi_iter.bi_sector <= b->bi_iter.bi_sector) {
			t->bi_next = a;
			a = a->bi_next;
		} else {
			t->bi_next = b;
			b = b->bi_next;
		}
		t = t->bi_next;
	}
	t->bi_next = a ? a : b;
	return head.bi_next;
}

/*
 * Sort a list by sector: a bottom-up merge sort on bi_next (no recursion,
 * no allocation), O(n log n) for the tens of thousands of reads a step
 * may hold.
 */
static struct bio *swarm_sort_bios(struct bio *list)
{
	struct bio *parts[32] = { NULL }, *bio, *next;
	unsigned int i;

	for (bio = list; bio; bio = next) {
		next = bio->bi_next;
		bio->bi_next = NULL;
		for (i = 0; i < ARRAY_SIZE(parts) - 1 && parts[i]; i++) {
			bio = swarm_merge_sorted(parts[i], bio);
			parts[i] = NULL;
		}
		parts[i] = parts[i] ? swarm_merge_sorted(parts[i], bio) : bio;
	}
	bio = NULL;
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		if (parts[i])
			bio = bio ? swarm_merge_sorted(parts[i], bio) : parts[i];
	return bio;
}

/*
 * Send held reads: @head[i] is the list of member i, in any order. Each
 * member's are sorted by sector, then the members are served in turn, one
 * run of consecutive sectors from each at a time. May wait for tags (held
 * reads no longer carry REQ_NOWAIT).
 */
static void swarm_send_held(struct swarm_c *sc, struct bio **head)
{
	bool left = false;
	u32 i;

	for (i = 0; i < sc->geom.nr_devs; i++) {
		head[i] = swarm_sort_bios(head[i]);
		left |= !!head[i];
	}
	while (left) {
		left = false;
		for (i = 0; i < sc->geom.nr_devs; i++) {
			struct bio *bio = head[i], *next;

			while (bio) {
				/* A bio sent may be completed and freed at once. */
				sector_t end = bio_end_sector(bio);

				next = bio->bi_next;
				bio->bi_next = NULL;
				dm_submit_bio_remap(bio, NULL);
				bio = next;
				if (bio && bio->bi_iter.bi_sector != end)
					break;
			}
			head[i] = bio;
			left |= !!bio;
		}
	}
}

static void swarm_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct swarm_plug *p = container_of(cb, struct swarm_plug, cb);
	struct swarm_c *sc = p->sc;
	struct bio *head[SWARM_MAX_DEVS];
	u32 i;

	if (from_schedule) {
		/* From schedule(): the worker sends them, as md does. */
		spin_lock_irq(&sc->lock);
		for (i = 0; i < sc->geom.nr_devs; i++)
			bio_list_merge(&sc->devs[i].held, &p->bios[i]);
		spin_unlock_irq(&sc->lock);
		queue_work(sc->wq, &sc->worker);
		kfree(p);
		return;
	}
	for (i = 0; i < sc->geom.nr_devs; i++)
		head[i] = bio_list_get(&p->bios[i]);
	kfree(p);
	swarm_send_held(sc, head);
}

/* The worker's part: reads held by a plug flushed from schedule(). */
static void swarm_send_worker_held(struct swarm_c *sc)
{
	struct bio *head[SWARM_MAX_DEVS];
	u32 i;

	spin_lock_irq(&sc->lock);
	for (i = 0; i < sc->geom.nr_devs; i++)
		head[i] = bio_list_get(&sc->devs[i].held);
	spin_unlock_irq(&sc->lock);
	swarm_send_held(sc, head);
}

/* Hold a remapped read for the plug; false when there is none. */
static bool swarm_plug_read(struct swarm_c *sc, struct bio *bio, u32 dev)
{
	struct blk_plug_cb *cb;
	struct swarm_plug *p;

	if (bio->bi_opf & REQ_POLLED)
		return false;
	cb = blk_check_plugged(swarm_unplug, sc, struct_size(p, bios, sc->geom.nr_devs));
	if (!cb)
		return false;
	p = container_of(cb, struct swarm_plug, cb);
	p->sc = sc;
	bio->bi_opf &= ~REQ_NOWAIT;
	bio_list_add(&p->bios[dev], bio);
	return true;
}

/* Send @bio to one copy. */
static int swarm_remap(struct swarm_c *sc, struct bio *bio, u64 copy,
		       sector_t in_entry)
{
	struct swarm_loc loc = swarm_loc_decode(copy);
	struct swarm_io *io = swarm_io(bio);

	bio_set_dev(bio, sc->devs[loc.dev].dm_dev->bdev);
	bio->bi_iter.bi_sector = swarm_slot_sector(&sc->geom, loc.slot) + in_entry;
	if (op_is_write(bio_op(bio)))
		swarm_count_write(sc, io);
	if (bio_op(bio) == REQ_OP_READ || bio_op(bio) == REQ_OP_WRITE) {
		if (op_is_write(bio_op(bio)))
			this_cpu_inc(sc->stats.pcpu->writes);
		else
			this_cpu_inc(sc->stats.pcpu->reads);
		swarm_start(sc, bio, io, loc.dev);
	} else {
		swarm_stats_account(&sc->stats, loc.dev, bio);
	}
	return DM_MAPIO_REMAPPED;
}

/*
 * A write the fast path cannot take, in the worker: the first write of
 * the set (the superblocks must say the set holds data before it lands),
 * or a write during a migration (parked while its entry is copied, then
 * sent to the old and the new copies).
 */
static int swarm_map_write_slow(struct swarm_c *sc, struct bio *bio, u64 entry,
				sector_t in_entry)
{
	u64 copies[2 * SWARM_MAX_COPIES];
	u32 n;
	int r;

	if (!READ_ONCE(sc->has_data)) {
		r = swarm_meta_set_flags(sc, SWARM_SB_HAS_DATA);
		if (r)
			return DM_MAPIO_KILL;
		WRITE_ONCE(sc->has_data, true);
	}
	rcu_read_lock();
	if (READ_ONCE(sc->committing)) {
		/* The commit requeues it once the new map is live. */
		rcu_read_unlock();
		swarm_defer(sc, bio);
		return DM_MAPIO_SUBMITTED;
	}
	n = swarm_entry_copies(sc, rcu_dereference(sc->map), entry, copies);
	rcu_read_unlock();
	if (READ_ONCE(sc->migrating)) {
		if (swarm_mig_park(sc, bio, entry))
			return DM_MAPIO_SUBMITTED;
		n += swarm_mig_copies(sc, entry, copies + n);
	}
	if (n == 1)
		return swarm_remap(sc, bio, copies[0], in_entry);
	swarm_fan_out(sc, bio, copies, n, in_entry);
	return DM_MAPIO_SUBMITTED;
}

/*
 * Map a bio that lies within one entry. From map() (@can_sleep false) a
 * write that needs the worker is deferred to it; the worker calls this
 * again with @can_sleep true.
 *
 * Return: DM_MAPIO_REMAPPED, DM_MAPIO_SUBMITTED or DM_MAPIO_KILL.
 */
static int swarm_map_entry(struct swarm_c *sc, struct bio *bio, bool can_sleep)
{
	const struct swarm_geom *g = &sc->geom;
	sector_t offset = dm_target_offset(sc->ti, bio->bi_iter.bi_sector);
	sector_t in_entry = offset & (g->entry_sectors - 1);
	u64 entry = offset >> g->entry_shift;
	u64 copies[SWARM_MAX_COPIES];
	struct swarm_live_map *lm;
	const u64 *c;
	u32 n;

	if (!op_is_write(bio_op(bio))) {
		swarm_trace_read(&sc->trace, entry);
		rcu_read_lock();
		lm = rcu_dereference(sc->map);
		if (!lm) {
			rcu_read_unlock();
			swarm_entry_copies(sc, NULL, entry, copies);
			swarm_remap(sc, bio, copies[0], in_entry);
			if (!can_sleep &&
			    swarm_plug_read(sc, bio, swarm_loc_decode(copies[0]).dev))
				return DM_MAPIO_SUBMITTED;
			return DM_MAPIO_REMAPPED;
		}
		n = swarm_map_copies(&lm->m, entry, &c);
		copies[0] = c[n == 1 ? 0 : swarm_choose(sc, c, n, bio->bi_iter.bi_size)];
		rcu_read_unlock();
		swarm_remap(sc, bio, copies[0], in_entry);
		if (!can_sleep &&
		    swarm_plug_read(sc, bio, swarm_loc_decode(copies[0]).dev))
			return DM_MAPIO_SUBMITTED;
		return DM_MAPIO_REMAPPED;
	}

	if (unlikely(READ_ONCE(sc->meta.failed)))
		return DM_MAPIO_KILL;
	rcu_read_lock();
	if (unlikely(!READ_ONCE(sc->has_data) || READ_ONCE(sc->committing) ||
		     READ_ONCE(sc->migrating))) {
		rcu_read_unlock();
		if (!can_sleep || READ_ONCE(sc->committing)) {
			swarm_defer(sc, bio);
			return DM_MAPIO_SUBMITTED;
		}
		return swarm_map_write_slow(sc, bio, entry, in_entry);
	}
	n = swarm_entry_copies(sc, rcu_dereference(sc->map), entry, copies);
	rcu_read_unlock();
	if (n == 1)
		return swarm_remap(sc, bio, copies[0], in_entry);
	if (!can_sleep) {
		swarm_defer(sc, bio);
		return DM_MAPIO_SUBMITTED;
	}
	swarm_fan_out(sc, bio, copies, n, in_entry);
	return DM_MAPIO_SUBMITTED;
}

static int swarm_map(struct dm_target *ti, struct bio *bio)
{
	struct swarm_c *sc = ti->private;
	const struct swarm_geom *g = &sc->geom;
	sector_t in_entry;
	u32 left;

	swarm_io(bio)->dev = SWARM_IO_NONE;
	swarm_io(bio)->counted = false;
	if (unlikely(bio->bi_opf & REQ_PREFLUSH)) {
		/* An empty flush: dm core sends one per member. */
		u32 dev = dm_bio_get_target_bio_nr(bio);

		bio_set_dev(bio, sc->devs[dev].dm_dev->bdev);
		swarm_stats_account(&sc->stats, dev, bio);
		return DM_MAPIO_REMAPPED;
	}

	/*
	 * Reads and writes never cross an entry (max_io_len); discards and
	 * write-zeroes may, and dm core resubmits what we do not take.
	 */
	in_entry = dm_target_offset(ti, bio->bi_iter.bi_sector) &
		   (g->entry_sectors - 1);
	left = g->entry_sectors - in_entry;
	if (unlikely(bio_sectors(bio) > left))
		dm_accept_partial_bio(bio, left);

	return swarm_map_entry(sc, bio, false);
}

static int swarm_end_io(struct dm_target *ti, struct bio *bio,
			blk_status_t *error)
{
	struct swarm_c *sc = ti->private;
	struct swarm_io *io = swarm_io(bio);

	if (io->dev != SWARM_IO_NONE)
		swarm_load_done(&sc->stats, io->dev, io->bytes, ktime_get_ns());
	if (io->counted && atomic_dec_and_test(&sc->writes_inflight) &&
	    READ_ONCE(sc->migrating))
		wake_up(&sc->mig.wait);
	return DM_ENDIO_DONE;
}

static void swarm_worker(struct work_struct *work)
{
	struct swarm_c *sc = container_of(work, struct swarm_c, worker);
	struct bio_list bios;
	struct bio *bio;

	swarm_send_worker_held(sc);

	/* A commit in progress queues us again when it is done. */
	if (READ_ONCE(sc->committing))
		return;

	spin_lock_irq(&sc->lock);
	bios = sc->deferred;
	bio_list_init(&sc->deferred);
	spin_unlock_irq(&sc->lock);

	while ((bio = bio_list_pop(&bios))) {
		switch (swarm_map_entry(sc, bio, true)) {
		case DM_MAPIO_REMAPPED:
			dm_submit_bio_remap(bio, NULL);
			break;
		case DM_MAPIO_KILL:
			bio_io_error(bio);
			break;
		}
	}
}

static void swarm_tput_work(struct work_struct *work)
{
	struct swarm_c *sc = container_of(to_delayed_work(work), struct swarm_c,
					  tput_work);

	swarm_load_estimate(&sc->stats);
	queue_delayed_work(sc->wq, &sc->tput_work, HZ);
}

/**
 * swarm_commit_map() - make @lm the live map, or start moving to it.
 * @sc: the target.
 * @lm: the new map; on success the target owns the reference.
 * @drop: the upload allows the data on the device to be lost.
 * @migrate: @lm was placed beside the live map (swarm_place_beside()) to
 *	move the data the device holds.
 *
 * Writes arriving meanwhile wait, and go by the new map. Without data (or
 * with @drop) the map is written to the members and made live at once;
 * with @migrate a migration starts (swarm-migrate.c).
 *
 * Return: 0; -EAGAIN when the device holds data but @lm was not placed
 * to migrate (a write came first: place again); or an errno of the
 * metadata commit.
 */
int swarm_commit_map(struct swarm_c *sc, struct swarm_live_map *lm, bool drop,
		     bool migrate)
{
	struct swarm_live_map *old;
	int r = 0;

	WRITE_ONCE(sc->committing, true);
	/* Every write from now on sees committing; the worker is idle. */
	synchronize_rcu();
	flush_workqueue(sc->wq);
	old = rcu_dereference_protected(sc->map, 1);
	lm->generation = sc->meta.sb.generation + 1;
	if (READ_ONCE(sc->has_data) && !drop && !migrate) {
		r = -EAGAIN;
	} else if (migrate) {
		r = swarm_mig_start(sc, lm);
	} else {
		r = swarm_meta_commit(sc, &lm->m, lm->generation,
				      drop ? 0 : sc->meta.sb.flags);
		if (!r) {
			if (drop)
				WRITE_ONCE(sc->has_data, false);
			rcu_assign_pointer(sc->map, lm);
			swarm_put_map(old);
		}
	}
	WRITE_ONCE(sc->committing, false);
	queue_work(sc->wq, &sc->worker);
	return r;
}

/* ---- status, messages, limits ---- */

static const char *const swarm_selector_names[] = {
	[SWARM_SELECT_STATIC] = "static",
	[SWARM_SELECT_LEAST_LOADED] = "least-loaded",
};

static const char *const swarm_placement_names[] = {
	[SWARM_PLACE_ROUNDROBIN] = "roundrobin",
	[SWARM_PLACE_COACTIVATION] = "coactivation",
	[SWARM_PLACE_NOBALANCE] = "nobalance",
};

static const char *const swarm_mig_state_names[] = {
	[DM_SWARM_MIGRATE_IDLE] = "idle",
	[DM_SWARM_MIGRATE_RUNNING] = "running",
	[DM_SWARM_MIGRATE_PAUSED] = "paused",
	[DM_SWARM_MIGRATE_DONE] = "done",
	[DM_SWARM_MIGRATE_FAILED] = "failed",
};

static void swarm_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct swarm_c *sc = ti->private;
	struct swarm_live_map *lm;
	struct swarm_pcpu *sum;
	u64 gen = 0, clusters = 0, copies = sc->geom.nr_entries;
	unsigned int sz = 0;
	u32 i;

	switch (type) {
	case STATUSTYPE_INFO:
		/*
		 * <nr_devs> (<dev> <reads> <writes> <read_sect> <write_sect>)...
		 * <generation> <clusters> <copies> <reads> <writes>
		 * <multi_copy_reads> <redirected_reads> <selector> <placement>
		 * <has_data 0|1> <migration state> <entries moved> <entries total>
		 * <metadata ok|failed>
		 */
		sum = kmalloc(swarm_pcpu_size(sc->geom.nr_devs), GFP_NOIO);
		if (!sum) {
			DMEMIT("Cannot allocate memory");
			break;
		}
		swarm_stats_sum(&sc->stats, sum);
		DMEMIT("%u", sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++) {
			const struct swarm_dev_stats *s = &sum->dev[i];

			DMEMIT(" %s %llu %llu %llu %llu", sc->devs[i].dm_dev->name,
			       s->reads, s->writes, s->read_sectors,
			       s->write_sectors);
		}
		rcu_read_lock();
		lm = rcu_dereference(sc->map);
		if (lm) {
			gen = lm->generation;
			clusters = lm->m.nr_clusters;
			copies = lm->m.nr_copies;
		}
		rcu_read_unlock();
		DMEMIT(" %llu %llu %llu %llu %llu %llu %llu %s %s", gen, clusters,
		       copies, sum->reads, sum->writes, sum->multi_copy_reads,
		       sum->redirected_reads,
		       swarm_selector_names[READ_ONCE(sc->selector)],
		       swarm_placement_names[READ_ONCE(sc->placement)]);
		DMEMIT(" %d %s %llu %llu %s", READ_ONCE(sc->has_data),
		       swarm_mig_state_names[READ_ONCE(sc->mig.state)],
		       READ_ONCE(sc->mig.copied), sc->mig.total,
		       READ_ONCE(sc->meta.failed) ? "failed" : "ok");
		kfree(sum);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%u %u", sc->geom.entry_sectors, sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++)
			DMEMIT(" %s", sc->devs[i].dm_dev->name);
		if (sc->feat.given)
			DMEMIT(" %u", 2 * hweight32(sc->feat.given & ~SWARM_FEAT_FORMAT) +
			       !!(sc->feat.given & SWARM_FEAT_FORMAT));
		if (sc->feat.given & SWARM_FEAT_MAX_COPIES)
			DMEMIT(" max_copies %u", sc->feat.max_copies);
		if (sc->feat.given & SWARM_FEAT_SPARE)
			DMEMIT(" spare %u", sc->feat.spare_pct);
		if (sc->feat.given & SWARM_FEAT_FORMAT)
			DMEMIT(" format");
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",entry_sectors=%u,nr_devs=%u", sc->geom.entry_sectors,
		       sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++)
			DMEMIT(",device_%u_name=%s", i, sc->devs[i].dm_dev->name);
		DMEMIT(";");
		break;
	}
}

static int swarm_lookup_name(const char *const *names, unsigned int n,
			     const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(names[i], name))
			return i;
	return -1;
}

/*
 * dmsetup message <dev> 0 selector static|least-loaded
 * dmsetup message <dev> 0 placement roundrobin|coactivation|nobalance
 * dmsetup message <dev> 0 trace on [<ring events>]|off
 * dmsetup message <dev> 0 migrate_rate <MiB/s, 0 = no cap>
 */
static int swarm_message(struct dm_target *ti, unsigned int argc, char **argv,
			 char *result, unsigned int maxlen)
{
	struct swarm_c *sc = ti->private;
	int v;

	if (argc == 2 && !strcasecmp(argv[0], "selector")) {
		v = swarm_lookup_name(swarm_selector_names,
				      ARRAY_SIZE(swarm_selector_names), argv[1]);
		if (v < 0) {
			DMWARN("selector must be static or least-loaded, not %s",
			       argv[1]);
			return -EINVAL;
		}
		WRITE_ONCE(sc->selector, v);
		return 0;
	}
	if (argc == 2 && !strcasecmp(argv[0], "placement")) {
		v = swarm_lookup_name(swarm_placement_names,
				      ARRAY_SIZE(swarm_placement_names), argv[1]);
		if (v < 0) {
			DMWARN("placement must be roundrobin, coactivation or nobalance, not %s",
			       argv[1]);
			return -EINVAL;
		}
		WRITE_ONCE(sc->placement, v);
		return 0;
	}
	if ((argc == 2 || argc == 3) && !strcasecmp(argv[0], "trace")) {
		u32 n = 0;

		if (argc == 2 && !strcasecmp(argv[1], "off")) {
			swarm_trace_stop(&sc->trace);
			return 0;
		}
		if (!strcasecmp(argv[1], "on") &&
		    (argc == 2 || !kstrtou32(argv[2], 10, &n)) &&
		    n <= DM_SWARM_TRACE_MAX_RING)
			return swarm_trace_start(&sc->trace, n);
		DMWARN("trace takes on [<events>, at most %u] or off",
		       DM_SWARM_TRACE_MAX_RING);
		return -EINVAL;
	}
	if (argc == 2 && !strcasecmp(argv[0], "migrate_rate")) {
		u32 mib;

		if (kstrtou32(argv[1], 10, &mib) || mib > 1U << 20) {
			DMWARN("migrate_rate takes MiB/s, 0 (no cap) to %u", 1U << 20);
			return -EINVAL;
		}
		WRITE_ONCE(sc->mig.rate, (u64)mib << 20);
		return 0;
	}
	DMWARN("unknown message '%s': try selector, placement, trace or migrate_rate",
	       argc ? argv[0] : "");
	return -EINVAL;
}

/* The metadata is read here, once the table it replaces is suspended. */
static int swarm_preresume(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;
	int r;

	if (sc->meta.loaded)
		return 0;
	r = swarm_meta_load(sc);
	if (!r)
		sc->meta.loaded = true;
	return r;
}

static void swarm_resume(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	swarm_ctl_resume(sc);
	swarm_mig_resume(sc);
	queue_delayed_work(sc->wq, &sc->tput_work, HZ);
}

static void swarm_presuspend(struct dm_target *ti)
{
	swarm_mig_pause(ti->private);
}

static void swarm_presuspend_undo(struct dm_target *ti)
{
	swarm_mig_resume(ti->private);
}

static void swarm_postsuspend(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	cancel_delayed_work_sync(&sc->tput_work);
	flush_workqueue(sc->wq);
}

static int swarm_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct swarm_c *sc = ti->private;
	const struct swarm_geom *g = &sc->geom;
	u32 i;
	int r = 0;

	for (i = 0; i < g->nr_devs && !r; i++)
		r = fn(ti, sc->devs[i].dm_dev, g->data_start,
		       g->dev_slots << g->entry_shift, data);
	return r;
}

static void swarm_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct swarm_c *sc = ti->private;
	unsigned int entry_bytes = sc->geom.entry_sectors << SECTOR_SHIFT;

	limits->io_min = entry_bytes;
	limits->io_opt = entry_bytes * sc->geom.nr_devs;
	if (limits->physical_block_size < SWARM_MIN_ENTRY_SECTORS << SECTOR_SHIFT)
		limits->physical_block_size = SWARM_MIN_ENTRY_SECTORS << SECTOR_SHIFT;
}

static struct target_type swarm_target = {
	.name = "swarm",
	.version = {0, 4, 0},
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = swarm_ctr,
	.dtr = swarm_dtr,
	.map = swarm_map,
	.end_io = swarm_end_io,
	.status = swarm_status,
	.message = swarm_message,
	.presuspend = swarm_presuspend,
	.presuspend_undo = swarm_presuspend_undo,
	.postsuspend = swarm_postsuspend,
	.preresume = swarm_preresume,
	.resume = swarm_resume,
	.iterate_devices = swarm_iterate_devices,
	.io_hints = swarm_io_hints,
};

static int __init dm_swarm_init(void)
{
	int r = dm_register_target(&swarm_target);

	if (r)
		return r;
	r = swarm_ctl_init();
	if (r)
		dm_unregister_target(&swarm_target);
	return r;
}

static void __exit dm_swarm_exit(void)
{
	swarm_ctl_exit();
	dm_unregister_target(&swarm_target);
	rcu_barrier();	/* maps freed by call_rcu() */
}

module_init(dm_swarm_init);
module_exit(dm_swarm_exit);

MODULE_DESCRIPTION(DM_NAME " target spreading KV-cache entries over SSDs");
MODULE_AUTHOR("dm-swarm developers");
MODULE_LICENSE("GPL");
