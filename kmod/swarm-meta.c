// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: metadata I/O. The superblocks and map areas at the start of
 * every member (format in swarm-disk.h and ON-DISK-FORMAT.md):
 *
 *   swarm_meta_check()   the constructor: do the members form one set, in
 *                        this order, with this geometry? Reads only fields
 *                        a commit never changes, so an old table may still
 *                        be live.
 *   swarm_meta_load()    preresume: format a new set, or read the newest
 *                        committed map.
 *   swarm_meta_commit()  write a map to the spare area, flush, then the
 *                        superblocks with FUA: the commit point.
 *   swarm_meta_set_flags() the superblocks alone (the has-data flag).
 *   swarm_meta_set_pending() the migration journal: the map a migration
 *                        moves to, in the spare area, and how far it got.
 *
 * Everything here runs in process context and may sleep.
 */
#include <linux/blkdev.h>
#include <linux/dm-io.h>
#include <linux/random.h>
#include <linux/vmalloc.h>

#include "swarm.h"
#include "swarm-disk.h"

#define DM_MSG_PREFIX "swarm"

/**
 * struct swarm_meta - the on-disk state of a table.
 * @sb: what the superblocks say, for this table; seq is the last written.
 * @area_sectors: size of a map area.
 * @loaded: preresume read the metadata.
 * @lock: serialises superblock writes.
 * @io: dm-io client.
 * @buf: SWARM_SB_COPIES superblock blocks.
 * @replaced: failed members found with a new device in their place, to
 *	rebuild (swarm-rebuild.c).
 * @pending: the map of a migration the superblocks recorded, read by
 *	preresume until swarm_mig_load() takes it.
 * @lost: SWARM_LOST_MAX extents: the entries remembered lost, as the
 *	superblocks get them (under @lock) or as preresume read them.
 */
struct swarm_meta {
	struct swarm_sb sb;
	u32 area_sectors;
	bool loaded;
	struct mutex lock;	/* superblock writes */
	struct dm_io_client *io;
	void *buf;
	u64 replaced;
	struct swarm_live_map *pending;
	struct swarm_ext *lost;
};

static int swarm_meta_io(struct swarm_c *sc, u32 dev, blk_opf_t opf,
			 u64 sector, u64 bytes, void *buf, bool vmem)
{
	struct dm_io_region where = {
		.bdev = sc->devs[dev].dm_dev->bdev,
		.sector = sector,
		.count = bytes >> SECTOR_SHIFT,
	};
	struct dm_io_request req = {
		.bi_opf = opf | REQ_SYNC,
		.mem.type = vmem ? DM_IO_VMA : DM_IO_KMEM,
		.client = sc->meta->io,
	};
	unsigned long error_bits = 0;
	int r;

	if (vmem)
		req.mem.ptr.vma = buf;
	else
		req.mem.ptr.addr = buf;
	r = dm_io(&req, 1, &where, &error_bits, IOPRIO_DEFAULT);
	if (!r && error_bits)
		r = -EIO;
	return r;
}

/* Read both superblock copies of member @dev into @blocks. */
static int swarm_read_sbs(struct swarm_c *sc, u32 dev, void *blocks)
{
	return swarm_meta_io(sc, dev, REQ_OP_READ, 0,
			     SWARM_SB_COPIES * SWARM_SB_BYTES, blocks, false);
}

/*
 * Flush every member that gets writes: what was written to them is
 * durable. With @fail_bad a member that cannot flush is failed (its
 * copies are not read again) and the others are flushed still; without,
 * the first error is returned. Return: 0 or the first error.
 */
static int swarm_flush_members(struct swarm_c *sc, bool fail_bad)
{
	int r, first = 0;
	u32 i;

	for (i = 0; i < sc->geom.nr_devs; i++) {
		if (!swarm_health_write_ok(&sc->health, i))
			continue;
		r = blkdev_issue_flush(sc->devs[i].dm_dev->bdev);
		if (!r)
			continue;
		DMERR("%s: cannot flush member %u (%d)", swarm_name(sc), i, r);
		if (!fail_bad)
			return r;
		atomic64_andnot(BIT_ULL(i), &sc->health.rebuilding);
		swarm_health_fail(&sc->health, i, r);
		first = first ?: r;
	}
	return first;
}

/*
 * Write the superblock of every member from @sc->meta->sb, with the
 * members' health and the entries remembered lost, copy 0 of all members
 * first, then copy 1, each with FUA: a crash tears at most one copy of
 * one member. Failed members (not being rebuilt) are left out; a member
 * whose write fails is failed, and the others are written again, so that
 * they record it. Only when no member is left does the device stop
 * taking writes.
 */
