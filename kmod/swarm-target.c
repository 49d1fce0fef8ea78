// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: a device-mapper target that spreads fixed-size entries (the
 * KV-cache entries of LLM inference) over several SSDs.
 *
 * This file is the target glue: construction, status, messages, suspend
 * and resume, limits. The I/O path is swarm-io.c; see swarm.h for the
 * others.
 *
 * Table line:
 *   <start> <len> swarm <entry_sectors> <nr_devs> <dev>...
 *                       [<#feature args> [max_copies <n>] [min_copies <n>]
 *                        [spare <pct>] [cache_mb <MiB>] [migrate_rate <MiB/s>]
 *                        [rebuild_rate <KiB/s>] [format]]
 *
 * Each member starts with superblocks and map areas (swarm-meta.c); the
 * entry slots follow.
 */
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

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

static void swarm_tput_work(struct work_struct *work);

/* The health changed: the superblocks record it (swarm-health.h). */
static int swarm_health_record(struct swarm_health *h)
{
	return swarm_meta_sync_health(container_of(h, struct swarm_c, health));
}

/* Everything but the members; undone by swarm_free_state(). */
static int swarm_alloc_state(struct swarm_c *sc)
{
	int r;

	swarm_health_init(&sc->health, sc->ti, sc->name, sc->feat.nr_devs);
	sc->health.changed = swarm_health_record;
	swarm_lost_init(sc);
	sc->placement = SWARM_PLACE_COACTIVATION;
	INIT_DELAYED_WORK(&sc->tput_work, swarm_tput_work);
	INIT_LIST_HEAD(&sc->reg.list);
	mutex_init(&sc->ctl_lock);
	swarm_trace_init(&sc->trace);
	r = swarm_maps_init(&sc->maps);
	if (r)
		return r;
	r = swarm_io_init(sc);
	if (r)
		return r;
	sc->io_ready = true;
	if (swarm_meta_init(sc) || swarm_mig_init(sc) || swarm_rb_init(sc) ||
	    swarm_sel_init(&sc->sel, sc->feat.nr_devs) ||
	    swarm_stats_init(&sc->stats, sc->feat.nr_devs))
		return -ENOMEM;
	sc->wq = alloc_ordered_workqueue("dm-swarm", WQ_MEM_RECLAIM);
	return sc->wq ? 0 : -ENOMEM;
}

static void swarm_free_state(struct swarm_c *sc)
{
	if (sc->wq)
		destroy_workqueue(sc->wq);
	swarm_cache_destroy(sc);
	swarm_health_exit(&sc->health);
	swarm_trace_stop(&sc->trace);
	swarm_rb_exit(sc);
	swarm_mig_exit(sc);
	swarm_stats_exit(&sc->stats);
	swarm_sel_exit(&sc->sel);
	swarm_meta_exit(sc);
	if (sc->io_ready)
		swarm_io_exit(sc);
	swarm_maps_exit(&sc->maps);	/* safe on a failed init */
	mutex_destroy(&sc->ctl_lock);
	kfree(sc);
}

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
	r = swarm_alloc_state(sc);
	if (r) {
		ti->error = "Cannot allocate memory";
		goto bad;
	}
	r = swarm_get_devices(ti, sc, &t);
	if (r)
		goto bad;
	r = swarm_meta_check(sc);
	if (r)
		goto bad_put;
	swarm_mig_set_rate(sc, (u64)t.migrate_rate << 20);
	swarm_rb_set_rate(sc, (u64)t.rebuild_rate << 10);
	r = swarm_cache_create(sc, t.cache_mb);
	if (r) {
		ti->error = "Cannot allocate the DRAM tier (cache_mb)";
		goto bad_put;
	}
	/*
	 * dm core cuts bios at runs of striped entries and at the queue's
	 * max_sectors (the members'), so that a remapped bio never needs a
	 * split below us: the block layer fails a REQ_NOWAIT bio it would
	 * have to split with BLK_STS_AGAIN, and io_uring reissues it from
	 * a worker.
	 */
	r = dm_set_target_max_io_len(ti, sc->geom.entry_sectors << sc->geom.run_shift);
	if (r) {
		ti->error = "Run of striped entries too large";
		goto bad_put;
	}

	ti->num_flush_bios = sc->geom.nr_devs;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size =
		swarm_cache_per_bio_size(swarm_io_per_bio_size());
	ti->private = sc;
	swarm_registry_add(sc);
	return 0;

bad_put:
	swarm_put_devices(ti, sc, t.nr_devs);
