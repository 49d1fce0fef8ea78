// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: a device-mapper target that spreads fixed-size entries (the
 * KV-cache entries of LLM inference) over several SSDs.
 *
 * This file is the target glue: constructor, destructor, map, status and
 * the device-limit hooks. The geometry and mapping math live in
 * swarm-layout.c, the counters in swarm-stats.c.
 *
 * Table line:
 *   <start> <len> swarm <entry_sectors> <nr_devs> <dev>...
 *                       [<#feature args> <feature>...]
 */
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "swarm-core.h"
#include "swarm-stats.h"

#define DM_MSG_PREFIX "swarm"

struct swarm_member {
	struct dm_dev *dm_dev;
};

struct swarm_c {
	struct dm_target *ti;
	struct swarm_geom geom;
	struct swarm_stats stats;
	struct swarm_member devs[];
};

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

	r = swarm_get_devices(ti, sc, &t);
	if (r)
		goto bad_free;

	r = swarm_stats_init(&sc->stats, t.nr_devs);
	if (r) {
		ti->error = "Cannot allocate statistics";
		goto bad_put;
	}

	r = dm_set_target_max_io_len(ti, sc->geom.entry_sectors);
	if (r)
		goto bad_stats;

	ti->num_flush_bios = sc->geom.nr_devs;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->private = sc;
	return 0;

bad_stats:
	swarm_stats_exit(&sc->stats);
bad_put:
	swarm_put_devices(ti, sc, t.nr_devs);
bad_free:
	kfree(sc);
	return r;
}

static void swarm_dtr(struct dm_target *ti)
{
	struct swarm_c *sc = ti->private;

	swarm_stats_exit(&sc->stats);
	swarm_put_devices(ti, sc, sc->geom.nr_devs);
	kfree(sc);
}

static inline void swarm_remap(struct swarm_c *sc, struct bio *bio, u32 dev)
{
	bio_set_dev(bio, sc->devs[dev].dm_dev->bdev);
	swarm_stats_account(&sc->stats, dev, bio);
}

static int swarm_map(struct dm_target *ti, struct bio *bio)
{
	struct swarm_c *sc = ti->private;
	const struct swarm_geom *g = &sc->geom;
	struct swarm_loc loc;
	sector_t offset, in_entry;
	u32 left;

	if (unlikely(bio->bi_opf & REQ_PREFLUSH)) {
		/* An empty flush: dm core sends one per member. */
		swarm_remap(sc, bio, dm_bio_get_target_bio_nr(bio));
		return DM_MAPIO_REMAPPED;
	}

	offset = dm_target_offset(ti, bio->bi_iter.bi_sector);
	in_entry = offset & (g->entry_sectors - 1);

	/*
	 * Reads and writes never cross an entry (max_io_len); discards and
	 * write-zeroes may, and dm core resubmits what we do not take.
	 */
	left = g->entry_sectors - in_entry;
	if (unlikely(bio_sectors(bio) > left))
		dm_accept_partial_bio(bio, left);

	loc = swarm_striped_loc(g, offset >> g->entry_shift);
	bio->bi_iter.bi_sector = swarm_slot_sector(g, loc.slot) + in_entry;
	swarm_remap(sc, bio, loc.dev);
	return DM_MAPIO_REMAPPED;
}

static void swarm_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct swarm_c *sc = ti->private;
	unsigned int sz = 0;
	u32 i;

	switch (type) {
	case STATUSTYPE_INFO:
		/* <nr_devs> (<dev> <reads> <writes> <read_sect> <write_sect>)... */
		DMEMIT("%u", sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++) {
			struct swarm_dev_stats s;

			swarm_stats_sum(&sc->stats, i, &s);
			DMEMIT(" %s %llu %llu %llu %llu", sc->devs[i].dm_dev->name,
			       s.reads, s.writes, s.read_sectors,
			       s.write_sectors);
		}
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%u %u", sc->geom.entry_sectors, sc->geom.nr_devs);
		for (i = 0; i < sc->geom.nr_devs; i++)
			DMEMIT(" %s", sc->devs[i].dm_dev->name);
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
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = swarm_ctr,
	.dtr = swarm_dtr,
	.map = swarm_map,
	.status = swarm_status,
	.iterate_devices = swarm_iterate_devices,
	.io_hints = swarm_io_hints,
};

static int __init dm_swarm_init(void)
{
	return dm_register_target(&swarm_target);
}

static void __exit dm_swarm_exit(void)
{
	dm_unregister_target(&swarm_target);
}

module_init(dm_swarm_init);
module_exit(dm_swarm_exit);

MODULE_DESCRIPTION(DM_NAME " target spreading KV-cache entries over SSDs");
MODULE_AUTHOR("dm-swarm developers");
MODULE_LICENSE("GPL");