static int swarm_write_sbs(struct swarm_c *sc)
{
	struct swarm_sb sb = sc->meta->sb;
	u64 skip, changes;
	bool cleared;
	u32 copy, dev;
	int r;

	/* The list as it is now; writes that cleared it are flushed. */
	sb.nr_lost = swarm_lost_snapshot(&sc->lost, sc->meta->lost, &changes,
					 &cleared);
	if (cleared)
		swarm_flush_members(sc, true);
again:
	skip = swarm_health_wfailed(&sc->health);
	sb.failed = swarm_health_failed(&sc->health);
	sb.stale = (u64)atomic64_read(&sc->health.stale) & sb.failed;
	if (sb.rebuild_dev && !(sb.failed & BIT_ULL(sb.rebuild_dev - 1)))
		sb.rebuild_dev = 0;
	if (!sb.rebuild_dev)
		sb.rebuild_next = 0;
	sb.new_members &= sb.failed;
	if (sb.nr_lost || sb.new_members)
		sb.version = SWARM_SB_VERSION_LOST;
	else if (sb.pending_generation)
		sb.version = SWARM_SB_VERSION_PENDING;
	else if (swarm_sb_has_health(&sb))
		sb.version = SWARM_SB_VERSION_HEALTH;
	else
		sb.version = min(sb.version, 2U);
	sb.seq++;
	if (!(~skip & (BIT_ULL(sc->geom.nr_devs) - 1))) {
		r = -EIO;
		goto dead;
	}
	for (copy = 0; copy < SWARM_SB_COPIES; copy++) {
		for (dev = 0; dev < sc->geom.nr_devs; dev++) {
			if (skip & BIT_ULL(dev))
				continue;
			sb.member = dev;
			swarm_sb_encode_lost(&sb, sc->meta->lost,
					     sc->meta->buf);
			r = swarm_meta_io(sc, dev, REQ_OP_WRITE | REQ_FUA,
					  copy * SWARM_SB_SECTORS,
					  SWARM_SB_BYTES, sc->meta->buf, false);
			if (r) {
				DMERR("%s: cannot write the superblock of member %u (%d)",
				      swarm_name(sc), dev, r);
				atomic64_andnot(BIT_ULL(dev),
						&sc->health.rebuilding);
				swarm_health_fail(&sc->health, dev, r);
				goto again;
			}
		}
	}
	sc->meta->sb = sb;
	atomic64_set(&sc->health.recorded, sb.failed);
	swarm_lost_saved(&sc->lost, changes);
	return 0;
dead:
	/* The members may now disagree: no more writes. */
	WRITE_ONCE(sc->meta_failed, true);
	DMERR("%s: no member left to write the superblocks to", swarm_name(sc));
	return r;
}

static void swarm_sb_fill(struct swarm_c *sc, struct swarm_sb *sb)
{
	const struct swarm_geom *g = &sc->geom;

	memset(sb, 0, sizeof(*sb));
	sb->version = SWARM_SB_VERSION;
	sb->nr_members = g->nr_devs;
	sb->entry_sectors = g->entry_sectors;
	sb->area_sectors = sc->meta->area_sectors;
	sb->nr_entries = g->nr_entries;
	sb->dev_slots = g->dev_slots;
	sb->data_start = g->data_start;
	sb->max_copies = sc->feat.max_copies;
	sb->spare_pct = sc->feat.spare_pct;
	sb->run_shift = g->run_shift;
	sb->min_copies = g->min_copies > 1 ? g->min_copies : 0;
}

static const char *const swarm_kind_names[] = {
	[SWARM_SB_BLANK] = "blank",
	[SWARM_SB_FOREIGN] = "other data",
	[SWARM_SB_VALID] = "a swarm superblock",
	[SWARM_SB_CORRUPT] = "a damaged swarm superblock",
	[SWARM_SB_NEWER] = "a newer on-disk format",
};

/*
 * Read every member's superblock into @sbs. Return: 0 with the valid ones
 * in *@valid, the members that cannot be read in *@dead, and the first
 * error of each other member in @errs; an errno for a member that holds
 * something else is only returned (with @error set) when no member is
 * valid, since a failed member may have been replaced by a new device.
 */
static int swarm_read_kinds(struct swarm_c *sc, struct swarm_sb *sbs,
			    u64 *valid, u64 *dead, char **errs, char **error)
{
	static const char *const newer =
		"A member has an on-disk format version this module does not know";
	const char *name = swarm_name(sc);
	bool format = sc->feat.given & SWARM_FEAT_FORMAT;
	enum swarm_sb_kind k;
	u32 i;
	int r;

	*valid = 0;
	*dead = 0;
	for (i = 0; i < sc->geom.nr_devs; i++) {
		errs[i] = NULL;
		r = swarm_read_sbs(sc, i, sc->meta->buf);
		if (r) {
			DMERR("%s: cannot read the superblock of %s (%d)", name,
			      sc->devs[i].dm_dev->name, r);
			errs[i] = "Cannot read a member's superblock";
			*dead |= BIT_ULL(i);
			continue;
		}
		k = swarm_sb_pick(sc->meta->buf, &sbs[i]);
		if (k == SWARM_SB_VALID) {
			*valid |= BIT_ULL(i);
			continue;
		}
		memset(&sbs[i], 0, sizeof(sbs[i]));
		if (k == SWARM_SB_BLANK || (k == SWARM_SB_FOREIGN && format))
			continue;
		DMWARN("%s: %s holds %s", name, sc->devs[i].dm_dev->name,
		       swarm_kind_names[k]);
		if (k == SWARM_SB_FOREIGN)
			errs[i] = "A member holds other data (the format feature overwrites it)";
		else if (k == SWARM_SB_NEWER)
			errs[i] = (char *)newer;
		else
			errs[i] = "A member's superblocks are damaged";
	}
	for (i = 0; i < sc->geom.nr_devs && !*valid; i++) {
		if (errs[i]) {
			*error = errs[i];
			return *dead & BIT_ULL(i) ? -EIO : -EINVAL;
		}
	}
	return 0;
}

