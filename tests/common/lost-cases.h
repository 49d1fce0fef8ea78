/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entries remembered lost (swarm-disk.h): the range list's operations
 * and its place in the superblock, shared by the KUnit suite and the
 * user-space tests. The includer defines CHECK(ctx, cond, fmt, ...) and
 * includes swarm-disk.c first.
 */
#ifndef DM_SWARM_LOST_CASES_H
#define DM_SWARM_LOST_CASES_H

#define LOST_MODEL_ENTRIES	512U

/* Does @ext (@nr extents) hold exactly the entries @model says? */
static bool lost_matches(const struct swarm_ext *ext, u32 nr, const u8 *model)
{
	u32 e;

	if (!swarm_ext_valid(ext, nr, LOST_MODEL_ENTRIES))
		return false;
	for (e = 0; e < LOST_MODEL_ENTRIES; e++)
		if (swarm_ext_any(ext, nr, e, 1) != !!model[e])
			return false;
	return true;
}

/* Fixed cases: merging, touching, splitting, the bound. */
static void case_lost_ext(void *ctx)
{
	static struct swarm_ext ext[4];
	u32 nr = 0;

	CHECK(ctx, !swarm_ext_any(ext, 0, 0, 100), "empty list has nothing");
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 10, 5), "add 10-14");
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 20, 5), "add 20-24");
	CHECK(ctx, nr == 2, "two ranges, %u", nr);
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 15, 5), "add 15-19 (touches both)");
	CHECK(ctx, nr == 1 && ext[0].first == 10 && ext[0].count == 15,
	      "merged into 10-24: %u %llu+%llu", nr,
	      (unsigned long long)ext[0].first, (unsigned long long)ext[0].count);
	CHECK(ctx, swarm_ext_any(ext, nr, 0, 11) && !swarm_ext_any(ext, nr, 0, 10) &&
	      swarm_ext_any(ext, nr, 24, 1) && !swarm_ext_any(ext, nr, 25, 100),
	      "any() at the edges");
	CHECK(ctx, !swarm_ext_clear(ext, &nr, 4, 12, 2), "clear 12-13 splits");
	CHECK(ctx, nr == 2 && ext[0].first == 10 && ext[0].count == 2 &&
	      ext[1].first == 14 && ext[1].count == 11, "10-11 and 14-24");
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 40, 1) &&
	      !swarm_ext_add(ext, &nr, 4, 50, 1) && nr == 4, "four ranges");
	CHECK(ctx, swarm_ext_add(ext, &nr, 4, 60, 1) == -ENOSPC && nr == 4,
	      "a fifth does not fit");
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 41, 9) && nr == 3,
	      "but one that joins two does: %u", nr);
	CHECK(ctx, swarm_ext_clear(ext, &nr, 3, 16, 1) == -ENOSPC && nr == 3 &&
	      swarm_ext_any(ext, nr, 16, 1), "a split beyond the bound leaves it lost");
	CHECK(ctx, !swarm_ext_clear(ext, &nr, 3, 0, 15) && nr == 2 &&
	      ext[0].first == 15, "a clear over a range and a head");
	CHECK(ctx, !swarm_ext_clear(ext, &nr, 3, 0, 1000) && nr == 0, "clear all");
	CHECK(ctx, !swarm_ext_add(ext, &nr, 4, 0, 1) && ext[0].first == 0,
	      "entry 0");
}

/* Random adds and clears against a model of one byte an entry. */
static void case_lost_random(void *ctx)
{
	static struct swarm_ext ext[SWARM_LOST_MAX];
	static u8 model[LOST_MODEL_ENTRIES], before[LOST_MODEL_ENTRIES];
	u32 nr = 0, i, seed = 12345, bad = 0, full = 0;

	memset(model, 0, sizeof(model));
	for (i = 0; i < 4000 && !bad; i++) {
		u64 first, count, e;
		bool add;
		int r;

		seed = seed * 1103515245U + 12345U;
		first = (seed >> 8) % LOST_MODEL_ENTRIES;
		seed = seed * 1103515245U + 12345U;
		count = 1 + (seed >> 8) % (i % 7 ? 4 : 40);
		if (count > LOST_MODEL_ENTRIES - first)
			count = LOST_MODEL_ENTRIES - first;
		add = (seed >> 20) & 1;
		memcpy(before, model, sizeof(model));
		r = add ? swarm_ext_add(ext, &nr, SWARM_LOST_MAX, first, count) :
			  swarm_ext_clear(ext, &nr, SWARM_LOST_MAX, first, count);
		if (r == -ENOSPC) {
			full++;
			bad += !lost_matches(ext, nr, before);
			continue;
		}
		for (e = first; e < first + count; e++)
			model[e] = add;
		bad += r || !lost_matches(ext, nr, model);
	}
	CHECK(ctx, !bad, "list differs from the model at step %u", i);
	CHECK(ctx, nr <= SWARM_LOST_MAX, "bounded");
	(void)full;
}

