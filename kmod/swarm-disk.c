// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: encoding and decoding of the on-disk format (swarm-disk.h,
 * ON-DISK-FORMAT.md). No I/O here: swarm-meta.c reads and writes the
 * blocks, swarmctl reads them from user space.
 *
 * Pure code: builds in the kernel and in user space.
 */
#ifdef __KERNEL__
#include <linux/crc32.h>
#include <asm/byteorder.h>
#endif

#include "swarm-disk.h"

#ifdef __KERNEL__
/*
 * The library CRC-32C, without libcrc32c's crypto API detour (and its
 * module). Kernels from 6.14 call it crc32c().
 */
static u32 swarm_crc32c_update(u32 crc, const void *buf, size_t len)
{
	return __crc32c_le(crc, buf, len);
}
#else
static u32 crc32c_table[256];

/* CRC-32C (Castagnoli), reflected polynomial 0x82f63b78, as the kernel's. */
static u32 swarm_crc32c_update(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!crc32c_table[1]) {
		u32 i, j, c;

		for (i = 0; i < 256; i++) {
			for (c = i, j = 0; j < 8; j++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
			crc32c_table[i] = c;
		}
	}
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
#endif

/* CRC-32C of @buf: the kernel's crc32c() with the usual inversions. */
u32 swarm_crc32c(const void *buf, size_t len)
{
	return ~swarm_crc32c_update(~0U, buf, len);
}

/* CRC-32C of a superblock block, its crc field taken as zero. */
static u32 swarm_sb_crc(const void *block)
{
	size_t at = offsetof(struct swarm_disk_sb, crc);
	const u32 zero = 0;
	u32 crc;

	crc = swarm_crc32c_update(~0U, block, at);
	crc = swarm_crc32c_update(crc, &zero, sizeof(zero));
	at += sizeof(zero);
	return ~swarm_crc32c_update(crc, (const u8 *)block + at,
				    SWARM_SB_BYTES - at);
}

/**
 * swarm_sb_encode() - write a superblock block, with no lost entries.
 * @sb: the superblock; @sb->nr_lost is not looked at.
 * @block: SWARM_SB_BYTES bytes, overwritten.
 */
void swarm_sb_encode(const struct swarm_sb *sb, void *block)
{
	swarm_sb_encode_lost(sb, NULL, block);
}

/**
 * swarm_sb_encode_lost() - write a superblock block.
 * @sb: the superblock.
 * @lost: its @sb->nr_lost lost extents, or NULL for none.
 * @block: SWARM_SB_BYTES bytes, overwritten.
 */
void swarm_sb_encode_lost(const struct swarm_sb *sb,
			  const struct swarm_ext *lost, void *block)
{
	struct swarm_disk_sb *d = block;
	u32 i, nr = lost ? min_t(u32, sb->nr_lost, SWARM_LOST_MAX) : 0;

	memset(block, 0, SWARM_SB_BYTES);
	d->magic = cpu_to_le32(SWARM_SB_MAGIC);
	d->version = cpu_to_le32(sb->version);
	d->flags = cpu_to_le32(sb->flags);
	memcpy(d->uuid, sb->uuid, sizeof(d->uuid));
	d->member = cpu_to_le32(sb->member);
	d->nr_members = cpu_to_le32(sb->nr_members);
	d->entry_sectors = cpu_to_le32(sb->entry_sectors);
	d->area_sectors = cpu_to_le32(sb->area_sectors);
	d->nr_entries = cpu_to_le64(sb->nr_entries);
	d->dev_slots = cpu_to_le64(sb->dev_slots);
	d->data_start = cpu_to_le64(sb->data_start);
	d->seq = cpu_to_le64(sb->seq);
	d->generation = cpu_to_le64(sb->generation);
	d->nr_clusters = cpu_to_le32(sb->nr_clusters);
	d->max_copies = cpu_to_le16(sb->max_copies);
	d->spare_pct = cpu_to_le16(sb->spare_pct);
	d->nr_copies = cpu_to_le64(sb->nr_copies);
	for (i = 0; i < SWARM_MAX_DEVS; i++)
		d->area_crc[i] = cpu_to_le32(sb->area_crc[i]);
	d->run_shift = cpu_to_le32(sb->run_shift);
	d->rebuild_dev = cpu_to_le32(sb->rebuild_dev);
	d->failed = cpu_to_le64(sb->failed);
	d->stale = cpu_to_le64(sb->stale);
	d->rebuild_next = cpu_to_le64(sb->rebuild_next);
	d->min_copies = cpu_to_le32(sb->min_copies);
	d->pending_clusters = cpu_to_le32(sb->pending_clusters);
	d->pending_generation = cpu_to_le64(sb->pending_generation);
	d->pending_copied = cpu_to_le64(sb->pending_copied);
	d->pending_copies = cpu_to_le64(sb->pending_copies);
	for (i = 0; i < SWARM_MAX_DEVS; i++)
		d->pending_crc[i] = cpu_to_le32(sb->pending_crc[i]);
	d->nr_lost = cpu_to_le32(nr);
	d->new_members = cpu_to_le64(sb->new_members);
	for (i = 0; i < nr; i++) {
		d->lost[i].first = cpu_to_le64(lost[i].first);
		d->lost[i].count = cpu_to_le64(lost[i].count);
	}
	d->crc = cpu_to_le32(swarm_sb_crc(block));
}

/**
 * swarm_sb_lost() - the lost extents of a superblock block.
 * @block: a block swarm_sb_decode() found valid.
 * @lost: room for SWARM_LOST_MAX extents.
 *
 * Return: the extents filled (0 before version 5).
 */
u32 swarm_sb_lost(const void *block, struct swarm_ext *lost)
{
	const struct swarm_disk_sb *d = block;
	u32 i, nr;

	if (le32_to_cpu(d->version) < SWARM_SB_VERSION_LOST)
		return 0;
	nr = min_t(u32, le32_to_cpu(d->nr_lost), SWARM_LOST_MAX);
	for (i = 0; i < nr; i++) {
		lost[i].first = le64_to_cpu(d->lost[i].first);
		lost[i].count = le64_to_cpu(d->lost[i].count);
	}
	return nr;
}

/**
 * swarm_sb_lost_of() - the lost extents of a member's current superblock.
 * @blocks: the SWARM_SB_COPIES superblock blocks of a member.
 * @seq: the seq of the copy swarm_sb_pick() took.
 * @lost: room for SWARM_LOST_MAX extents.
 *
 * Return: the extents filled from the intact copy with @seq, U32_MAX
 * when no copy is.
 */
u32 swarm_sb_lost_of(const void *blocks, u64 seq, struct swarm_ext *lost)
{
	u32 i;

	for (i = 0; i < SWARM_SB_COPIES; i++) {
		const u8 *b = (const u8 *)blocks + i * SWARM_SB_BYTES;
		const struct swarm_disk_sb *d = (const void *)b;

		if (le32_to_cpu(d->magic) == SWARM_SB_MAGIC &&
		    le32_to_cpu(d->version) <= SWARM_SB_VERSION &&
		    le64_to_cpu(d->seq) == seq &&
		    swarm_sb_crc(b) == le32_to_cpu(d->crc))
			return swarm_sb_lost(b, lost);
	}
	return U32_MAX;
}

/*
 * Version 5: the lost extents of @d are in order, within @sb's entries.
 * Sets @sb->nr_lost and @sb->lost_entries.
 */
static bool swarm_sb_lost_sane(const struct swarm_disk_sb *d,
			       struct swarm_sb *sb)
{
	u64 end = 0;
	u32 i;

	sb->nr_lost = le32_to_cpu(d->nr_lost);
	sb->new_members = le64_to_cpu(d->new_members);
	if (sb->nr_lost > SWARM_LOST_MAX || d->lost_pad ||
	    (sb->new_members & ~sb->failed))
		return false;
	for (i = 0; i < sb->nr_lost; i++) {
		u64 first = le64_to_cpu(d->lost[i].first);
		u64 count = le64_to_cpu(d->lost[i].count);

		if (!count || (i && first <= end) || first >= sb->nr_entries ||
		    count > sb->nr_entries - first)
			return false;
		end = first + count;
		sb->lost_entries += count;
	}
	return true;
}

static bool swarm_all_zero(const u8 *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* Fields that cannot come from a superblock we wrote. */
static bool swarm_sb_sane(const struct swarm_sb *sb)
{
	u64 area_end;

	if (!sb->version || !sb->nr_members || sb->nr_members > SWARM_MAX_DEVS ||
	    sb->member >= sb->nr_members ||
	    !is_power_of_2(sb->entry_sectors) ||
	    sb->entry_sectors < SWARM_MIN_ENTRY_SECTORS ||
	    sb->entry_sectors > SWARM_MAX_ENTRY_SECTORS ||
	    sb->flags & ~SWARM_SB_FLAGS_ALL || !sb->dev_slots ||
	    sb->dev_slots > SWARM_LOC_SLOT_MASK || !sb->max_copies ||
	    sb->max_copies > SWARM_MAX_COPIES || sb->spare_pct > 100 ||
	    sb->run_shift > SWARM_MAX_RUN_SHIFT ||
	    sb->rebuild_dev > sb->nr_members ||
	    (sb->failed | sb->stale) >> 1 >> (sb->nr_members - 1) ||
	    sb->stale & ~sb->failed ||
	    (sb->rebuild_dev && !(sb->failed & BIT_ULL(sb->rebuild_dev - 1))) ||
	    sb->rebuild_next > sb->nr_entries ||
	    sb->min_copies > min_t(u32, SWARM_MAX_COPIES, sb->nr_members))
		return false;
	if ((u64)sb->area_sectors << 9 < 2 * swarm_part_bytes(sb->dev_slots))
		return false;
	area_end = swarm_area_sector(sb->area_sectors, 2);
	if (sb->data_start < area_end ||
	    sb->data_start & (sb->entry_sectors - 1))
		return false;
	if (!sb->nr_entries || sb->nr_entries > sb->nr_members * sb->dev_slots)
		return false;
	if (sb->pending_generation &&
	    (sb->pending_generation != sb->generation + 1 ||
	     sb->pending_copied > sb->nr_entries ||
	     sb->pending_copies < sb->nr_entries ||
	     sb->pending_copies > sb->nr_members * sb->dev_slots))
		return false;
	return sb->nr_copies >= (sb->generation ? sb->nr_entries : 0) &&
	       sb->nr_copies <= sb->nr_members * sb->dev_slots;
}

/**
 * swarm_sb_decode() - read one superblock block.
 * @block: SWARM_SB_BYTES bytes.
 * @sb: filled when the result is SWARM_SB_VALID.
 *
 * Return: what the block holds.
 */
enum swarm_sb_kind swarm_sb_decode(const void *block, struct swarm_sb *sb)
{
	const struct swarm_disk_sb *d = block;
	u32 i;

	if (swarm_all_zero(block, SWARM_SB_BYTES))
		return SWARM_SB_BLANK;
	if (le32_to_cpu(d->magic) != SWARM_SB_MAGIC)
		return SWARM_SB_FOREIGN;
	memset(sb, 0, sizeof(*sb));
	sb->version = le32_to_cpu(d->version);
	/* A newer format may checksum differently: tell it apart first. */
	if (sb->version > SWARM_SB_VERSION)
		return SWARM_SB_NEWER;
	if (swarm_sb_crc(block) != le32_to_cpu(d->crc))
		return SWARM_SB_CORRUPT;
	sb->flags = le32_to_cpu(d->flags);
	memcpy(sb->uuid, d->uuid, sizeof(sb->uuid));
	sb->member = le32_to_cpu(d->member);
	sb->nr_members = le32_to_cpu(d->nr_members);
	sb->entry_sectors = le32_to_cpu(d->entry_sectors);
	sb->area_sectors = le32_to_cpu(d->area_sectors);
	sb->nr_entries = le64_to_cpu(d->nr_entries);
	sb->dev_slots = le64_to_cpu(d->dev_slots);
	sb->data_start = le64_to_cpu(d->data_start);
	sb->seq = le64_to_cpu(d->seq);
	sb->generation = le64_to_cpu(d->generation);
	sb->nr_clusters = le32_to_cpu(d->nr_clusters);
	sb->max_copies = le16_to_cpu(d->max_copies);
	sb->spare_pct = le16_to_cpu(d->spare_pct);
	sb->nr_copies = le64_to_cpu(d->nr_copies);
	for (i = 0; i < SWARM_MAX_DEVS; i++)
		sb->area_crc[i] = le32_to_cpu(d->area_crc[i]);
	sb->run_shift = sb->version >= 2 ? le32_to_cpu(d->run_shift) : 0;
	if (sb->version >= 3) {
		sb->rebuild_dev = le32_to_cpu(d->rebuild_dev);
		sb->failed = le64_to_cpu(d->failed);
		sb->stale = le64_to_cpu(d->stale);
		sb->rebuild_next = le64_to_cpu(d->rebuild_next);
	}
	/* Zero in superblocks written before it existed. */
	sb->min_copies = le32_to_cpu(d->min_copies);
	if (sb->version >= 4) {
		sb->pending_clusters = le32_to_cpu(d->pending_clusters);
		sb->pending_generation = le64_to_cpu(d->pending_generation);
		sb->pending_copied = le64_to_cpu(d->pending_copied);
		sb->pending_copies = le64_to_cpu(d->pending_copies);
		for (i = 0; i < SWARM_MAX_DEVS; i++)
			sb->pending_crc[i] = le32_to_cpu(d->pending_crc[i]);
	}
	if (sb->version >= SWARM_SB_VERSION_LOST &&
	    !swarm_sb_lost_sane(d, sb))
		return SWARM_SB_CORRUPT;
	return swarm_sb_sane(sb) ? SWARM_SB_VALID : SWARM_SB_CORRUPT;
}

/**
 * swarm_sb_pick() - the current superblock of a member.
 * @blocks: the SWARM_SB_COPIES superblock blocks, one after the other.
 * @sb: filled when the result is SWARM_SB_VALID.
 *
 * Superblocks are written copy 0 first, then copy 1, so a write torn by
 * a crash leaves one of them whole. The valid one with the higher @seq
 * wins, unless copy 0 holds other data or a newer format.
 *
 * Return: SWARM_SB_VALID, or what is wrong with the member.
 */
enum swarm_sb_kind swarm_sb_pick(const void *blocks, struct swarm_sb *sb)
{
	enum swarm_sb_kind k[SWARM_SB_COPIES], worst = SWARM_SB_BLANK;
	struct swarm_sb s;	/* one on the stack: it is large */
	u64 best_seq = 0;
	int best = -1;
	u32 i;

	for (i = 0; i < SWARM_SB_COPIES; i++) {
		k[i] = swarm_sb_decode((const u8 *)blocks + i * SWARM_SB_BYTES,
				       &s);
		if (k[i] == SWARM_SB_VALID) {
			if (best < 0 || s.seq > best_seq) {
				best = i;
				best_seq = s.seq;
			}
		} else if (k[i] > worst || (i == 0 && k[i] == SWARM_SB_FOREIGN)) {
			worst = k[i];
		}
	}
	/*
	 * Someone else's data at the start (a new file system, say) wins over
	 * anything after it: assembling would overwrite it. So does a newer
	 * format in copy 0: the older copy 1 is stale.
	 */
	if (k[0] == SWARM_SB_FOREIGN || k[0] == SWARM_SB_NEWER)
		return k[0];
	if (best >= 0)
		return swarm_sb_decode((const u8 *)blocks + best * SWARM_SB_BYTES,
				       sb);
	return worst;
}

/* First data sector of a member with @slots slots. */
static u64 swarm_layout_start(u64 slots, u64 align)
{
	u64 area = 2 * swarm_part_bytes(slots) >> 9;

	return round_up(swarm_area_sector(area, 2), align);
}

/**
 * swarm_disk_layout() - reserve the metadata at the start of each member.
 * @g: geometry; on entry @g->dev_slots are the raw slots of the smallest
 *	member with @g->data_start 0; on return both leave room for the
 *	superblocks and the two map areas.
 * @area_sectors: set to the size of one map area.
 *
 * The records of a member and of its predecessor take 16 bytes a slot, so
 * the metadata costs 2 x 16 / entry size of the member: 0.8% at 4 KiB.
 */
void swarm_disk_layout(struct swarm_geom *g, u32 *area_sectors)
{
	u64 dev_sectors = g->dev_slots << g->entry_shift;
	u64 align = max_t(u64, SWARM_DATA_ALIGN, g->entry_sectors);
	u64 lo = 0, hi = g->dev_slots, mid;

	/*
	 * An area takes slots / 32 sectors and must fit in 32 bits: at most
	 * 2^36 slots, 256 TiB of 4 KiB entries a member.
	 */
	hi = min_t(u64, hi, 1ULL << 36);
	/* More slots only need more room: the largest count that fits. */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (swarm_layout_start(mid, align) + (mid << g->entry_shift) <=
		    dev_sectors)
			lo = mid;
		else
			hi = mid - 1;
	}
	g->dev_slots = lo;
	g->data_start = lo ? swarm_layout_start(lo, align) : 0;
	*area_sectors = lo ? (u32)(2 * swarm_part_bytes(lo) >> 9) : 0;
}

/**
 * swarm_placement_to_records() - the slot records of one member.
 * @g: geometry.
 * @m: the map.
 * @dev: the member.
 * @rec: a part: @g->dev_slots records and the padding, overwritten.
 *
 * Return: 0, or -EINVAL if the map puts two copies in one slot or a copy
 * beyond the slots.
 */
int swarm_placement_to_records(const struct swarm_geom *g,
			       const struct swarm_placement *m, u32 dev,
			       __le64 *rec)
{
	const u64 *c;
	u64 e;
	u32 n, i;

	memset(rec, 0, swarm_part_bytes(g->dev_slots));
	for (e = 0; e < m->nr_entries; e++) {
		n = swarm_placement_copies(m, e, &c);
		for (i = 0; i < n; i++) {
			struct swarm_loc l = swarm_loc_decode(c[i]);

			if (l.dev != dev)
				continue;
			if (l.slot >= g->dev_slots || rec[l.slot])
				return -EINVAL;
			rec[l.slot] = cpu_to_le64(e + 1);
		}
	}
	return 0;
}

/* Count each entry's copies in @cnt, and the copies of each member. */
static int swarm_count_records(const struct swarm_geom *g, __le64 *const *rec,
			       struct swarm_placement *m, u8 *cnt, char **error)
{
	u64 s;
	u32 d;

	for (d = 0; d < g->nr_devs; d++) {
		for (s = 0; s < g->dev_slots; s++) {
			u64 v = le64_to_cpu(rec[d][s]);

			if (!v)
				continue;
			if (v > g->nr_entries) {
				*error = "Slot record names an entry beyond the device";
				return -EUCLEAN;
			}
			if (cnt[v - 1] == SWARM_MAX_COPIES) {
				*error = "Slot records give an entry too many copies";
				return -EUCLEAN;
			}
			cnt[v - 1]++;
			m->dev_used[d]++;
			m->nr_copies++;
		}
	}
	return 0;
}

/**
 * swarm_placement_from_records() - rebuild a map from every member's records.
 * @g: geometry.
 * @rec: per member, @g->dev_slots records.
 * @m: the map, allocated here; @m->nr_clusters is left 0.
 * @error: set on failure.
 *
 * Copies of an entry are listed in member order.
 *
 * Return: 0, -ENOMEM, or -EUCLEAN when the records do not form a map.
 */
int swarm_placement_from_records(const struct swarm_geom *g,
				 __le64 *const *rec, struct swarm_placement *m,
				 char **error)
{
	u64 e, s, idx = 0;
	u8 *cnt;
	u32 d;

	memset(m, 0, sizeof(*m));
	m->nr_entries = g->nr_entries;
	cnt = swarm_zalloc(g->nr_entries, 1);
	m->loc = swarm_zalloc(g->nr_entries, sizeof(u64));
	if (!cnt || !m->loc)
		goto nomem;

	if (swarm_count_records(g, rec, m, cnt, error))
		goto corrupt;
	for (e = 0; e < g->nr_entries; e++) {
		if (!cnt[e]) {
			*error = "Slot records leave an entry without a copy";
			goto corrupt;
		}
		if (cnt[e] > 1) {
			m->loc[e] = SWARM_LOC_MULTI |
				    (u64)cnt[e] << SWARM_LOC_CNT_SHIFT | idx;
			idx += cnt[e];
			m->nr_multi++;
		}
	}
	m->nr_extra = idx;
	m->extra = swarm_zalloc(idx + 1, sizeof(u64));
	if (!m->extra)
		goto nomem;

	/* Fill in member order: cnt counts down to each copy's place. */
	for (d = 0; d < g->nr_devs; d++) {
		for (s = 0; s < g->dev_slots; s++) {
			u64 v = le64_to_cpu(rec[d][s]), w;

			if (!v)
				continue;
			e = v - 1;
			w = m->loc[e];
			if (!(w & SWARM_LOC_MULTI)) {
				m->loc[e] = swarm_loc_encode(d, s);
				continue;
			}
			idx = (w & SWARM_LOC_IDX_MASK) +
			      ((w >> SWARM_LOC_CNT_SHIFT) & 0xff) - cnt[e]--;
			m->extra[idx] = swarm_loc_encode(d, s);
		}
	}
	swarm_free(cnt);
	return 0;

nomem:
	*error = "Cannot allocate memory";
	swarm_free(cnt);
	swarm_placement_free(m);
	return -ENOMEM;
corrupt:
	swarm_free(cnt);
	swarm_placement_free(m);
	return -EUCLEAN;
}

/* ---- ranges of entries: the lost entries (swarm-disk.h) ---- */

/**
 * swarm_ext_find() - the first of sorted extents that ends after an entry.
 * @ext: @nr extents, sorted, disjoint.
 * @nr: how many.
 * @e: the entry.
 *
 * Return: its index, @nr when every extent ends at or before @e.
 */
u32 swarm_ext_find(const struct swarm_ext *ext, u32 nr, u64 e)
{
	u32 lo = 0, hi = nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (ext[mid].first + ext[mid].count <= e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * swarm_ext_any() - does a range meet the extents?
 * @ext: @nr extents, sorted, disjoint.
 * @nr: how many.
 * @first: the range's first entry.
 * @count: its entries, >= 1.
 *
 * Return: true if an entry of [@first, @first + @count) is in an extent.
 */
bool swarm_ext_any(const struct swarm_ext *ext, u32 nr, u64 first, u64 count)
{
	u32 i = swarm_ext_find(ext, nr, first);

	return i < nr && ext[i].first < first + count;
}

/**
 * swarm_ext_add() - add a range to sorted extents, merging.
 * @ext: room for @max extents; @nr of them sorted, disjoint, non-adjacent.
 * @nr: how many; updated.
 * @max: room.
 * @first: the range's first entry.
 * @count: its entries, >= 1.
 *
 * Extents the range overlaps or touches become one.
 *
 * Return: 0, or -ENOSPC (nothing changed) when it needs an extent more
 * than @max.
 */
int swarm_ext_add(struct swarm_ext *ext, u32 *nr, u32 max, u64 first,
		  u64 count)
{
	u64 end = first + count;
	u32 i, j;

	/* The first extent that ends at or after @first (touching merges). */
	i = swarm_ext_find(ext, *nr, first ? first - 1 : 0);
	/* Extents i..j-1 overlap or touch [first, end). */
	for (j = i; j < *nr && ext[j].first <= end; j++) {
		first = min_t(u64, first, ext[j].first);
		end = max_t(u64, end, ext[j].first + ext[j].count);
	}
	if (j == i) {
		if (*nr >= max)
			return -ENOSPC;
		memmove(&ext[i + 1], &ext[i], (*nr - i) * sizeof(*ext));
		(*nr)++;
	} else if (j > i + 1) {
		memmove(&ext[i + 1], &ext[j], (*nr - j) * sizeof(*ext));
		*nr -= j - i - 1;
	}
	ext[i].first = first;
	ext[i].count = end - first;
	return 0;
}

/**
 * swarm_ext_clear() - take a range out of sorted extents.
 * @ext: room for @max extents; @nr of them sorted, disjoint.
 * @nr: how many; updated.
 * @max: room.
 * @first: the range's first entry.
 * @count: its entries, >= 1.
 *
 * Return: 0, or -ENOSPC (nothing changed) when the range lies inside an
 * extent, which would have to split into two, and @nr is @max.
 */
int swarm_ext_clear(struct swarm_ext *ext, u32 *nr, u32 max, u64 first,
		    u64 count)
{
	u64 end = first + count;
	u32 i = swarm_ext_find(ext, *nr, first), j;

	if (i == *nr || ext[i].first >= end)
		return 0;
	if (ext[i].first < first && ext[i].first + ext[i].count > end) {
		/* Inside one extent: it splits. */
		if (*nr >= max)
			return -ENOSPC;
		memmove(&ext[i + 1], &ext[i], (*nr - i) * sizeof(*ext));
		(*nr)++;
		ext[i].count = first - ext[i].first;
		ext[i + 1].count -= end - ext[i + 1].first;
		ext[i + 1].first = end;
		return 0;
	}
	if (ext[i].first < first) {
		/* Its tail goes. */
		ext[i].count = first - ext[i].first;
		i++;
	}
	/* Extents i..j-1 lie inside the range and go; j may lose its head. */
	for (j = i; j < *nr && ext[j].first + ext[j].count <= end; j++)
		;
	if (j < *nr && ext[j].first < end) {
		ext[j].count -= end - ext[j].first;
		ext[j].first = end;
	}
	if (j > i) {
		memmove(&ext[i], &ext[j], (*nr - j) * sizeof(*ext));
		*nr -= j - i;
	}
	return 0;
}

/**
 * swarm_ext_valid() - are extents sorted, disjoint, non-adjacent, non-empty
 *	and below @limit?
 * @ext: the extents.
 * @nr: how many.
 * @limit: the entries of the device.
 *
 * Return: true if so.
 */
bool swarm_ext_valid(const struct swarm_ext *ext, u32 nr, u64 limit)
{
	u64 end = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (!ext[i].count || (i && ext[i].first <= end) ||
		    ext[i].first >= limit || ext[i].count > limit - ext[i].first)
			return false;
		end = ext[i].first + ext[i].count;
	}
	return true;
}