/* Does member @i's superblock @s belong in the set of @f (member @first)? */
static int swarm_check_member(struct swarm_c *sc, u32 i, const struct swarm_sb *s,
			      const struct swarm_sb *f, u32 first, char **error)
{
	const struct swarm_geom *g = &sc->geom;
	const char *name = swarm_name(sc), *dev = sc->devs[i].dm_dev->name;

	if (!s->nr_members) {
		DMERR("%s: %s is not in set %pU (%u members): a missing member?",
		      name, dev, f->uuid, f->nr_members);
		*error = "A member does not belong to the set";
	} else if (memcmp(s->uuid, f->uuid, sizeof(s->uuid))) {
		DMERR("%s: %s belongs to set %pU, %s to set %pU", name,
		      dev, s->uuid, sc->devs[first].dm_dev->name, f->uuid);
		*error = "Members belong to different sets";
	} else if (s->nr_members != g->nr_devs) {
		DMERR("%s: set %pU has %u members, the table gives %u",
		      name, s->uuid, s->nr_members, g->nr_devs);
		*error = "The table does not give every member of the set";
	} else if (s->member != i) {
		DMERR("%s: %s is member %u of set %pU, given as %u (see swarmctl assemble)",
		      name, dev, s->member, s->uuid, i);
		*error = "Members are given in the wrong order";
	} else if (s->entry_sectors != g->entry_sectors ||
		   s->nr_entries != g->nr_entries) {
		DMERR("%s: set %pU has %llu entries of %u sectors, the table %llu of %u",
		      name, s->uuid, s->nr_entries, s->entry_sectors,
		      g->nr_entries, g->entry_sectors);
		*error = "The table's geometry differs from the set's";
	} else if (s->dev_slots != f->dev_slots || s->data_start != f->data_start ||
		   s->area_sectors != f->area_sectors ||
		   s->run_shift != f->run_shift) {
		DMERR("%s: %s is smaller than set %pU's layout", name,
		      dev, s->uuid);
		*error = "A member is smaller than the set's layout";
	} else {
		return 0;
	}
	return -EINVAL;
}

/* The newest superblock of the members in @valid. */
static const struct swarm_sb *swarm_newest_of(struct swarm_c *sc,
					      const struct swarm_sb *sbs,
					      u64 valid)
{
	const struct swarm_sb *newest = NULL;
	u32 i;

	for (i = 0; i < sc->geom.nr_devs; i++) {
		const struct swarm_sb *s = &sbs[i];

		if (!(valid & BIT_ULL(i)))
			continue;
		if (!newest || s->generation > newest->generation ||
		    (s->generation == newest->generation && s->seq > newest->seq))
			newest = s;
	}
	return newest;
}

/*
 * Read every member's superblock and check that they form the set this
 * table describes. @sbs gets one per member. A member the newest
 * superblock says failed may be unreadable, blank or hold anything else
 * (a new device in its place): it is then in *@absent, its superblock
 * zeroed; *@deadp are the members that cannot be read. Return: 0 with
 * *@fresh true for members to format, 0 with
 * *@fresh false for an existing set, or an errno with @error set.
 */
static int swarm_identify(struct swarm_c *sc, struct swarm_sb *sbs,
			  bool *fresh, u64 *absent, u64 *deadp, char **error)
{
	const struct swarm_geom *g = &sc->geom;
	const struct swarm_sb *f;
	char **errs;
	u64 valid, dead, failed;
	u32 i, first;
	int r;

	errs = kcalloc(g->nr_devs, sizeof(*errs), GFP_KERNEL);
	if (!errs) {
		*error = "Cannot allocate memory";
		return -ENOMEM;
	}
	*absent = 0;
	r = swarm_read_kinds(sc, sbs, &valid, &dead, errs, error);
	*deadp = dead;
	*fresh = !valid;
	if (r || !valid)
		goto out;
	f = swarm_newest_of(sc, sbs, valid);
	first = f - sbs;
	failed = f->failed;
	for (i = 0; i < g->nr_devs; i++) {
		u64 bit = BIT_ULL(i);
		char *err = errs[i];

		if ((valid & bit) || !err)
			r = swarm_check_member(sc, i, &sbs[i], f, first, &err);
		else
			r = dead & bit ? -EIO : -EINVAL;
		if (!r)
			continue;
		if (!(failed & bit)) {
			*error = err;
			goto out;
		}
		/* A failed member: dead, or a new device to rebuild. */
		DMWARN("%s: failed member %u (%s) is %s", swarm_name(sc), i,
		       sc->devs[i].dm_dev->name,
		       dead & bit ? "unreadable" : "a new device");
		*absent |= bit;
		memset(&sbs[i], 0, sizeof(sbs[i]));
	}
	r = 0;
	for (i = 0; i < g->nr_devs; i++) {
		if (bdev_nr_sectors(sc->devs[i].dm_dev->bdev) <
		    f->data_start + (f->dev_slots << g->entry_shift)) {
			DMERR("%s: %s is smaller than set %pU's layout",
			      swarm_name(sc), sc->devs[i].dm_dev->name, f->uuid);
			*error = "A member is smaller than the set's layout";
			r = -EINVAL;
			break;
		}
	}
out:
	kfree(errs);
	return r;
}

/**
 * swarm_meta_check() - the constructor's check of the members.
 * @sc: the target, with @sc->geom from the table and member sizes.
 *
 * For an existing set the geometry takes the set's layout; for a new one
 * it reserves room for the metadata. Sets @sc->ti->error on failure.
 *
 * Return: 0, -EINVAL or an I/O error.
 */