/* The list in the superblock: round trip, version 5 only, checked. */
static void case_lost_sb(void *ctx)
{
	static u8 blocks[SWARM_SB_COPIES * SWARM_SB_BYTES];
	static struct swarm_ext ext[SWARM_LOST_MAX], back[SWARM_LOST_MAX];
	struct swarm_disk_sb *d = (struct swarm_disk_sb *)blocks;
	static struct swarm_sb sb, out;
	u64 sum = 0;
	u32 i;

	memset(&sb, 0, sizeof(sb));
	sb.version = SWARM_SB_VERSION_LOST;
	sb.nr_members = 4;
	sb.entry_sectors = 8;
	sb.dev_slots = 16128;
	sb.area_sectors = 512;
	sb.data_start = 2048;
	sb.nr_entries = 4 * 16128;
	sb.max_copies = 8;
	sb.seq = 9;
	for (i = 0; i < SWARM_LOST_MAX; i++) {
		ext[i].first = 3 + 300 * (u64)i;
		ext[i].count = 1 + i % 128;
		sum += ext[i].count;
	}
	sb.nr_lost = SWARM_LOST_MAX;
	swarm_sb_encode_lost(&sb, ext, blocks);
	memcpy(blocks + SWARM_SB_BYTES, blocks, SWARM_SB_BYTES);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_VALID, "decodes");
	CHECK(ctx, out.nr_lost == SWARM_LOST_MAX && out.lost_entries == sum,
	      "counts: %u ranges, %llu entries", out.nr_lost,
	      (unsigned long long)out.lost_entries);
	CHECK(ctx, swarm_sb_lost_of(blocks, 9, back) == SWARM_LOST_MAX &&
	      !memcmp(ext, back, sizeof(ext)), "the ranges come back");
	CHECK(ctx, swarm_sb_lost_of(blocks, 8, back) == U32_MAX,
	      "no copy with another seq");
	CHECK(ctx, swarm_sb_pick(blocks, &out) == SWARM_SB_VALID &&
	      out.nr_lost == SWARM_LOST_MAX, "picked");

	/* Out of order, overlapping, beyond the device, too many: corrupt. */
	ext[5].first = ext[4].first;
	swarm_sb_encode_lost(&sb, ext, blocks);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_CORRUPT, "overlap");
	ext[5].first = 3 + 300 * 5;
	ext[SWARM_LOST_MAX - 1].first = sb.nr_entries - 1;
	ext[SWARM_LOST_MAX - 1].count = 2;
	swarm_sb_encode_lost(&sb, ext, blocks);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_CORRUPT, "beyond");
	ext[SWARM_LOST_MAX - 1].count = 1;
	swarm_sb_encode_lost(&sb, ext, blocks);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_VALID, "last entry");
	d->nr_lost = cpu_to_le32(SWARM_LOST_MAX + 1);
	d->crc = cpu_to_le32(swarm_sb_crc(blocks));
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_CORRUPT, "too many");

	/* Before version 5 the list is not there, whatever the bytes say. */
	sb.version = SWARM_SB_VERSION_PENDING;
	swarm_sb_encode_lost(&sb, ext, blocks);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_VALID &&
	      !out.nr_lost && !out.lost_entries, "version 4 has no list");
	CHECK(ctx, swarm_sb_lost(blocks, back) == 0, "nor does swarm_sb_lost()");
	/* swarm_sb_encode() writes none. */
	sb.version = SWARM_SB_VERSION_LOST;
	swarm_sb_encode(&sb, blocks);
	CHECK(ctx, swarm_sb_decode(blocks, &out) == SWARM_SB_VALID &&
	      !out.nr_lost, "encode() writes an empty list");
}

#endif /* DM_SWARM_LOST_CASES_H */
