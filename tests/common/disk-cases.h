/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * On-disk format and migration-placement cases shared by the KUnit suite
 * and the user-space tests. The includer defines CHECK(ctx, cond, fmt, ...)
 * and includes swarm-place.c, swarm-disk.c and place-cases.h first.
 */
#ifndef DM_SWARM_DISK_CASES_H
#define DM_SWARM_DISK_CASES_H

/* The worked example of ON-DISK-FORMAT.md, and the layout's invariants. */
static void case_disk_layout(void *ctx)
{
	static const u64 sizes[] = { 16384, 131072, 258056, 2097152, 1ULL << 35 };
	u32 i, area;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct swarm_geom g = { .entry_sectors = 8, .entry_shift = 3 };

		g.dev_slots = sizes[i] >> 3;
		swarm_disk_layout(&g, &area);
		CHECK(ctx, g.data_start % 2048 == 0, "data_start %llu aligned",
		      (unsigned long long)g.data_start);
		CHECK(ctx, swarm_area_sector(area, 2) <= g.data_start,
		      "areas end before the data");
		CHECK(ctx, (u64)area << 9 >= 2 * swarm_part_bytes(g.dev_slots),
		      "an area holds two parts");
		CHECK(ctx, g.data_start + (g.dev_slots << 3) <= sizes[i],
		      "slots fit in %llu sectors", (unsigned long long)sizes[i]);
		CHECK(ctx, swarm_layout_start(g.dev_slots + 1, 2048) +
		      ((g.dev_slots + 1) << 3) > sizes[i], "one more slot would not fit");
		if (sizes[i] == 131072)
			CHECK(ctx, g.dev_slots == 16128 && area == 512 &&
			      g.data_start == 2048, "64 MiB: %llu slots, area %u",
			      (unsigned long long)g.dev_slots, area);
	}
}

/* A superblock survives encoding; any flipped bit of it is noticed. */
static void case_disk_superblock(void *ctx)
{
	static u8 block[SWARM_SB_BYTES * SWARM_SB_COPIES];
	/* Static: two superblocks are too large for a kernel stack frame. */
	static const struct swarm_sb init = {
		.version = SWARM_SB_VERSION, .flags = SWARM_SB_HAS_DATA,
		.uuid = { 1, 2, 3, 4 }, .member = 2, .nr_members = 4,
		.entry_sectors = 8, .area_sectors = 512, .nr_entries = 60000,
		.dev_slots = 16128, .data_start = 2048, .seq = 7,
		.generation = 3, .nr_clusters = 9, .max_copies = 2,
		.spare_pct = 50, .nr_copies = 61000, .area_crc = { 0xdeadbeef },
	};
	static struct swarm_sb sb, out;
	u32 bit, misses = 0;

	sb = init;

	swarm_sb_encode(&sb, block);
	CHECK(ctx, swarm_sb_decode(block, &out) == SWARM_SB_VALID, "valid");
	CHECK(ctx, !memcmp(&sb, &out, sizeof(sb)), "round trip");
	for (bit = 32; bit < 8 * 128; bit += 13) {
		block[bit / 8] ^= 1U << (bit % 8);
		misses += swarm_sb_decode(block, &out) == SWARM_SB_VALID;
		block[bit / 8] ^= 1U << (bit % 8);
	}
	CHECK(ctx, !misses, "%u flips missed", misses);

	/* Copy 1 newer than copy 0 wins; a torn copy 0 leaves copy 1. */
	sb.seq = 8;
	swarm_sb_encode(&sb, block + SWARM_SB_BYTES);
	CHECK(ctx, swarm_sb_pick(block, &out) == SWARM_SB_VALID && out.seq == 8,
	      "higher seq wins");
	memset(block + 100, 0xff, 8);
	CHECK(ctx, swarm_sb_pick(block, &out) == SWARM_SB_VALID && out.seq == 8,
	      "torn copy 0");
	memset(block, 0x5a, 4);
	CHECK(ctx, swarm_sb_pick(block, &out) == SWARM_SB_FOREIGN,
	      "foreign copy 0 wins over a valid copy 1");
}

/*
 * A map placed beside the live one shares no slot with it, and the slot
 * records of every member give the same map back.
 */
static void case_disk_beside_records(void *ctx)
{
	static struct tup t;
	struct swarm_geom g = {
		.entry_sectors = 8, .entry_shift = 3, .nr_devs = 4,
		.nr_entries = 400, .dev_slots = 300,
	};
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = 8, .spare_pct = 0,
	};
	static struct swarm_placement m1, m2, m3;
	__le64 *rec[4] = { NULL };
	u64 mem[40], e;
	u32 c, i, j, n1, n2, shared = 0, differ = 0;
	const u64 *a, *b;
	char *err = "";

	memset(&t, 0, sizeof(t));
	for (c = 0; c < 8; c++) {
		/* 7i < 400: distinct within a cluster; clusters overlap. */
		for (i = 0; i < 40; i++)
			mem[i] = (c * 30 + i * 7) % 400;
		tup_add(&t, c, 10 + c, mem, 40);
	}
	CHECK(ctx, !swarm_upload_validate(&t.u, g.nr_entries, &err), "%s", err);
	CHECK(ctx, !swarm_place_beside(&g, NULL, &t.u, &p, &m1, &err), "%s", err);
	CHECK(ctx, !swarm_place_beside(&g, &m1, &t.u, &p, &m2, &err), "%s", err);
	for (e = 0; e < g.nr_entries; e++) {
		struct swarm_loc s = swarm_striped_loc(&g, e);
		u64 striped = swarm_loc_encode(s.dev, s.slot);

		n1 = swarm_placement_copies(&m1, e, &a);
		n2 = swarm_placement_copies(&m2, e, &b);
		for (i = 0; i < n1; i++) {
			shared += a[i] == striped;
			for (j = 0; j < n2; j++)
				shared += a[i] == b[j];
		}
	}
	CHECK(ctx, !shared, "%u copies share a slot with the live map", shared);
	CHECK(ctx, m2.nr_copies > g.nr_entries, "replicas: %llu copies",
	      (unsigned long long)m2.nr_copies);

	for (i = 0; i < 4; i++) {
		rec[i] = swarm_zalloc(swarm_part_bytes(g.dev_slots), 1);
		CHECK(ctx, rec[i] && !swarm_placement_to_records(&g, &m2, i, rec[i]),
		      "records of member %u", i);
	}
	CHECK(ctx, !swarm_placement_from_records(&g, rec, &m3, &err), "%s", err);
	for (e = 0; e < g.nr_entries; e++) {
		n1 = swarm_placement_copies(&m2, e, &a);
		n2 = swarm_placement_copies(&m3, e, &b);
		if (n1 != n2) {
			differ++;
			continue;
		}
		for (i = 0; i < n1; i++) {	/* the same set of copies */
			for (j = 0; j < n2 && a[i] != b[j]; j++)
				;
			differ += j == n2;
		}
	}
	CHECK(ctx, !differ && m3.nr_copies == m2.nr_copies,
	      "%u entries differ after the round trip", differ);

	/* One record naming an entry beyond the device: refused. */
	rec[1][0] = cpu_to_le64(g.nr_entries + 1);
	swarm_placement_free(&m3);
	CHECK(ctx, swarm_placement_from_records(&g, rec, &m3, &err) == -EUCLEAN,
	      "bad record refused");
	for (i = 0; i < 4; i++)
		swarm_free(rec[i]);
	swarm_placement_free(&m1);
	swarm_placement_free(&m2);
}

#endif /* DM_SWARM_DISK_CASES_H */