int swarm_meta_check(struct swarm_c *sc)
{
	struct swarm_geom *g = &sc->geom;
	struct swarm_sb *sbs;
	bool fresh;
	u64 absent, dead;
	int r;

	sbs = kcalloc(g->nr_devs, sizeof(*sbs), GFP_KERNEL);
	if (!sbs) {
		sc->ti->error = "Cannot allocate memory";
		return -ENOMEM;
	}
	/* The layout a new set gets; an existing one brings its own. */
	swarm_disk_layout(g, &sc->meta->area_sectors);
	r = swarm_identify(sc, sbs, &fresh, &absent, &dead, &sc->ti->error);
	if (r)
		goto out;
	if (!fresh) {
		const struct swarm_sb *f;

		f = swarm_newest_of(sc, sbs, ~absent & (BIT_ULL(g->nr_devs) - 1));
		if (max(f->min_copies, 1U) != g->min_copies) {
			DMERR("%s: set %pU has min_copies %u, the table %u (see swarmctl assemble)",
			      swarm_name(sc), f->uuid, max(f->min_copies, 1U),
			      g->min_copies);
			sc->ti->error = "The table's min_copies differs from the set's";
			r = -EINVAL;
			goto out;
		}
		g->dev_slots = f->dev_slots;
		g->data_start = f->data_start;
		swarm_geom_set_run(g, f->run_shift);
		sc->meta->area_sectors = f->area_sectors;
		memcpy(sc->meta->sb.uuid, f->uuid, sizeof(f->uuid));
		memcpy(sc->uuid, f->uuid, sizeof(sc->uuid));
	}
	if (!g->dev_slots || swarm_geom_slots_needed(g) > g->dev_slots) {
		sc->ti->error = g->min_copies > 1 ?
			"Target length times min_copies is larger than the devices hold" :
			"Target length is larger than the devices hold";
		r = -EINVAL;
	}
out:
	kfree(sbs);
	return r;
}

/* Read member @dev's part of area @area, from it or from its successor. */
static int swarm_read_part(struct swarm_c *sc, const struct swarm_sb *sb,
			   u32 dev, __le64 *part)
{
	const struct swarm_geom *g = &sc->geom;
	u64 bytes = swarm_part_bytes(g->dev_slots);
	u64 area = swarm_area_sector(sb->area_sectors, sb->generation & 1);
	u32 next = dev + 1 == g->nr_devs ? 0 : dev + 1;
	int r;

	if (sb->failed & BIT_ULL(dev)) {
		r = -ENODEV;	/* not trusted */
	} else {
		r = swarm_meta_io(sc, dev, REQ_OP_READ, area, bytes, part, true);
		if (!r && swarm_crc32c(part, bytes) == sb->area_crc[dev])
			return 0;
	}
	DMWARN("%s: map records of member %u are %s, using the copy on member %u",
	       swarm_name(sc), dev, r ? "unreadable" : "damaged", next);
	if (next == dev || (sb->failed & BIT_ULL(next)))
		goto lost;
	r = swarm_meta_io(sc, next, REQ_OP_READ, area + (bytes >> SECTOR_SHIFT),
			  bytes, part, true);
	if (!r && swarm_crc32c(part, bytes) == sb->area_crc[dev])
		return 0;
lost:
	DMERR("%s: both copies of member %u's map records are lost",
	      swarm_name(sc), dev);
	return -EUCLEAN;
}

static void swarm_free_parts(__le64 **parts, u32 n)
{
	while (n--)
		vfree(parts[n]);
	kfree(parts);
}

static __le64 **swarm_alloc_parts(const struct swarm_geom *g)
{
	__le64 **parts = kcalloc(g->nr_devs, sizeof(*parts), GFP_KERNEL);
	u32 i;

	if (!parts)
		return NULL;
	for (i = 0; i < g->nr_devs; i++) {
		parts[i] = vzalloc(swarm_part_bytes(g->dev_slots));
		if (!parts[i]) {
			swarm_free_parts(parts, i);
			return NULL;
		}
	}
	return parts;
}

/* Read the map of generation @sb->generation. */
static int swarm_load_map(struct swarm_c *sc, const struct swarm_sb *sb,
			  struct swarm_live_map **lmp)
{
	struct swarm_live_map *lm;
	__le64 **parts;
	char *err = "";
	u32 i;
	int r;

	parts = swarm_alloc_parts(&sc->geom);
	lm = swarm_live_alloc();
	if (!parts || !lm) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sc->geom.nr_devs; i++) {
		r = swarm_read_part(sc, sb, i, parts[i]);
		if (r)
			goto out;
	}
	r = swarm_placement_from_records(&sc->geom, parts, &lm->pl, &err);
	if (r) {
		DMERR("%s: map generation %llu: %s", swarm_name(sc),
		      sb->generation, err);
		goto out;
	}
	lm->generation = sb->generation;
	lm->pl.nr_clusters = sb->nr_clusters;
	*lmp = lm;
	lm = NULL;
out:
	swarm_live_free(lm);
	if (parts)
		swarm_free_parts(parts, sc->geom.nr_devs);
	return r;
}

/* A new set: write its first superblocks. */
static int swarm_format(struct swarm_c *sc)
{
	int r;

	swarm_sb_fill(sc, &sc->meta->sb);
	generate_random_uuid(sc->meta->sb.uuid);
	memcpy(sc->uuid, sc->meta->sb.uuid, sizeof(sc->uuid));
	r = swarm_write_sbs(sc);
	if (!r)
		DMINFO("%s: formatted set %pU: %u members, %llu slots from sector %llu",
		       swarm_name(sc), sc->meta->sb.uuid, sc->geom.nr_devs,
		       sc->geom.dev_slots, sc->geom.data_start);
	return r;
}

/*
 * The newest of the members' superblocks but @absent ones, with every
 * flag any of them has; *@stale when the members it does not say failed
 * differ (a crash during a superblock write).
 */
static void swarm_newest_sb(struct swarm_c *sc, const struct swarm_sb *sbs,
			    u64 absent, struct swarm_sb *newest, bool *stale)
{
	u64 all = BIT_ULL(sc->geom.nr_devs) - 1;
	u32 i;

	*newest = *swarm_newest_of(sc, sbs, all & ~absent);
	for (i = 0; i < sc->geom.nr_devs; i++)
		if (!(absent & BIT_ULL(i)))
			newest->flags |= sbs[i].flags;
	*stale = false;
	for (i = 0; i < sc->geom.nr_devs; i++) {
		if ((absent | newest->failed) & BIT_ULL(i))
			continue;
		if (sbs[i].generation != newest->generation ||
		    sbs[i].seq != newest->seq || sbs[i].flags != newest->flags)
			*stale = true;
	}
}

