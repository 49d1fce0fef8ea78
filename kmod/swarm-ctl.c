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
 * All requests run under swarm_ctl_mutex, which also keeps the targets
 * from going away meanwhile. A commit places the map with the mutex held:
 * other control requests wait for it; I/O does not.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/dm-swarm.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

static DEFINE_MUTEX(swarm_ctl_mutex);
static LIST_HEAD(swarm_targets);	/* struct swarm_c */
static LIST_HEAD(swarm_uploads);	/* struct swarm_staged */
static u64 swarm_resume_seq;

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

/* ---- the registry of swarm targets ---- */

void swarm_ctl_add(struct swarm_c *sc)
{
	mutex_lock(&swarm_ctl_mutex);
	list_add(&sc->list, &swarm_targets);
	mutex_unlock(&swarm_ctl_mutex);
}

void swarm_ctl_del(struct swarm_c *sc)
{
	mutex_lock(&swarm_ctl_mutex);
	list_del(&sc->list);
	mutex_unlock(&swarm_ctl_mutex);
}

static bool swarm_same_layout(struct swarm_c *a, struct swarm_c *b)
{
	u32 i;

	if (memcmp(&a->geom, &b->geom, sizeof(a->geom)))
		return false;
	for (i = 0; i < a->geom.nr_devs; i++)
		if (a->devs[i].dm_dev->bdev->bd_dev != b->devs[i].dm_dev->bdev->bd_dev)
			return false;
	return true;
}

/**
 * swarm_ctl_adopt_map() - the committed map, from the table being replaced.
 * @sc: a new table of a swarm device, in preresume.
 * @uuid: the set on its members.
 * @generation: the committed generation on its members.
 *
 * A reload need not read the map back from the members when the table it
 * replaces, over the same set and layout, has that generation live.
 *
 * Return: a reference to the map, or NULL.
 */
struct swarm_live_map *swarm_ctl_adopt_map(struct swarm_c *sc, const u8 *uuid,
					   u64 generation)
{
	struct swarm_live_map *lm, *found = NULL;
	struct swarm_c *o;

	mutex_lock(&swarm_ctl_mutex);
	list_for_each_entry(o, &swarm_targets, list) {
		if (o == sc || o->md != sc->md || !o->resume_seq ||
		    memcmp(o->meta.sb.uuid, uuid, sizeof(o->meta.sb.uuid)) ||
		    !swarm_same_layout(o, sc))
			continue;
		lm = rcu_dereference_protected(o->map, 1);
		if (lm && lm->generation == generation) {
			kref_get(&lm->kref);
			found = lm;
			break;
		}
	}
	mutex_unlock(&swarm_ctl_mutex);
	return found;
}

/**
 * swarm_ctl_resume() - a table of a swarm device goes live.
 * @sc: its target.
 */
void swarm_ctl_resume(struct swarm_c *sc)
{
	mutex_lock(&swarm_ctl_mutex);
	sc->resume_seq = ++swarm_resume_seq;
	mutex_unlock(&swarm_ctl_mutex);
}

/* The live swarm target of @dev: the one resumed last. */
static struct swarm_c *swarm_find(dev_t dev)
{
	struct swarm_c *sc, *best = NULL;