bad:
	swarm_free_state(sc);
	return r;
}

static void swarm_dtr(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	swarm_registry_del(sc);
	swarm_trace_stop(&sc->trace);
	cancel_delayed_work_sync(&sc->tput_work);
	destroy_workqueue(sc->wq);
	sc->wq = NULL;
	swarm_put_devices(ti, sc, sc->geom.nr_devs);
	swarm_free_state(sc);
}

static void swarm_tput_work(struct work_struct *work)
{
	struct swarm_c *sc = container_of(to_delayed_work(work), struct swarm_c,
					  tput_work);
	u32 i;

	for (i = 0; i < sc->geom.nr_devs; i++)
		swarm_sel_estimate(&sc->sel, i, sc->devs[i].dm_dev->bdev);
	queue_delayed_work(sc->wq, &sc->tput_work, HZ);
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

/* The rebuild's part of the INFO status. */
static void swarm_status_rebuild(struct swarm_c *sc, char *result,
				 unsigned int maxlen)
{
	struct swarm_rb_info ri;
	unsigned int sz = 0;

	swarm_rb_info(sc, &ri);
	DMEMIT(" %s", swarm_rb_state_name(ri.state));
	if (ri.state == SWARM_RB_IDLE)
		DMEMIT(" -");
	else
		DMEMIT(" %u", ri.dev);
	DMEMIT(" %llu %llu %llu %llu %#llx %llu", ri.next, ri.total, ri.copied,
	       ri.lost, (u64)atomic64_read(&sc->health.stale),
	       swarm_lost_entries(&sc->lost));
}

/*
 * <nr_devs> (<dev> <reads> <writes> <read_sect> <write_sect>)...
 * <generation> <clusters> <copies> <reads> <writes> <multi_copy_reads>
 * <redirected_reads> <selector> <placement> <has_data 0|1>
 * <migration state> <entries moved> <entries total> <metadata ok|failed>
 * <health ok|degraded> <read_failovers> <lost_reads> <degraded_writes>
 * (<member ok|failed>)...
 * <cache policy cb|lru> <cache bytes> <cache entries>
 * (<hits> <misses> <hit bytes> <evictions>) for cb, then for lru
 * <rebuild state> <member|-> <entries rebuilt> <entries total>
 * <entries copied> <entries lost> <stale members>
 * <entries remembered lost>
 */
static void swarm_status_info(struct swarm_c *sc, char *result,
			      unsigned int maxlen)
{
	u64 gen = 0, clusters = 0, copies = sc->geom.nr_entries, failed;
	struct swarm_cache_info ci;
	struct swarm_live_map *lm;
	struct swarm_mig_info mi;
	struct swarm_pcpu *sum;
	unsigned int sz = 0;
	u32 i;

	sum = kmalloc(swarm_pcpu_size(sc->geom.nr_devs), GFP_NOIO);
	if (!sum) {
		DMEMIT("Cannot allocate memory");
		return;
	}
	swarm_stats_sum(&sc->stats, sum);
	DMEMIT("%u", sc->geom.nr_devs);
	for (i = 0; i < sc->geom.nr_devs; i++) {
		const struct swarm_dev_stats *s = &sum->dev[i];

		DMEMIT(" %s %llu %llu %llu %llu", sc->devs[i].dm_dev->name,
		       s->reads, s->writes, s->read_sectors, s->write_sectors);
	}
	rcu_read_lock();
	lm = rcu_dereference(sc->maps.live);
	if (lm) {
		gen = lm->generation;
		clusters = lm->pl.nr_clusters;
		copies = lm->pl.nr_copies;
	}
	rcu_read_unlock();
	DMEMIT(" %llu %llu %llu %llu %llu %llu %llu %s %s", gen, clusters,
	       copies, sum->reads, sum->writes, sum->multi_copy_reads,
	       sum->redirected_reads,
	       swarm_selector_names[READ_ONCE(sc->sel.policy)],
	       swarm_placement_names[READ_ONCE(sc->placement)]);
	swarm_mig_info(sc, &mi);
	DMEMIT(" %d %s %llu %llu %s", READ_ONCE(sc->has_data),
	       swarm_mig_state_names[mi.state], mi.copied, mi.total,
	       READ_ONCE(sc->meta_failed) ? "failed" : "ok");
	failed = swarm_health_failed(&sc->health);
	DMEMIT(" %s %llu %llu %llu", failed ? "degraded" : "ok",
	       sum->read_failovers, sum->lost_reads, sum->degraded_writes);
	for (i = 0; i < sc->geom.nr_devs; i++)
		DMEMIT(" %s", failed & BIT_ULL(i) ? "failed" : "ok");
	swarm_cache_info(sc, &ci);
	DMEMIT(" %s %llu %llu", swarm_cp_name(ci.policy), ci.bytes, ci.entries);
	for (i = 0; i < SWARM_CP_NR_KINDS; i++)
		DMEMIT(" %llu %llu %llu %llu", ci.hits[i], ci.misses[i],
		       ci.hit_bytes[i], ci.evictions[i]);
	kfree(sum);
	swarm_status_rebuild(sc, result + sz, maxlen - sz);
}

static void swarm_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct swarm_c *sc = ti->private;
	unsigned int sz = 0;
	u32 i, given;

	switch (type) {
	case STATUSTYPE_INFO:
		swarm_status_info(sc, result, maxlen);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%u %u", sc->geom.entry_sectors, sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++)
			DMEMIT(" %s", sc->devs[i].dm_dev->name);
		/* Messages may add features: one snapshot of the set. */
		given = READ_ONCE(sc->feat.given);
		smp_rmb();	/* pairs with swarm_feat_set() */
		if (given)
			DMEMIT(" %u", 2 * hweight32(given & ~SWARM_FEAT_FORMAT) +
			       !!(given & SWARM_FEAT_FORMAT));
		if (given & SWARM_FEAT_MAX_COPIES)
			DMEMIT(" max_copies %u", sc->feat.max_copies);
		if (given & SWARM_FEAT_MIN_COPIES)
			DMEMIT(" min_copies %u", sc->feat.min_copies);
		if (given & SWARM_FEAT_SPARE)
			DMEMIT(" spare %u", sc->feat.spare_pct);
		if (given & SWARM_FEAT_CACHE)
			DMEMIT(" cache_mb %u", READ_ONCE(sc->feat.cache_mb));
		if (given & SWARM_FEAT_MIGRATE_RATE)
			DMEMIT(" migrate_rate %u", READ_ONCE(sc->feat.migrate_rate));
		if (given & SWARM_FEAT_REBUILD_RATE)
			DMEMIT(" rebuild_rate %u", READ_ONCE(sc->feat.rebuild_rate));
		if (given & SWARM_FEAT_FORMAT)
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

/* "load": per member "<index>:<bios in flight>:<bytes in flight>". */
static int swarm_message_load(struct swarm_c *sc, char *result,
			      unsigned int maxlen)
{
	struct swarm_load_info li;
	unsigned int sz = 0;
	u32 i;

	for (i = 0; i < sc->geom.nr_devs; i++) {
		swarm_sel_info(&sc->sel, i, sc->devs[i].dm_dev->bdev, &li);
		DMEMIT("%s%u:%u:%llu", i ? " " : "", i, li.inflight,
		       li.inflight_bytes);
	}
	return 1;	/* dm returns @result */
}

/*
 * "gaps": "<read_gap> <gathers> <gap bytes> <hold pauses>" then per member
 * "<index>:<largest gap read, bytes>:<peak bytes/s>:<peak IOPS>";
 * <read_gap> is "auto" or the KiB forced.
 */
static int swarm_message_gaps(struct swarm_c *sc, char *result,
			      unsigned int maxlen)
{
	u32 kib = READ_ONCE(sc->sel.gap_kib);
	struct swarm_load_info li;
	struct swarm_pcpu *sum;
	unsigned int sz = 0;
	u32 i;

	sum = kmalloc(swarm_pcpu_size(sc->geom.nr_devs), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	swarm_stats_sum(&sc->stats, sum);
	if (kib == SWARM_GAP_AUTO)
		DMEMIT("auto");
	else
		DMEMIT("%u", kib);
	DMEMIT(" %llu %llu %llu", sum->gathers, sum->gap_bytes,
	       sum->hold_pauses);
	kfree(sum);
	for (i = 0; i < sc->geom.nr_devs; i++) {
		swarm_sel_info(&sc->sel, i, sc->devs[i].dm_dev->bdev, &li);
		DMEMIT(" %u:%u:%llu:%u", i, li.gap_max, li.bw_peak,
		       li.iops_peak);
	}
	return 1;	/* dm returns @result */
}

/* "fail_member <index>", "clear_member <index> [force]". */
static int swarm_message_member(struct swarm_c *sc, unsigned int argc,
				char **argv)
{
	bool fail = !strcasecmp(argv[0], "fail_member");
	bool force = argc == 3 && !strcasecmp(argv[2], "force");
	u32 dev;

	if (kstrtou32(argv[1], 10, &dev) || dev >= sc->geom.nr_devs ||
	    (argc == 3 && (fail || !force))) {
		DMWARN("%s takes a member index, 0 to %u%s", argv[0],
		       sc->geom.nr_devs - 1, fail ? "" : " [force]");
		return -EINVAL;
	}
	if (fail) {
		swarm_health_fail(&sc->health, dev, 0);
		return 0;
	}
	return swarm_health_clear(&sc->health, dev, force);
}

/*
 * A message changed feature @bit to @v: the table line dmsetup prints
 * says so from now on, so that a reload of that line (swarmctl replace,
 * dmsetup table | dmsetup reload) keeps it. The value is stored before
 * the bit, and status reads the bits once, so a line printed meanwhile
 * is whole, with the old value or the new.
 */
static void swarm_feat_set(struct swarm_c *sc, u32 bit, u32 *field, u32 v)
{
	u32 given = READ_ONCE(sc->feat.given);

	WRITE_ONCE(*field, v);
	smp_wmb();	/* the value before the bit that prints it */
	while (!(given & bit)) {
		u32 was = cmpxchg(&sc->feat.given, given, given | bit);

		if (was == given)
			break;
		given = was;
	}
}

/*
 * dmsetup message <dev> 0 selector static|least-loaded
 * dmsetup message <dev> 0 placement roundrobin|coactivation|nobalance
 * dmsetup message <dev> 0 trace on [<ring events>]|off
 * dmsetup message <dev> 0 migrate_rate <MiB/s, 0 = no cap>
 * dmsetup message <dev> 0 load (prints what is in flight on each member)
 * dmsetup message <dev> 0 read_gap auto|<KiB> (held reads on a member
 *	separated by gaps up to this size go down as one read of them and
 *	the gaps; auto, the default: each member's peak bandwidth / IOPS,
 *	at most 256 KiB; 0: never)
 * dmsetup message <dev> 0 gaps (prints read_gap, the gathers, the gap
 *	bytes read and each member's largest gap read and peaks)
 * dmsetup message <dev> 0 fail_member <index> (no more I/O to it, as
 *	after an I/O error)
 * dmsetup message <dev> 0 clear_member <index> [force] (trust it again;
 *	"force" when it missed writes while failed: those copies are stale)
 * dmsetup message <dev> 0 cache [<MiB>] (a new, empty DRAM tier of that
 *	size, 0 = off; without a size prints "<policy> <MiB> <bytes>
 *	<entries> <T_base ns> <T_transfer ns>")
 * dmsetup message <dev> 0 cache_policy cb|lru (a new, empty DRAM tier
 *	under that policy)
 * dmsetup message <dev> 0 rebuild <index> (copy every entry it holds from
 *	the other copies, then trust it again; swarm-rebuild.c)
 * dmsetup message <dev> 0 rebuild_rate <KiB/s, 0 = no cap>
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
		WRITE_ONCE(sc->sel.policy, v);
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

		if (kstrtou32(argv[1], 10, &mib) || mib > SWARM_MIGRATE_RATE_MAX) {
			DMWARN("migrate_rate takes MiB/s, 0 (no cap) to %u",
			       SWARM_MIGRATE_RATE_MAX);
			return -EINVAL;
		}
		swarm_mig_set_rate(sc, (u64)mib << 20);
		swarm_feat_set(sc, SWARM_FEAT_MIGRATE_RATE, &sc->feat.migrate_rate, mib);
		return 0;
	}
	if (argc == 1 && !strcasecmp(argv[0], "load"))
		return swarm_message_load(sc, result, maxlen);
	if (argc == 2 && !strcasecmp(argv[0], "read_gap")) {
		u32 kib = SWARM_GAP_AUTO;

		if (strcasecmp(argv[1], "auto") &&
		    (kstrtou32(argv[1], 10, &kib) || kib > SWARM_GAP_FORCE_MAX_KIB)) {
			DMWARN("read_gap takes auto or KiB, 0 (off) to %u",
			       SWARM_GAP_FORCE_MAX_KIB);
			return -EINVAL;
		}
		WRITE_ONCE(sc->sel.gap_kib, kib);
		return 0;
	}
	if (argc == 1 && !strcasecmp(argv[0], "gaps"))
		return swarm_message_gaps(sc, result, maxlen);
	if (argc == 2 && !strcasecmp(argv[0], "rebuild")) {
		u32 dev;

		if (kstrtou32(argv[1], 10, &dev) || dev >= sc->geom.nr_devs) {
			DMWARN("rebuild takes a member index, 0 to %u",
			       sc->geom.nr_devs - 1);
			return -EINVAL;
		}
		return swarm_rb_message(sc, dev);
	}
	if (argc == 2 && !strcasecmp(argv[0], "rebuild_rate")) {
		u32 kib;

		if (kstrtou32(argv[1], 10, &kib) || kib > SWARM_REBUILD_RATE_MAX) {
			DMWARN("rebuild_rate takes KiB/s, 0 (no cap) to %u",
			       SWARM_REBUILD_RATE_MAX);
			return -EINVAL;
		}
		swarm_rb_set_rate(sc, (u64)kib << 10);
		swarm_feat_set(sc, SWARM_FEAT_REBUILD_RATE, &sc->feat.rebuild_rate, kib);
		return 0;
	}
	if ((argc == 2 || argc == 3) && (!strcasecmp(argv[0], "fail_member") ||
					 !strcasecmp(argv[0], "clear_member")))
		return swarm_message_member(sc, argc, argv);
	if ((argc == 1 || argc == 2) && (!strcasecmp(argv[0], "cache") ||
					 !strcasecmp(argv[0], "cache_policy"))) {
		u32 mb;

		v = swarm_cache_message(sc, argc, argv, result, maxlen);
		if (!v && argc == 2 && !strcasecmp(argv[0], "cache") &&
		    !kstrtou32(argv[1], 10, &mb))
			swarm_feat_set(sc, SWARM_FEAT_CACHE, &sc->feat.cache_mb, mb);
		return v;
	}
	DMWARN("unknown message '%s' (selector placement trace migrate_rate load read_gap gaps %s)",
	       argc ? argv[0] : "",
	       "fail_member clear_member rebuild rebuild_rate cache cache_policy");
	return -EINVAL;
}

/* The metadata is read here, once the table it replaces is suspended. */
static int swarm_preresume(struct dm_target *ti)
{
	int r = swarm_meta_load(ti->private);

	if (!r)
		r = swarm_mig_load(ti->private);
	if (!r)
		r = swarm_redund_load(ti->private);
	if (!r)
		swarm_rb_load(ti->private);
	return r;
}

static void swarm_resume(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	swarm_registry_resume(sc);
	swarm_mig_resume(sc);
	swarm_rb_resume(sc);
	queue_delayed_work(sc->wq, &sc->tput_work, HZ);
}

static void swarm_presuspend(struct dm_target *ti)
{
	swarm_mig_pause(ti->private);
	swarm_rb_pause(ti->private);
}

static void swarm_presuspend_undo(struct dm_target *ti)
{
	swarm_mig_resume(ti->private);
	swarm_rb_resume(ti->private);
}

static void swarm_postsuspend(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	cancel_delayed_work_sync(&sc->tput_work);
	flush_workqueue(sc->wq);
	/* The next table reads the health from the superblocks. */
	flush_work(&sc->health.event);
	/* And the entries remembered lost, as writes left them. */
	if (swarm_meta_sync_lost(sc))
		DMERR("%s: cannot record the entries remembered lost", swarm_name(sc));
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
	/* A row of striped runs, as dm-stripe's chunk x stripes. */
	limits->io_opt = (entry_bytes << sc->geom.run_shift) * sc->geom.nr_devs;
	if (limits->physical_block_size < SWARM_MIN_ENTRY_SECTORS << SECTOR_SHIFT)
		limits->physical_block_size = SWARM_MIN_ENTRY_SECTORS << SECTOR_SHIFT;
}

static struct target_type swarm_target = {
	.name = "swarm",
	.version = {0, 5, 0},
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = swarm_ctr,
	.dtr = swarm_dtr,
	.map = swarm_io_map,
	.end_io = swarm_io_end,
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
	if (r) {
		dm_unregister_target(&swarm_target);
		return r;
	}
	swarm_io_fault_init();
	return 0;
}

static void __exit dm_swarm_exit(void)
{
	swarm_io_fault_exit();
	swarm_ctl_exit();
	dm_unregister_target(&swarm_target);
	rcu_barrier();	/* maps freed by call_rcu() */
}

module_init(dm_swarm_init);
module_exit(dm_swarm_exit);

MODULE_DESCRIPTION(DM_NAME " target spreading KV-cache entries over SSDs");
MODULE_AUTHOR("dm-swarm developers");
MODULE_LICENSE("GPL");