/*
 * The health the superblocks recorded. A member being rebuilt that was
 * replaced again starts over.
 */
static void swarm_load_health(struct swarm_c *sc, struct swarm_sb *sb,
			      u64 absent, u64 dead)
{
	u64 rebuilding = 0;

	if (sb->rebuild_dev) {
		rebuilding = BIT_ULL(sb->rebuild_dev - 1);
		if (dead & rebuilding) {
			rebuilding = 0;
			sb->rebuild_dev = 0;
			sb->rebuild_next = 0;
		} else if (absent & rebuilding) {
			sb->rebuild_next = 0;
		}
	}
	sc->meta->replaced = absent & ~dead & sb->failed & ~rebuilding;
	/* New devices, until rebuilt; one being rebuilt replaced again too. */
	sb->new_members |= absent & ~dead & sb->failed;
	swarm_health_set(&sc->health, sb->failed, sb->stale, rebuilding);
	if (sb->failed)
		DMWARN("%s: failed %#llx (stale %#llx, new %#llx), rebuilding %#llx from %llu",
		       swarm_name(sc), sb->failed, sb->stale,
		       sc->meta->replaced, rebuilding, sb->rebuild_next);
}

/* Forget the pending migration @sb records. */
static void swarm_clear_pending(struct swarm_sb *sb)
{
	sb->pending_generation = 0;
	sb->pending_copied = 0;
	sb->pending_copies = 0;
	sb->pending_clusters = 0;
	memset(sb->pending_crc, 0, sizeof(sb->pending_crc));
}

/*
 * The map of the migration @sb records, to @sc->meta->pending. A map
 * that cannot be read whole (damaged records, a failed member) is
 * dropped from @sb: the committed map stays, the migration is abandoned.
 * Return: 0, or -ENOMEM (the record is kept).
 */
static int swarm_load_pending(struct swarm_c *sc, struct swarm_sb *sb)
{
	struct swarm_live_map *lm = NULL;
	struct swarm_sb p = *sb;
	int r = -ENODEV;

	p.generation = sb->pending_generation;
	p.nr_clusters = sb->pending_clusters;
	memcpy(p.area_crc, sb->pending_crc, sizeof(p.area_crc));
	lm = swarm_live_adopt_next(sc, sb->pending_generation);
	if (lm)
		r = 0;
	else if (!sb->failed)
		r = swarm_load_map(sc, &p, &lm);
	if (r == -ENOMEM)
		return r;
	if (!r && lm->pl.nr_copies != sb->pending_copies)
		r = -EUCLEAN;
	if (r) {
		DMERR("%s: pending migration to generation %llu dropped (%d); map %llu kept",
		      swarm_name(sc), sb->pending_generation, r, sb->generation);
		swarm_live_put(lm);
		swarm_clear_pending(sb);
		return 0;
	}
	sc->meta->pending = lm;
	return 0;
}

/*
 * The entries remembered lost, from the superblock @sb of member @dev
 * (the newest): the copy of its two that has @sb's seq. Return: 0 or an
 * I/O error; -EUCLEAN when no copy has them (it changed under us).
 */
static int swarm_load_lost(struct swarm_c *sc, u32 dev,
			   const struct swarm_sb *sb)
{
	u32 nr;
	int r;

	r = swarm_read_sbs(sc, dev, sc->meta->buf);
	if (r)
		return r;
	nr = swarm_sb_lost_of(sc->meta->buf, sb->seq, sc->meta->lost);
	if (nr != sb->nr_lost ||
	    !swarm_ext_valid(sc->meta->lost, nr, sc->geom.nr_entries)) {
		DMERR("%s: the entries remembered lost cannot be read back from member %u",
		      swarm_name(sc), dev);
		return -EUCLEAN;
	}
	swarm_lost_set(&sc->lost, sc->meta->lost, nr);
	DMWARN("%s: %llu entries remembered lost, in %u ranges: their reads fail until written",
	       swarm_name(sc), sb->lost_entries, nr);
	return 0;
}

/*
 * An existing set: its committed map, its flags, its health, its entries
 * remembered lost, its superblocks made whole. The newest superblock goes
 * to @sc->meta->sb.
 */
static int swarm_load_set(struct swarm_c *sc, const struct swarm_sb *sbs,
			  u64 absent, u64 dead)
{
	struct swarm_sb *newest = &sc->meta->sb;
	struct swarm_live_map *lm = NULL;
	bool stale;
	int r;

	swarm_newest_sb(sc, sbs, absent, newest, &stale);
	memcpy(sc->uuid, newest->uuid, sizeof(sc->uuid));
	if (newest->nr_lost) {
		u64 all = BIT_ULL(sc->geom.nr_devs) - 1;

		r = swarm_load_lost(sc, swarm_newest_of(sc, sbs, all & ~absent) - sbs,
				    newest);
		if (r)
			return r;
	}
	if (newest->generation) {
		lm = swarm_live_adopt(sc, newest->generation);
		if (!lm) {
			r = swarm_load_map(sc, newest, &lm);
			if (r)
				return r;
		}
	}
	swarm_load_health(sc, newest, absent, dead);
	if (newest->pending_generation) {
		r = swarm_load_pending(sc, newest);
		if (r) {
			swarm_live_put(lm);
			return r;
		}
		stale |= !newest->pending_generation;
	}
	WRITE_ONCE(sc->has_data, newest->flags & SWARM_SB_HAS_DATA);
	/* The table's features are the ones assemble restores next time. */
	if (newest->max_copies != sc->feat.max_copies ||
	    newest->spare_pct != sc->feat.spare_pct) {
		newest->max_copies = sc->feat.max_copies;
		newest->spare_pct = sc->feat.spare_pct;
		stale = true;
	}
	if (stale) {
		DMINFO("%s: rewriting superblocks to generation %llu",
		       swarm_name(sc), newest->generation);
		r = swarm_write_sbs(sc);
		if (r) {
			swarm_live_put(sc->meta->pending);
			sc->meta->pending = NULL;
			swarm_live_put(lm);
			return r;
		}
	}
	/* No I/O reaches a table before its first resume. */
	swarm_live_put(swarm_live_publish(&sc->maps, lm));
	if (lm)
		DMINFO("%s: set %pU: map generation %llu, %llu copies of %llu entries",
		       swarm_name(sc), newest->uuid, lm->generation,
		       lm->pl.nr_copies, lm->pl.nr_entries);
	return 0;
}

