// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the control device, /dev/dm-swarm-control.
 *
 * A dm target cannot receive ioctls on its own block device, so cluster
 * maps are uploaded, and statistics read, through this misc device. Each
 * request names the swarm device by its dev_t. See uapi/linux/dm-swarm.h.
 *
 * An upload is staged in the open file: MAP_BEGIN allocates room for the
 * totals it announces, MAP_ADD and MAP_WEIGHTS fill it batch by batch
 * (a batch that fails checks leaves the staged upload as it was), and
 * MAP_COMMIT validates the whole map, places it and publishes it. Closing
 * the file or MAP_ABORT drops it. One upload per swarm device at a time.
 *
 * A request finds its target in the registry (swarm-registry.c), which
 * keeps the target from going away until the request is done, and runs
 * under that device's control lock: a commit places the map and writes
 * it with the lock held, so other requests on the same device wait for
 * it; requests on other devices, and I/O, do not. The staged uploads
 * have a mutex of their own. Requests are dispatched by a table, as
 * dm-ioctl.c does.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/dm-swarm.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

/* The kernel's enums are the ABI's values. */
static_assert(SWARM_SELECT_STATIC == DM_SWARM_SELECT_STATIC);
static_assert(SWARM_SELECT_LEAST_LOADED == DM_SWARM_SELECT_LEAST_LOADED);
static_assert(SWARM_PLACE_ROUNDROBIN == DM_SWARM_PLACE_ROUNDROBIN);
static_assert(SWARM_CP_CB == DM_SWARM_CACHE_CB);
static_assert(SWARM_CP_LRU == DM_SWARM_CACHE_LRU);
static_assert(SWARM_CP_NR_KINDS == DM_SWARM_CACHE_NR_POLICIES);
static_assert(SWARM_PLACE_COACTIVATION == DM_SWARM_PLACE_COACTIVATION);
static_assert(SWARM_PLACE_NOBALANCE == DM_SWARM_PLACE_NOBALANCE);
static_assert(SWARM_MAX_COPIES == DM_SWARM_MAX_COPIES);
static_assert(SWARM_MAX_DEVS == DM_SWARM_MAX_DEVS);

static DEFINE_MUTEX(swarm_uploads_mutex);
static LIST_HEAD(swarm_uploads);	/* struct swarm_staged */

/**
 * struct swarm_staged - an upload in progress, owned by one open file.
 * @list: on swarm_uploads.
 * @dev: the swarm device.
 * @flags: DM_SWARM_MAP_* flags.
 * @nr_entries: entries of the device at MAP_BEGIN.
 * @want_clusters: clusters announced.
 * @want_members: members announced.
 * @want_weights: weights announced.
 * @up: what has arrived; its counts grow with each batch.
 */
struct swarm_staged {
	struct list_head list;
	dev_t dev;
	u32 flags;
	u64 nr_entries;
	u32 want_clusters;
	u64 want_members;
	u32 want_weights;
	struct swarm_upload up;
};

static int swarm_devt_of(u32 major, u32 minor, dev_t *dev)
{
	if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK)
		return -EINVAL;
	*dev = MKDEV(major, minor);
	return 0;
}

/*
 * Copy a request that starts with its own size. Larger requests from a
 * newer ABI are fine when the bytes we do not know are zero.
 */
static int swarm_get_req(void *k, size_t ksize, void __user *u)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)u))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(k, ksize, u, usize);
}

/* ---- uploads ---- */

static void swarm_staged_free(struct swarm_staged *st)
{
	if (!st)
		return;
	list_del(&st->list);
	kvfree(st->up.clusters);
	kvfree(st->up.members);
	kvfree(st->up.weights);
	kfree(st);
}