	lockdep_assert_held(&swarm_ctl_mutex);
	list_for_each_entry(sc, &swarm_targets, list)
		if (sc->resume_seq && swarm_devt(sc) == dev &&
		    (!best || sc->resume_seq > best->resume_seq))
			best = sc;
	return best;
}

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
	if (!b.nr_clusters || !b.nr_members || b.nr_clusters > b.nr_members)
		return -EINVAL;
	if (b.nr_clusters > DM_SWARM_MAX_CLUSTERS ||
	    b.nr_members > DM_SWARM_MAX_MEMBERS ||
	    b.nr_weights > DM_SWARM_MAX_CLUSTERS)
		return -E2BIG;

	sc = swarm_find(dev);
	if (!sc)
		return -ENODEV;
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
	st->nr_entries = sc->geom.nr_entries;
	st->want_clusters = b.nr_clusters;
	st->want_members = b.nr_members;
	st->want_weights = b.nr_weights;
	st->up.clusters = kvcalloc(b.nr_clusters, sizeof(*st->up.clusters),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	st->up.members = kvcalloc(b.nr_members, sizeof(u64), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
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
	u32 i;
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

	/* Stage past the end of what has arrived; commit the counts last. */
	cl = st->up.clusters + st->up.nr_clusters;
	first = st->up.nr_members;
	for (i = 0; i < a.nr_clusters; i++) {
		if (copy_from_user(&dc, u64_to_user_ptr(a.clusters) + i * sizeof(dc),
				   sizeof(dc)))
			return -EFAULT;
		if (!dc.nr_members)
			return -EINVAL;
		if (dc.nr_members > DM_SWARM_MAX_CLUSTER_SIZE)
			return -E2BIG;
		if (dc.id >= st->want_clusters || dc.medoid >= st->nr_entries)
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
	u32 i;
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
	for (i = 0; i < w.nr_weights; i++) {
		if (copy_from_user(&dw, u64_to_user_ptr(w.weights) + i * sizeof(dw),
				   sizeof(dw)))
			return -EFAULT;
		if (dw.a >= st->want_clusters || dw.b >= st->want_clusters)
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
 * owns it.
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
	r = swarm_staged_for(f, d.dev_major, d.dev_minor, stp);
	if (r)
		return r;
	f->private_data = NULL;
	return 0;
}

static bool swarm_migration_busy(struct swarm_c *sc)
{
	u32 state = READ_ONCE(sc->mig.state);

	return state == DM_SWARM_MIGRATE_RUNNING || state == DM_SWARM_MIGRATE_PAUSED;
}

/* The live map's placement, NULL when entries are striped. */
static const struct swarm_map *swarm_live_m(struct swarm_c *sc)
{
	struct swarm_live_map *lm = rcu_dereference_protected(sc->map,
						lockdep_is_held(&swarm_ctl_mutex));

	return lm ? &lm->m : NULL;
}

static int swarm_map_commit(struct file *f, void __user *u)
{
	bool drop, migrate;
	struct swarm_place_params p;
	struct swarm_live_map *lm;
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
	sc = swarm_find(st->dev);
	if (!sc) {
		r = -ENODEV;
		goto out;
	}
	if (sc->geom.nr_entries != st->nr_entries) {
		r = -ESTALE;	/* the table changed under the upload */
		goto out;
	}
	r = swarm_upload_validate(&st->up, st->nr_entries, &err);
	if (r)
		goto out;

	if (swarm_migration_busy(sc)) {
		err = "A migration is in progress: commit again when it is done";
		r = -EBUSY;
		goto out;
	}

	memset(&p, 0, sizeof(p));
	p.policy = READ_ONCE(sc->placement);
	p.max_copies = sc->feat.max_copies;
	p.spare_pct = sc->feat.spare_pct;
	drop = st->flags & DM_SWARM_MAP_DROP_DATA;
	migrate = READ_ONCE(sc->has_data) && !drop;
	for (;;) {
		lm = kzalloc(sizeof(*lm), GFP_KERNEL);
		if (!lm) {
			r = -ENOMEM;
			goto out;
		}
		kref_init(&lm->kref);
		/* Only commits change the live map, and they hold our mutex. */
		if (migrate)
			r = swarm_place_beside(&sc->geom,
					       swarm_live_m(sc), &st->up, &p,
					       &lm->m, &err);
		else
			r = swarm_place(&sc->geom, &st->up, &p, &lm->m, &err);
		if (r) {
			kfree(lm);
			goto out;
		}
		r = swarm_commit_map(sc, lm, drop, migrate);
		if (r) {
			err = r == -EAGAIN ? "" : "Cannot write the map to the members";
			swarm_map_free(&lm->m);
			kfree(lm);
		}
		/* A first write came before the commit: place it to migrate. */
		if (r != -EAGAIN || migrate)
			break;
		migrate = true;
	}
	if (r)
		goto out;
	DMINFO("%s: map generation %llu%s: %u clusters, %llu copies of %llu entries, %llu bytes",
	       swarm_name(sc), lm->generation,
	       migrate ? " (migrating)" : "", lm->m.nr_clusters,
	       lm->m.nr_copies, lm->m.nr_entries, swarm_map_bytes(&lm->m));
out:
	if (r)
		DMWARN_LIMIT("map commit on %u:%u refused (%d): %s", MAJOR(st->dev),
			     MINOR(st->dev), r, err);
	swarm_staged_free(st);
	return r;
}

static int swarm_map_abort(struct file *f, void __user *u)
{
	struct swarm_staged *st;
	int r = swarm_take_staged(f, u, &st);

	if (!r)
		swarm_staged_free(st);
	return r;
}

/* ---- statistics and placement queries ---- */

static int swarm_find_req(u32 major, u32 minor, struct swarm_c **scp)
{
	dev_t dev;
	int r = swarm_devt_of(major, minor, &dev);

	if (r)
		return r;
	*scp = swarm_find(dev);
	return *scp ? 0 : -ENODEV;
}

static int swarm_stats_get(void __user *u)
{
	struct dm_swarm_stats s;
	struct dm_swarm_dev_stats ds;
	struct swarm_live_map *lm;
	struct swarm_pcpu *sum;
	struct swarm_c *sc;
	u32 room, i;
	int r;

	r = swarm_get_req(&s, sizeof(s), u);
	if (r)
		return r;
	r = swarm_find_req(s.dev_major, s.dev_minor, &sc);
	if (r)
		return r;
	sum = kmalloc(swarm_pcpu_size(sc->geom.nr_devs), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	swarm_stats_sum(&sc->stats, sum);

	room = s.nr_devs;
	s.nr_devs = sc->geom.nr_devs;
	s.nr_entries = sc->geom.nr_entries;
	s.map_generation = 0;
	s.nr_clusters = 0;
	s.nr_copies = sc->geom.nr_entries;
	s.map_bytes = 0;
	rcu_read_lock();
	lm = rcu_dereference(sc->map);
	if (lm) {
		s.map_generation = lm->generation;
		s.nr_clusters = lm->m.nr_clusters;
		s.nr_copies = lm->m.nr_copies;
		s.map_bytes = swarm_map_bytes(&lm->m);
	}
	rcu_read_unlock();
	s.reads = sum->reads;
	s.writes = sum->writes;
	s.multi_copy_reads = sum->multi_copy_reads;
	s.redirected_reads = sum->redirected_reads;
	s.selector = READ_ONCE(sc->selector);
	s.placement = READ_ONCE(sc->placement);
	s.max_copies = sc->feat.max_copies;
	s.spare_pct = sc->feat.spare_pct;
	s.data_start = sc->geom.data_start;
	s.dev_slots = sc->geom.dev_slots;
	s.flags = READ_ONCE(sc->has_data) ? DM_SWARM_STATS_HAS_DATA : 0;
	s.migrate_state = READ_ONCE(sc->mig.state);
	s.migrate_generation = READ_ONCE(sc->mig.generation);
	s.migrate_done = READ_ONCE(sc->mig.copied);
	s.migrate_total = sc->mig.total;
	s.migrate_bytes = READ_ONCE(sc->mig.bytes);
	s.migrate_ms = s.migrate_state == DM_SWARM_MIGRATE_RUNNING ?
		div_u64(ktime_get_ns() - sc->mig.start_ns, NSEC_PER_MSEC) :
		sc->mig.ms;
	s.migrate_rate = READ_ONCE(sc->mig.rate);
	s.migrate_error = READ_ONCE(sc->mig.error);
	s.pad = 0;
	memcpy(s.uuid, sc->meta.sb.uuid, sizeof(s.uuid));

	for (i = 0; i < min(room, s.nr_devs); i++) {
		const struct swarm_dev_stats *d = &sum->dev[i];
		struct swarm_dev_load *l = &sc->stats.load[i];

		memset(&ds, 0, sizeof(ds));
		ds.reads = d->reads;
		ds.writes = d->writes;
		ds.read_bytes = d->read_sectors << SECTOR_SHIFT;
		ds.write_bytes = d->write_sectors << SECTOR_SHIFT;
		ds.inflight = max(atomic_read(&l->inflight), 0);
		ds.inflight_peak = atomic_read(&l->peak);
		ds.busy_ns = atomic64_read(&l->busy_ns);
		ds.tput_est = (u64)READ_ONCE(l->tput) * 1000;
		if (copy_to_user(u64_to_user_ptr(s.devs) + i * sizeof(ds), &ds,
				 sizeof(ds))) {
			kfree(sum);
			return -EFAULT;
		}
	}
	kfree(sum);
	return copy_to_user(u, &s, sizeof(s)) ? -EFAULT : 0;
}

static int swarm_stats_clear(void __user *u)
{
	struct dm_swarm_dev_req d;
	struct swarm_c *sc;
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
	return 0;
}

static int swarm_placement_get(void __user *u)
{
	struct dm_swarm_placement_req q;
	struct dm_swarm_placement pl;
	struct swarm_live_map *lm;
	struct swarm_c *sc;
	u32 i, j, n;
	int r;

	r = swarm_get_req(&q, sizeof(q), u);
	if (r)
		return r;
	if (!q.nr_entries || q.nr_entries > DM_SWARM_MAX_BATCH)
		return -EINVAL;
	r = swarm_find_req(q.dev_major, q.dev_minor, &sc);
	if (r)
		return r;
	for (i = 0; i < q.nr_entries; i++) {
		void __user *up = u64_to_user_ptr(q.entries) + i * sizeof(pl);
		u64 entry;

		if (copy_from_user(&entry, up, sizeof(entry)))
			return -EFAULT;
		if (entry >= sc->geom.nr_entries)
			return -ERANGE;
		memset(&pl, 0, sizeof(pl));
		pl.entry = entry;
		rcu_read_lock();
		lm = rcu_dereference(sc->map);
		if (lm) {
			const u64 *c;

			n = swarm_map_copies(&lm->m, entry, &c);
			for (j = 0; j < n && j < DM_SWARM_MAX_COPIES; j++) {
				struct swarm_loc l = swarm_loc_decode(c[j]);

				pl.copies[j].dev = l.dev;
				pl.copies[j].slot = l.slot;
			}
			pl.nr_copies = j;
		} else {
			struct swarm_loc l = swarm_striped_loc(&sc->geom, entry);

			pl.copies[0].dev = l.dev;
			pl.copies[0].slot = l.slot;
			pl.nr_copies = 1;
		}
		rcu_read_unlock();
		if (copy_to_user(up, &pl, sizeof(pl)))
			return -EFAULT;
	}
	return 0;
}

#define SWARM_TRACE_CHUNK	256U

static int swarm_trace_ioctl(void __user *u)
{
	struct dm_swarm_trace t;
	struct dm_swarm_trace_event *buf;
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
	if (t.flags & DM_SWARM_TRACE_START) {
		r = swarm_trace_start(&sc->trace, t.ring);
		if (r)
			return r;
	}

	buf = kmalloc_array(SWARM_TRACE_CHUNK, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (copied < t.nr_events) {
		u32 n = swarm_trace_take(&sc->trace, buf,
					 min(SWARM_TRACE_CHUNK, t.nr_events - copied));

		if (!n)
			break;
		/* Events taken but not delivered are lost, like drops. */
		if (copy_to_user(u64_to_user_ptr(t.events) + copied * sizeof(*buf),
				 buf, n * sizeof(*buf))) {
			kfree(buf);
			return -EFAULT;
		}
		copied += n;
	}
	kfree(buf);

	if (t.flags & DM_SWARM_TRACE_STOP)
		swarm_trace_stop(&sc->trace);
	swarm_trace_counters(&sc->trace, &t.recorded, &t.dropped, &t.active);
	t.nr_events = copied;
	return copy_to_user(u, &t, sizeof(t)) ? -EFAULT : 0;
}

static int swarm_version(void __user *u)
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

static long swarm_ctl_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *u = (void __user *)arg;
	long r;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (_IOC_TYPE(cmd) != DM_SWARM_IOCTL)
		return -ENOTTY;

	mutex_lock(&swarm_ctl_mutex);
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(DM_SWARM_VERSION):
		r = swarm_version(u);
		break;
	case _IOC_NR(DM_SWARM_MAP_BEGIN):
		r = swarm_map_begin(f, u);
		break;
	case _IOC_NR(DM_SWARM_MAP_ADD):
		r = swarm_map_add(f, u);
		break;
	case _IOC_NR(DM_SWARM_MAP_WEIGHTS):
		r = swarm_map_weights(f, u);
		break;
	case _IOC_NR(DM_SWARM_MAP_COMMIT):
		r = swarm_map_commit(f, u);
		break;
	case _IOC_NR(DM_SWARM_MAP_ABORT):
		r = swarm_map_abort(f, u);
		break;
	case _IOC_NR(DM_SWARM_STATS):
		r = swarm_stats_get(u);
		break;
	case _IOC_NR(DM_SWARM_STATS_RESET):
		r = swarm_stats_clear(u);
		break;
	case _IOC_NR(DM_SWARM_PLACEMENT):
		r = swarm_placement_get(u);
		break;
	case _IOC_NR(DM_SWARM_TRACE):
		r = swarm_trace_ioctl(u);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	mutex_unlock(&swarm_ctl_mutex);
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
	mutex_lock(&swarm_ctl_mutex);
	swarm_staged_free(f->private_data);
	f->private_data = NULL;
	mutex_unlock(&swarm_ctl_mutex);
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