/**
 * swarm_meta_load() - preresume: make the on-disk state this table's.
 * @sc: the target.
 *
 * A new set is formatted. An existing one gets its newest committed map
 * (from the table being replaced when it has the same one, otherwise from
 * the members) and its has-data flag; superblocks left behind by a crash
 * during a commit are rewritten. Runs once per table: later resumes do
 * nothing.
 *
 * Return: 0 or a negative errno (logged).
 */
int swarm_meta_load(struct swarm_c *sc)
{
	struct swarm_sb *sbs;
	u64 absent, dead;
	char *err = "";
	bool fresh;
	int r;

	if (sc->meta->loaded)
		return 0;
	sbs = kcalloc(sc->geom.nr_devs, sizeof(*sbs), GFP_KERNEL);
	if (!sbs)
		return -ENOMEM;
	/*
	 * No lock: before its first resume no I/O and no control request
	 * reaches this table. An old table may have committed since our
	 * constructor looked.
	 */
	r = swarm_identify(sc, sbs, &fresh, &absent, &dead, &err);
	if (r)
		DMERR("%s: %s", swarm_name(sc), err);
	else if (fresh)
		r = swarm_format(sc);
	else
		r = swarm_load_set(sc, sbs, absent, dead);
	if (!r)
		sc->meta->loaded = true;
	kfree(sbs);
	return r;
}

/**
 * swarm_meta_set_flags() - record @flags in the superblocks.
 * @sc: the target.
 * @flags: SWARM_SB_* flags, the new value.
 *
 * Return: 0 or an I/O error.
 */
int swarm_meta_set_flags(struct swarm_c *sc, u32 flags)
{
	int r = 0;

	mutex_lock(&sc->meta->lock);
	if (sc->meta->sb.flags != flags) {
		u32 old = sc->meta->sb.flags;

		sc->meta->sb.flags = flags;
		r = swarm_write_sbs(sc);
		if (r)
			sc->meta->sb.flags = old;
	}
	mutex_unlock(&sc->meta->lock);
	return r;
}

/*
 * Write the map records @parts to area sector @area of the members in
 * @devs that get writes, each member's beside its predecessor's, and
 * flush them. A member that fails is failed. Return: 0 when every
 * member's records are on a member written and flushed; -EIO otherwise.
 */
static int swarm_write_areas(struct swarm_c *sc, u64 area, __le64 **parts,
			     u64 devs)
{
	const struct swarm_geom *g = &sc->geom;
	u64 bytes = swarm_part_bytes(g->dev_slots), done = 0;
	u32 i;
	int r;

	for (i = 0; i < g->nr_devs; i++) {
		u32 prev = i ? i - 1 : g->nr_devs - 1;

		if (!(devs & BIT_ULL(i)) || !swarm_health_write_ok(&sc->health, i))
			continue;
		r = swarm_meta_io(sc, i, REQ_OP_WRITE, area, bytes, parts[i], true);
		if (!r && prev != i)
			r = swarm_meta_io(sc, i, REQ_OP_WRITE,
					  area + (bytes >> SECTOR_SHIFT), bytes,
					  parts[prev], true);
		if (!r)
			r = blkdev_issue_flush(sc->devs[i].dm_dev->bdev);
		if (r) {
			DMERR("%s: cannot write the map records of member %u (%d)",
			      swarm_name(sc), i, r);
			atomic64_andnot(BIT_ULL(i), &sc->health.rebuilding);
			swarm_health_fail(&sc->health, i, r);
			continue;
		}
		done |= BIT_ULL(i);
	}
	for (i = 0; i < g->nr_devs; i++) {
		u32 next = i + 1 == g->nr_devs ? 0 : i + 1;

		if ((devs & BIT_ULL(i)) && !(done & (BIT_ULL(i) | BIT_ULL(next)))) {
			DMERR("%s: no member holds the map records of member %u",
			      swarm_name(sc), i);
			return -EIO;
		}
	}
	return 0;
}

/**
 * swarm_meta_set_pending() - the migration journal.
 * @sc: the target.
 * @m: the map a migration starts to move to, or NULL.
 * @generation: its generation (the committed one + 1); 0 forgets the
 *	pending migration (it failed).
 * @copied: the entries below have their new copies.
 *
 * With @m, its records go to the area the committed map does not use
 * (where its commit would write them) and are flushed; without, the
 * members are flushed, so that the copies below @copied are durable.
 * Then the superblocks record the pending map and @copied. A crash
 * leaves the old record or the new one: after it, swarm_meta_load()
 * reads the pending map and swarm_mig_load() goes on from @copied.
 *
 * Return: 0, -ENOMEM or an I/O error; the old record then stays.
 */