static int swarm_map_begin(struct file *f, void __user *u)
{
	struct dm_swarm_map_begin b;
	struct swarm_staged *st;
	struct swarm_c *sc;
	u64 nr_entries;
	dev_t dev;
	int r;

	r = swarm_get_req(&b, sizeof(b), u);
	if (r)
		return r;
	if (b.flags & ~DM_SWARM_MAP_FLAGS_ALL)
		return -EINVAL;
	r = swarm_devt_of(b.dev_major, b.dev_minor, &dev);
	if (r)
		return r;
	/* A delta may only drop clusters: records without members. */
	if (!b.nr_clusters || (!(b.flags & DM_SWARM_MAP_DELTA) &&
			       (!b.nr_members || b.nr_clusters > b.nr_members)))
		return -EINVAL;
	if (b.nr_clusters > DM_SWARM_MAX_CLUSTERS ||
	    b.nr_members > DM_SWARM_MAX_MEMBERS ||
	    b.nr_weights > DM_SWARM_MAX_CLUSTERS)
		return -E2BIG;

	sc = swarm_registry_get(dev);
	if (!sc)
		return -ENODEV;
	nr_entries = sc->geom.nr_entries;
	swarm_registry_put(sc);
	if (f->private_data)
		return -EBUSY;	/* this file is uploading already */
	list_for_each_entry(st, &swarm_uploads, list)
		if (st->dev == dev)
			return -EBUSY;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	INIT_LIST_HEAD(&st->list);
	st->dev = dev;
	st->flags = b.flags;
	st->nr_entries = nr_entries;
	st->want_clusters = b.nr_clusters;
	st->want_members = b.nr_members;
	st->want_weights = b.nr_weights;
	st->up.clusters = kvcalloc(b.nr_clusters, sizeof(*st->up.clusters),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	st->up.members = kvcalloc(max_t(u64, b.nr_members, 1), sizeof(u64),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (b.nr_weights)
		st->up.weights = kvcalloc(b.nr_weights, sizeof(*st->up.weights),
					  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!st->up.clusters || !st->up.members ||
	    (b.nr_weights && !st->up.weights)) {
		swarm_staged_free(st);
		return -ENOMEM;
	}
	list_add(&st->list, &swarm_uploads);
	f->private_data = st;
	return 0;
}

/* The staged upload of this file, for the device the request names. */
static int swarm_staged_for(struct file *f, u32 major, u32 minor,
			    struct swarm_staged **stp)
{
	struct swarm_staged *st = f->private_data;
	dev_t dev;
	int r;

	if (!st)
		return -ENOENT;	/* no MAP_BEGIN */
	r = swarm_devt_of(major, minor, &dev);
	if (r)
		return r;
	if (dev != st->dev)
		return -EINVAL;
	*stp = st;
	return 0;
}

static int swarm_map_add(struct file *f, void __user *u)
{
	struct dm_swarm_map_add a;
	struct swarm_staged *st;
	struct swarm_cluster *cl;
	struct dm_swarm_cluster dc;
	u64 *mem, first, sum = 0, k;
	u32 i, ids;
	bool delta;
	int r;

	r = swarm_get_req(&a, sizeof(a), u);
	if (r)
		return r;
	r = swarm_staged_for(f, a.dev_major, a.dev_minor, &st);
	if (r)
		return r;
	if (a.pad || a.pad2 || !a.nr_clusters || a.nr_clusters > DM_SWARM_MAX_BATCH)
		return -EINVAL;
	if (a.nr_clusters > st->want_clusters - st->up.nr_clusters ||
	    a.nr_members > st->want_members - st->up.nr_members)
		return -EINVAL;	/* more than MAP_BEGIN announced */
	/* A delta names clusters of the live map: ids are checked at commit. */
	delta = st->flags & DM_SWARM_MAP_DELTA;
	ids = delta ? DM_SWARM_MAX_CLUSTERS : st->want_clusters;

	/* Stage past the end of what has arrived; commit the counts last. */
	cl = st->up.clusters + st->up.nr_clusters;
	first = st->up.nr_members;
	for (i = 0; i < a.nr_clusters; i++) {
		if (copy_from_user(&dc, u64_to_user_ptr(a.clusters) + i * sizeof(dc),
				   sizeof(dc)))
			return -EFAULT;
		if (!dc.nr_members && !delta)
			return -EINVAL;
		if (dc.nr_members > DM_SWARM_MAX_CLUSTER_SIZE)
			return -E2BIG;
		if (dc.id >= ids || (dc.nr_members && dc.medoid >= st->nr_entries))
			return -ERANGE;
		cl[i].id = dc.id;
		cl[i].nr_members = dc.nr_members;
		cl[i].medoid = dc.medoid;
		cl[i].frequency = dc.frequency;
		cl[i].first = first + sum;
		sum += dc.nr_members;
	}
	if (sum != a.nr_members)
		return -EINVAL;	/* the batch's counts disagree */

	mem = st->up.members + first;
	if (copy_from_user(mem, u64_to_user_ptr(a.members), sum * sizeof(u64)))
		return -EFAULT;
	for (k = 0; k < sum; k++)
		if (mem[k] >= st->nr_entries)
			return -ERANGE;

	st->up.nr_clusters += a.nr_clusters;
	st->up.nr_members += sum;
	return 0;
}

static int swarm_map_weights(struct file *f, void __user *u)
{
	struct dm_swarm_map_weights w;
	struct swarm_staged *st;
	struct swarm_weight *sw;
	struct dm_swarm_weight dw;
	u32 i, ids;
	int r;

	r = swarm_get_req(&w, sizeof(w), u);
	if (r)
		return r;
	r = swarm_staged_for(f, w.dev_major, w.dev_minor, &st);
	if (r)
		return r;
	if (!w.nr_weights || w.nr_weights > DM_SWARM_MAX_BATCH ||
	    w.nr_weights > st->want_weights - st->up.nr_weights)
		return -EINVAL;
	sw = st->up.weights + st->up.nr_weights;
	ids = st->flags & DM_SWARM_MAP_DELTA ? DM_SWARM_MAX_CLUSTERS : st->want_clusters;
	for (i = 0; i < w.nr_weights; i++) {
		if (copy_from_user(&dw, u64_to_user_ptr(w.weights) + i * sizeof(dw),
				   sizeof(dw)))
			return -EFAULT;
		if (dw.a >= ids || dw.b >= ids)
			return -ERANGE;
		if (dw.a == dw.b)
			return -EINVAL;
		sw[i].a = dw.a;
		sw[i].b = dw.b;
		sw[i].weight = dw.weight;
	}
	st->up.nr_weights += w.nr_weights;
	return 0;
}

/*
 * For MAP_COMMIT and MAP_ABORT: a struct dm_swarm_dev_req naming the device
 * this file stages an upload for. The upload leaves the file: the caller
 * owns it, and frees it with swarm_staged_put(). Until then it stays on
 * the list, so that no other upload for the device begins meanwhile.
 */
static int swarm_take_staged(struct file *f, void __user *u,
			     struct swarm_staged **stp)
{
	struct dm_swarm_dev_req d;
	int r;

	r = swarm_get_req(&d, sizeof(d), u);
	if (r)
		return r;
	if (d.flags)
		return -EINVAL;
	mutex_lock(&swarm_uploads_mutex);
	r = swarm_staged_for(f, d.dev_major, d.dev_minor, stp);
	if (!r)
		f->private_data = NULL;
	mutex_unlock(&swarm_uploads_mutex);
	return r;
}

static void swarm_staged_put(struct swarm_staged *st)
{
	mutex_lock(&swarm_uploads_mutex);
	swarm_staged_free(st);
	mutex_unlock(&swarm_uploads_mutex);
}

/*
 * Place the validated cluster map @up and commit it; on success the new
 * live map owns @up's arrays. The device's control lock is held: no
 * other commit changes the live map meanwhile.
 */
static int swarm_place_commit(struct swarm_c *sc, struct swarm_staged *st,
			      struct swarm_upload *up, char **err)
{
	bool drop = st->flags & DM_SWARM_MAP_DROP_DATA;
	bool migrate = READ_ONCE(sc->has_data) && !drop;
	struct swarm_place_params p = {
		.policy = READ_ONCE(sc->placement),
		.max_copies = sc->feat.max_copies,
		.spare_pct = sc->feat.spare_pct,
		.min_copies = sc->geom.min_copies,
	};
	struct swarm_live_map *lm, *live;
	int r;

	for (;;) {
		lm = swarm_live_alloc();
		if (!lm)
			return -ENOMEM;
		live = swarm_live_get(&sc->maps);
		/* Its cluster map, unless a reload left the placement only. */
		p.live_up = live && live->up.nr_clusters ? &live->up : NULL;
		if (migrate)
			r = swarm_place_stable(&sc->geom, live ? &live->pl : NULL,
					       up, &p, &lm->pl, err);
		else
			r = swarm_place(&sc->geom, up, &p, &lm->pl, err);
		swarm_live_put(live);
		lm->up = *up;	/* the live map keeps its cluster map */
		if (!r)
			r = swarm_commit(sc, lm, drop, migrate);
		if (!r)
			break;
		memset(&lm->up, 0, sizeof(lm->up));
		swarm_live_free(lm);
		if (r != -EAGAIN)
			return r;
		if (migrate)
			return r;
		/* A first write came before the commit: place it to migrate. */
		migrate = true;
	}
	DMINFO("%s: map generation %llu%s: %u clusters, %llu copies of %llu entries, %llu bytes",
	       swarm_name(sc), lm->generation,
	       migrate ? " (migrating)" : "", lm->pl.nr_clusters,
	       lm->pl.nr_copies, lm->pl.nr_entries, swarm_placement_bytes(&lm->pl));
	memset(up, 0, sizeof(*up));
	return 0;
}

/*
 * The cluster map a staged upload makes, validated, in @up: the upload
 * itself (its arrays move to @up), or a delta applied to the live map's.
 */
static int swarm_staged_map(struct swarm_c *sc, struct swarm_staged *st,
			    struct swarm_upload *up, char **err)
{
	struct swarm_live_map *live;
	int r;

	if (!(st->flags & DM_SWARM_MAP_DELTA)) {
		r = swarm_upload_validate(&st->up, st->nr_entries, err);
		if (!r) {
			*up = st->up;
			memset(&st->up, 0, sizeof(st->up));
		}
		return r;
	}
	live = swarm_live_get(&sc->maps);
	if (!live || !live->up.nr_clusters) {
		swarm_live_put(live);
		*err = "No cluster map in memory for a delta: upload a whole map";
		return -ENODATA;
	}
	r = swarm_upload_merge(&live->up, &st->up, up, err);
	swarm_live_put(live);
	if (!r)
		r = swarm_upload_validate(up, st->nr_entries, err);
	if (r)
		swarm_upload_free(up);
	return r;
}

static int swarm_map_commit(struct file *f, void __user *u)
{
	struct swarm_upload up = { 0 };
	struct swarm_staged *st;
	struct swarm_c *sc;
	char *err = "";
	int r;

	/* Whatever happens now, the staged upload is used up. */
	r = swarm_take_staged(f, u, &st);
	if (r)
		return r;
	if (st->up.nr_clusters != st->want_clusters ||
	    st->up.nr_members != st->want_members ||
	    st->up.nr_weights != st->want_weights) {
		r = -EINVAL;	/* fewer than MAP_BEGIN announced */
		goto out;
	}
	sc = swarm_registry_get(st->dev);
	if (!sc) {
		r = -ENODEV;
		goto out;
	}
	mutex_lock(&sc->ctl_lock);
	if (sc->geom.nr_entries != st->nr_entries) {
		r = -ESTALE;	/* the table changed under the upload */
	} else {
		r = swarm_staged_map(sc, st, &up, &err);
		if (!r && swarm_mig_busy(sc)) {
			err = "A migration is in progress: commit again when it is done";
			r = -EBUSY;
		}
		if (!r)
			r = swarm_place_commit(sc, st, &up, &err);
		swarm_upload_free(&up);
		if (r && r != -EAGAIN && !*err)
			err = "Cannot write the map to the members";
	}
	mutex_unlock(&sc->ctl_lock);
	swarm_registry_put(sc);
out:
	if (r)
		DMWARN_LIMIT("map commit on %u:%u refused (%d): %s", MAJOR(st->dev),
			     MINOR(st->dev), r, err);
	swarm_staged_put(st);
	return r;
}

static int swarm_map_abort(struct file *f, void __user *u)
{
	struct swarm_staged *st;
	int r = swarm_take_staged(f, u, &st);

	if (!r)
		swarm_staged_put(st);
	return r;
}

/* ---- statistics and placement queries ---- */

/* The target a request names, to be put with swarm_registry_put(). */
static int swarm_find_req(u32 major, u32 minor, struct swarm_c **scp)
{
	dev_t dev;
	int r = swarm_devt_of(major, minor, &dev);

	if (r)
		return r;
	*scp = swarm_registry_get(dev);
	return *scp ? 0 : -ENODEV;
}

/* The DRAM tier's figures (appended to struct dm_swarm_stats). */
static void swarm_stats_fill_cache(struct swarm_c *sc, struct dm_swarm_stats *s)
{
	struct swarm_cache_info ci;
	u32 k;

	swarm_cache_info(sc, &ci);
	s->cache_bytes = ci.bytes;
	s->cache_entries = ci.entries;
	s->cache_policy = ci.policy;
	s->cache_pad = 0;
	for (k = 0; k < DM_SWARM_CACHE_NR_POLICIES; k++) {
		s->cache_hits[k] = ci.hits[k];
		s->cache_misses[k] = ci.misses[k];
		s->cache_hit_bytes[k] = ci.hit_bytes[k];
		s->cache_evictions[k] = ci.evictions[k];
	}
}

static void swarm_stats_fill(struct swarm_c *sc, struct dm_swarm_stats *s,
			     const struct swarm_pcpu *sum)
{
	struct swarm_live_map *lm = swarm_live_get(&sc->maps);
	struct swarm_mig_info mi;

	s->nr_devs = sc->geom.nr_devs;
	s->nr_entries = sc->geom.nr_entries;
	s->map_generation = lm ? lm->generation : 0;
	s->nr_clusters = lm ? lm->pl.nr_clusters : 0;
	s->nr_copies = lm ? lm->pl.nr_copies : sc->geom.nr_entries;
	s->map_bytes = lm ? swarm_placement_bytes(&lm->pl) : 0;
	swarm_live_put(lm);
	s->reads = sum->reads;
	s->writes = sum->writes;
	s->multi_copy_reads = sum->multi_copy_reads;
	s->redirected_reads = sum->redirected_reads;
	s->selector = READ_ONCE(sc->sel.policy);
	s->placement = READ_ONCE(sc->placement);
	s->max_copies = sc->feat.max_copies;
	s->spare_pct = sc->feat.spare_pct;
	s->data_start = sc->geom.data_start;
	s->dev_slots = sc->geom.dev_slots;
	s->flags = READ_ONCE(sc->has_data) ? DM_SWARM_STATS_HAS_DATA : 0;
	swarm_mig_info(sc, &mi);
	s->migrate_state = mi.state;
	s->migrate_generation = mi.generation;
	s->migrate_done = mi.copied;
	s->migrate_total = mi.total;
	s->migrate_bytes = mi.bytes;
	s->migrate_ms = mi.ms;
	s->migrate_rate = mi.rate;
	s->migrate_error = mi.error;
	s->pad = 0;
	memcpy(s->uuid, sc->uuid, sizeof(s->uuid));
	s->failed_devs = swarm_health_failed(&sc->health);
	if (s->failed_devs)
		s->flags |= DM_SWARM_STATS_DEGRADED;
	s->read_failovers = sum->read_failovers;
	s->lost_reads = sum->lost_reads;
	s->degraded_writes = sum->degraded_writes;
	swarm_stats_fill_cache(sc, s);
}

/* Copy the per-member figures to @s->devs, room for @room of them. */
static int swarm_stats_devs(struct swarm_c *sc, const struct dm_swarm_stats *s,
			    const struct swarm_pcpu *sum, u32 room)
{
	struct dm_swarm_dev_stats ds;
	struct swarm_load_info li;
	u32 i;

	for (i = 0; i < min(room, s->nr_devs); i++) {
		const struct swarm_dev_stats *d = &sum->dev[i];

		swarm_sel_info(&sc->sel, i, sc->devs[i].dm_dev->bdev, &li);
		memset(&ds, 0, sizeof(ds));
		ds.reads = d->reads;
		ds.writes = d->writes;
		ds.read_bytes = d->read_sectors << SECTOR_SHIFT;
		ds.write_bytes = d->write_sectors << SECTOR_SHIFT;
		ds.inflight = li.inflight;
		ds.inflight_peak = li.peak;
		ds.busy_ns = li.busy_ns;
		ds.tput_est = li.tput;
		if (copy_to_user(u64_to_user_ptr(s->devs) + i * sizeof(ds), &ds,
				 sizeof(ds)))
			return -EFAULT;
	}
	return 0;
}

/* The size of struct dm_swarm_stats in ABI 1.1, which callers may pass. */
#define SWARM_STATS_SIZE_1_1	offsetofend(struct dm_swarm_stats, uuid)

static int swarm_stats_get(void __user *u)
{
	struct dm_swarm_stats s;
	struct swarm_pcpu *sum;
	struct swarm_c *sc;
	size_t size;
	u32 room;
	int r;

	/* An ABI 1.1 caller gets the 1.1 part. */
	if (get_user(room, (u32 __user *)u))
		return -EFAULT;
	size = room >= SWARM_STATS_SIZE_1_1 && room < sizeof(s) ? room : sizeof(s);
	memset(&s, 0, sizeof(s));
	r = swarm_get_req(&s, size, u);
	if (r)
		return r;
	r = swarm_find_req(s.dev_major, s.dev_minor, &sc);
	if (r)
		return r;
	sum = kmalloc(swarm_pcpu_size(sc->geom.nr_devs), GFP_KERNEL);
	if (!sum) {
		r = -ENOMEM;
		goto out;
	}
	swarm_stats_sum(&sc->stats, sum);
	room = s.nr_devs;
	swarm_stats_fill(sc, &s, sum);
	r = swarm_stats_devs(sc, &s, sum, room);
	if (!r && copy_to_user(u, &s, size))
		r = -EFAULT;
	kfree(sum);
out:
	swarm_registry_put(sc);
	return r;
}

static int swarm_stats_clear(void __user *u)
{
	struct dm_swarm_dev_req d;
	struct swarm_c *sc;
	u32 i;
	int r;

	r = swarm_get_req(&d, sizeof(d), u);
	if (r)
		return r;
	if (d.flags)
		return -EINVAL;
	r = swarm_find_req(d.dev_major, d.dev_minor, &sc);
	if (r)
		return r;
	swarm_stats_reset(&sc->stats);
	for (i = 0; i < sc->geom.nr_devs; i++)
		swarm_sel_reset(&sc->sel, i, sc->devs[i].dm_dev->bdev);
	swarm_registry_put(sc);
	return 0;
}

/* Where @entry lives, by the live map @lm (NULL: striped). */
static void swarm_placement_of(struct swarm_c *sc, struct swarm_live_map *lm,
			       u64 entry, struct dm_swarm_placement *pl)
{
	u64 copies[SWARM_MAX_COPIES];
	u32 j, n;

	memset(pl, 0, sizeof(*pl));
	pl->entry = entry;
	n = swarm_entry_copies(&sc->geom, lm, entry, copies);
	for (j = 0; j < n && j < DM_SWARM_MAX_COPIES; j++) {
		struct swarm_loc l = swarm_loc_decode(copies[j]);

		pl->copies[j].dev = l.dev;
		pl->copies[j].slot = l.slot;
	}
	pl->nr_copies = j;
}

static int swarm_placement_get(void __user *u)
{
	struct dm_swarm_placement_req q;
	struct dm_swarm_placement pl;
	struct swarm_live_map *lm;
	struct swarm_c *sc;
	u32 i;
	int r;

	r = swarm_get_req(&q, sizeof(q), u);
	if (r)
		return r;
	if (!q.nr_entries || q.nr_entries > DM_SWARM_MAX_BATCH)
		return -EINVAL;
	r = swarm_find_req(q.dev_major, q.dev_minor, &sc);
	if (r)
		return r;
	lm = swarm_live_get(&sc->maps);
	for (i = 0; i < q.nr_entries && !r; i++) {
		void __user *up = u64_to_user_ptr(q.entries) + i * sizeof(pl);
		u64 entry;

		if (copy_from_user(&entry, up, sizeof(entry))) {
			r = -EFAULT;
		} else if (entry >= sc->geom.nr_entries) {
			r = -ERANGE;
		} else {
			swarm_placement_of(sc, lm, entry, &pl);
			if (copy_to_user(up, &pl, sizeof(pl)))
				r = -EFAULT;
		}
	}
	swarm_live_put(lm);
	swarm_registry_put(sc);
	return r;
}

#define SWARM_TRACE_CHUNK	256U

/* Move up to @want events of @sc's trace to @events. Return: how many. */
static int swarm_trace_copy(struct swarm_c *sc, u64 events, u32 want,
			    u32 *copied)
{
	struct dm_swarm_trace_event *buf;

	*copied = 0;
	buf = kmalloc_array(SWARM_TRACE_CHUNK, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (*copied < want) {
		u32 n = swarm_trace_take(&sc->trace, buf,
					 min(SWARM_TRACE_CHUNK, want - *copied));

		if (!n)
			break;
		/* Events taken but not delivered are lost, like drops. */
		if (copy_to_user(u64_to_user_ptr(events) + *copied * sizeof(*buf),
				 buf, n * sizeof(*buf))) {
			kfree(buf);
			return -EFAULT;
		}
		*copied += n;
	}
	kfree(buf);
	return 0;
}

static int swarm_trace_ioctl(struct file *f, void __user *u)
{
	struct dm_swarm_trace t;
	struct swarm_c *sc;
	u32 copied = 0;
	int r;

	r = swarm_get_req(&t, sizeof(t), u);
	if (r)
		return r;
	if ((t.flags & ~DM_SWARM_TRACE_FLAGS_ALL) || t.pad)
		return -EINVAL;
	r = swarm_find_req(t.dev_major, t.dev_minor, &sc);
	if (r)
		return r;
	if (t.flags & DM_SWARM_TRACE_START)
		r = swarm_trace_start(&sc->trace, t.ring);
	if (!r)
		r = swarm_trace_copy(sc, t.events, t.nr_events, &copied);
	if (!r) {
		if (t.flags & DM_SWARM_TRACE_STOP)
			swarm_trace_stop(&sc->trace);
		swarm_trace_counters(&sc->trace, &t.recorded, &t.dropped,
				     &t.active);
		t.nr_events = copied;
		if (copy_to_user(u, &t, sizeof(t)))
			r = -EFAULT;
	}
	swarm_registry_put(sc);
	return r;
}

static int swarm_version(struct file *f, void __user *u)
{
	struct dm_swarm_version v;
	int r = swarm_get_req(&v, sizeof(v), u);

	if (r)
		return r;
	v.major = DM_SWARM_VERSION_MAJOR;
	v.minor = DM_SWARM_VERSION_MINOR;
	v.patch = DM_SWARM_VERSION_PATCH;
	return copy_to_user(u, &v, sizeof(v)) ? -EFAULT : 0;
}

static int swarm_stats_ioctl(struct file *f, void __user *u)
{
	return swarm_stats_get(u);
}

static int swarm_stats_reset_ioctl(struct file *f, void __user *u)
{
	return swarm_stats_clear(u);
}

static int swarm_placement_ioctl(struct file *f, void __user *u)
{
	return swarm_placement_get(u);
}

/* DM_SWARM_LOST: the scan is swarm_lost_scan() (swarm-redund.c). */
static int swarm_lost_ioctl(struct file *f, void __user *u)
{
	struct dm_swarm_range *out;
	struct dm_swarm_lost q;
	struct swarm_c *sc;
	u32 n;
	int r;

	r = swarm_get_req(&q, sizeof(q), u);
	if (r)
		return r;
	if (q.flags || q.pad || !q.nr_ranges || q.nr_ranges > DM_SWARM_MAX_BATCH)
		return -EINVAL;
	r = swarm_find_req(q.dev_major, q.dev_minor, &sc);
	if (r)
		return r;
	out = kvmalloc_array(q.nr_ranges, sizeof(*out), GFP_KERNEL);
	if (!out) {
		r = -ENOMEM;
	} else if (q.start >= sc->geom.nr_entries) {
		r = -ERANGE;
	} else {
		r = swarm_lost_scan(sc, q.start, out, q.nr_ranges, &n, &q.next,
				    &q.lost, &q.failed_devs);
		q.nr_ranges = n;
		if (!r && (copy_to_user(u64_to_user_ptr(q.ranges), out,
					(size_t)n * sizeof(*out)) ||
			   copy_to_user(u, &q, sizeof(q))))
			r = -EFAULT;
	}
	kvfree(out);
	swarm_registry_put(sc);
	return r;
}

/*
 * The requests, by number from SWARM_IOC_FIRST. @staging: the request
 * works on the file's staged upload, under swarm_uploads_mutex.
 */
#define SWARM_IOC_FIRST	_IOC_NR(DM_SWARM_VERSION)
#define SWARM_IOC(req)	(_IOC_NR(req) - SWARM_IOC_FIRST)

static const struct swarm_ioctl {
	int (*fn)(struct file *f, void __user *u);
	bool staging;
} swarm_ioctls[] = {
	[SWARM_IOC(DM_SWARM_VERSION)] = { swarm_version },
	[SWARM_IOC(DM_SWARM_MAP_BEGIN)] = { swarm_map_begin, true },
	[SWARM_IOC(DM_SWARM_MAP_ADD)] = { swarm_map_add, true },
	[SWARM_IOC(DM_SWARM_MAP_WEIGHTS)] = { swarm_map_weights, true },
	[SWARM_IOC(DM_SWARM_MAP_COMMIT)] = { swarm_map_commit },
	[SWARM_IOC(DM_SWARM_MAP_ABORT)] = { swarm_map_abort },
	[SWARM_IOC(DM_SWARM_STATS)] = { swarm_stats_ioctl },
	[SWARM_IOC(DM_SWARM_STATS_RESET)] = { swarm_stats_reset_ioctl },
	[SWARM_IOC(DM_SWARM_PLACEMENT)] = { swarm_placement_ioctl },
	[SWARM_IOC(DM_SWARM_TRACE)] = { swarm_trace_ioctl },
	[SWARM_IOC(DM_SWARM_LOST)] = { swarm_lost_ioctl },
};

static long swarm_ctl_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	const struct swarm_ioctl *ioc;
	unsigned int nr = _IOC_NR(cmd) - SWARM_IOC_FIRST;
	long r;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (_IOC_TYPE(cmd) != DM_SWARM_IOCTL || _IOC_NR(cmd) < SWARM_IOC_FIRST ||
	    nr >= ARRAY_SIZE(swarm_ioctls))
		return -ENOTTY;
	ioc = &swarm_ioctls[array_index_nospec(nr, ARRAY_SIZE(swarm_ioctls))];
	if (!ioc->fn)
		return -ENOTTY;
	if (!ioc->staging)
		return ioc->fn(f, (void __user *)arg);
	mutex_lock(&swarm_uploads_mutex);
	r = ioc->fn(f, (void __user *)arg);
	mutex_unlock(&swarm_uploads_mutex);
	return r;
}

static int swarm_ctl_open(struct inode *inode, struct file *f)
{
	/* misc_open() left the miscdevice here: the file has no upload. */
	f->private_data = NULL;
	return nonseekable_open(inode, f);
}

static int swarm_ctl_release(struct inode *inode, struct file *f)
{
	mutex_lock(&swarm_uploads_mutex);
	swarm_staged_free(f->private_data);
	f->private_data = NULL;
	mutex_unlock(&swarm_uploads_mutex);
	return 0;
}

static const struct file_operations swarm_ctl_fops = {
	.owner = THIS_MODULE,
	.open = swarm_ctl_open,
	.release = swarm_ctl_release,
	.unlocked_ioctl = swarm_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice swarm_ctl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DM_SWARM_CONTROL_NAME,
	.fops = &swarm_ctl_fops,
	.mode = 0600,
};

int swarm_ctl_init(void)
{
	return misc_register(&swarm_ctl_misc);
}

void swarm_ctl_exit(void)
{
	misc_deregister(&swarm_ctl_misc);
}