int swarm_meta_set_pending(struct swarm_c *sc, const struct swarm_placement *m,
			   u64 generation, u64 copied)
{
	const struct swarm_geom *g = &sc->geom;
	u64 bytes = swarm_part_bytes(g->dev_slots);
	struct swarm_sb *sb = &sc->meta->sb, old;
	__le64 **parts = NULL;
	u32 i;
	int r = 0;

	if (m) {
		parts = swarm_alloc_parts(g);
		if (!parts)
			return -ENOMEM;
	}
	mutex_lock(&sc->meta->lock);
	old = *sb;
	if (!generation) {
		swarm_clear_pending(sb);
	} else if (m) {
		for (i = 0; i < g->nr_devs && !r; i++) {
			r = swarm_placement_to_records(g, m, i, parts[i]);
			sb->pending_crc[i] = swarm_crc32c(parts[i], bytes);
		}
		if (!r)
			r = swarm_write_areas(sc, swarm_area_sector(sc->meta->area_sectors,
								    generation & 1),
					      parts, BIT_ULL(g->nr_devs) - 1);
		sb->pending_clusters = m->nr_clusters;
		sb->pending_copies = m->nr_copies;
	} else {
		r = swarm_flush_members(sc, false);
	}
	sb->pending_generation = generation;
	sb->pending_copied = copied;
	if (!r)
		r = swarm_write_sbs(sc);
	if (r) {
		DMERR("%s: cannot record the migration to map generation %llu at entry %llu (%d)",
		      swarm_name(sc), generation, copied, r);
		old.seq = sb->seq;
		*sb = old;
	}
	mutex_unlock(&sc->meta->lock);
	if (parts)
		swarm_free_parts(parts, g->nr_devs);
	return r;
}

/**
 * swarm_meta_take_pending() - the migration the superblocks recorded.
 * @sc: the target, loaded.
 * @copied: set to the entries below which the new copies are made.
 *
 * Return: its map (the caller owns it), or NULL when none is pending.
 */
struct swarm_live_map *swarm_meta_take_pending(struct swarm_c *sc, u64 *copied)
{
	struct swarm_live_map *lm = sc->meta->pending;

	sc->meta->pending = NULL;
	*copied = sc->meta->sb.pending_copied;
	return lm;
}

/**
 * swarm_meta_commit() - write a map and make it the committed one.
 * @sc: the target.
 * @m: the map.
 * @generation: its generation, the committed one + 1.
 * @flags: SWARM_SB_* flags to record with it.
 *
 * The records go to the area the committed map does not use, on every
 * member with the predecessor's beside them; a flush of every member
 * makes them (and every completed data write) durable; only then do the
 * superblocks name the new generation. A crash before the first
 * superblock write leaves the old map, after it the new one. The map of
 * a migration's journal (swarm_meta_set_pending()) is already there.
 *
 * Return: 0, -ENOMEM or an I/O error; the committed map is then the old.
 */
int swarm_meta_commit(struct swarm_c *sc, const struct swarm_placement *m,
		      u64 generation, u32 flags)
{
	const struct swarm_geom *g = &sc->geom;
	u64 bytes = swarm_part_bytes(g->dev_slots);
	u64 area = swarm_area_sector(sc->meta->area_sectors, generation & 1);
	struct swarm_sb old;
	__le64 **parts;
	u32 i;
	int r;

	parts = swarm_alloc_parts(g);
	if (!parts)
		return -ENOMEM;
	mutex_lock(&sc->meta->lock);
	old = sc->meta->sb;
	if (generation == old.pending_generation) {
		/* The migration journal wrote the records: flush the copies. */
		memcpy(sc->meta->sb.area_crc, old.pending_crc,
		       sizeof(old.area_crc));
		r = swarm_flush_members(sc, false);
		if (r)
			goto out;
	} else {
		for (i = 0; i < g->nr_devs; i++) {
			r = swarm_placement_to_records(g, m, i, parts[i]);
			if (r)
				goto out;
			sc->meta->sb.area_crc[i] = swarm_crc32c(parts[i], bytes);
		}
		r = swarm_write_areas(sc, area, parts, BIT_ULL(g->nr_devs) - 1);
		if (r)
			goto out;
	}
	swarm_clear_pending(&sc->meta->sb);
	sc->meta->sb.generation = generation;
	sc->meta->sb.nr_clusters = m->nr_clusters;
	sc->meta->sb.nr_copies = m->nr_copies;
	sc->meta->sb.flags = flags;
	r = swarm_write_sbs(sc);
out:
	if (r) {
		DMERR("%s: cannot commit map generation %llu (%d)",
		      swarm_name(sc), generation, r);
		old.seq = sc->meta->sb.seq;
		sc->meta->sb = old;
	}
	mutex_unlock(&sc->meta->lock);
	swarm_free_parts(parts, g->nr_devs);
	return r;
}

/**
 * swarm_meta_sync_health() - record the members' health in the superblocks.
 * @sc: the target.
 *
 * From the health's work item after a member failed, went stale or was
 * cleared; process context. Does nothing before the metadata is loaded,
 * or when the superblocks already say so.
 *
 * Return: 0, or -EIO when no member's superblock can be written.
 */
int swarm_meta_sync_health(struct swarm_c *sc)
{
	struct swarm_meta *meta = sc->meta;
	u64 failed, stale;
	int r = 0;

	mutex_lock(&meta->lock);
	failed = swarm_health_failed(&sc->health);
	stale = (u64)atomic64_read(&sc->health.stale) & failed;
	if (READ_ONCE(sc->meta_failed))
		r = -EIO;
	else if (meta->loaded &&
		 (meta->sb.failed != failed || meta->sb.stale != stale))
		r = swarm_write_sbs(sc);
	mutex_unlock(&meta->lock);
	return r;
}

/**
 * swarm_meta_sync_lost() - record the entries remembered lost.
 * @sc: the target.
 *
 * When writes made entries whole since the superblocks last recorded the
 * list (swarm_lost_dirty()), or it grew: the members are flushed, then
 * the superblocks written. For a held flush (swarm-io.c), a FUA write and
 * suspend; process context.
 *
 * Return: 0, or -EIO when no member's superblock can be written.
 */
int swarm_meta_sync_lost(struct swarm_c *sc)
{
	struct swarm_meta *meta = sc->meta;
	int r = 0;

	mutex_lock(&meta->lock);
	if (READ_ONCE(sc->meta_failed))
		r = -EIO;
	else if (meta->loaded &&
		 READ_ONCE(sc->lost.changes) != READ_ONCE(sc->lost.saved))
		r = swarm_write_sbs(sc);
	mutex_unlock(&meta->lock);
	return r;
}

/**
 * swarm_meta_set_rebuild() - record where a rebuild is.
 * @sc: the target.
 * @dev: the member being rebuilt + 1, 0 when none.
 * @next: the entries below are rebuilt.
 * @done: member @done - 1 was rebuilt: it is no new device any more (0:
 *	none).
 *
 * The entries remembered lost go with it (swarm_write_sbs()).
 *
 * Return: 0 or an I/O error.
 */
int swarm_meta_set_rebuild(struct swarm_c *sc, u32 dev, u64 next, u32 done)
{
	int r;

	mutex_lock(&sc->meta->lock);
	sc->meta->sb.rebuild_dev = dev;
	sc->meta->sb.rebuild_next = next;
	if (done)
		sc->meta->sb.new_members &= ~BIT_ULL(done - 1);
	r = swarm_write_sbs(sc);
	mutex_unlock(&sc->meta->lock);
	return r;
}

/**
 * swarm_meta_rebuild_pos() - the rebuild the superblocks recorded.
 * @sc: the target, loaded.
 * @dev: set to the member being rebuilt + 1, 0 when none.
 * @next: set to the entries rebuilt.
 *
 * Return: the failed members found with a new device in their place.
 */
u64 swarm_meta_rebuild_pos(struct swarm_c *sc, u32 *dev, u64 *next)
{
	*dev = sc->meta->sb.rebuild_dev;
	*next = sc->meta->sb.rebuild_next;
	return sc->meta->replaced;
}

/**
 * swarm_meta_rebuild_records() - write a rebuilt member's map records.
 * @sc: the target.
 * @m: the committed map (NULL: none).
 * @dev: the member, which gets writes again.
 *
 * Its records and its predecessor's go to the committed area on @dev,
 * which is flushed: the member's copy of the map is whole again.
 *
 * Return: 0, -ENOMEM or an I/O error.
 */
int swarm_meta_rebuild_records(struct swarm_c *sc,
			       const struct swarm_placement *m, u32 dev)
{
	const struct swarm_geom *g = &sc->geom;
	u32 prev = dev ? dev - 1 : g->nr_devs - 1;
	__le64 **parts;
	u64 area;
	int r;

	if (!m)
		return 0;
	parts = swarm_alloc_parts(g);
	if (!parts)
		return -ENOMEM;
	mutex_lock(&sc->meta->lock);
	area = swarm_area_sector(sc->meta->area_sectors,
				 sc->meta->sb.generation & 1);
	r = swarm_placement_to_records(g, m, dev, parts[dev]);
	if (!r)
		r = swarm_placement_to_records(g, m, prev, parts[prev]);
	if (!r)
		r = swarm_write_areas(sc, area, parts, BIT_ULL(dev));
	if (!r && !swarm_health_write_ok(&sc->health, dev))
		r = -EIO;
	mutex_unlock(&sc->meta->lock);
	swarm_free_parts(parts, g->nr_devs);
	return r;
}

/* Is failed member @dev a new device, not yet rebuilt? */
bool swarm_meta_new_member(struct swarm_c *sc, u32 dev)
{
	return sc->meta->sb.new_members & BIT_ULL(dev);
}

/* The committed map's generation (0: none). */
u64 swarm_meta_generation(struct swarm_c *sc)
{
	return sc->meta->sb.generation;
}

/* The flags the superblocks hold. */
u32 swarm_meta_flags(struct swarm_c *sc)
{
	return sc->meta->sb.flags;
}

int swarm_meta_init(struct swarm_c *sc)
{
	struct swarm_meta *meta = kzalloc(sizeof(*meta), GFP_KERNEL);

	if (!meta)
		return -ENOMEM;
	mutex_init(&meta->lock);
	meta->buf = kzalloc(SWARM_SB_COPIES * SWARM_SB_BYTES, GFP_KERNEL);
	meta->lost = kcalloc(SWARM_LOST_MAX, sizeof(*meta->lost), GFP_KERNEL);
	if (!meta->buf || !meta->lost)
		goto bad_buf;
	meta->io = dm_io_client_create();
	if (IS_ERR(meta->io))
		goto bad_buf;
	sc->meta = meta;
	return 0;
bad_buf:
	kfree(meta->lost);
	kfree(meta->buf);
	mutex_destroy(&meta->lock);
	kfree(meta);
	return -ENOMEM;
}

void swarm_meta_exit(struct swarm_c *sc)
{
	struct swarm_meta *meta = sc->meta;

	if (!meta)
		return;
	swarm_live_put(meta->pending);
	dm_io_client_destroy(meta->io);
	kfree(meta->lost);
	kfree(meta->buf);
	mutex_destroy(&meta->lock);
	kfree(meta);
	sc->meta = NULL;
}
