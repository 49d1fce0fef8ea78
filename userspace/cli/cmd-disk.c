// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl assemble, examine and wipe: the superblocks at the start of
 * every member (userspace/ON-DISK-FORMAT.md), read with the kernel's own
 * decoder, kmod/swarm-disk.c, linked into swarmctl.
 *
 * Members may be block devices or regular files (tests use files).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swarm-disk.h"		/* kmod/ */

#include "cli/cli.h"

#define SB_AREA		(SWARM_SB_COPIES * SWARM_SB_BYTES)
/* Longest dm device name (DM_NAME_LEN - 1). */
#define DM_NAME_MAX	127

/*
 * The kernel's swarm_placement_free() (kmod/swarm-place.c, not linked
 * here), which swarm_placement_from_records() calls on failure.
 */
void swarm_placement_free(struct swarm_placement *m)
{
	free(m->loc);
	free(m->extra);
	m->loc = NULL;
	m->extra = NULL;
}

static const char disk_usage[] =
"usage: swarmctl assemble [--create NAME] <dev>...\n"
"       swarmctl examine [--json] <dev>...\n"
"       swarmctl wipe --yes <dev>...\n";

/* One device given on the command line. */
struct member {
	const char *path;
	u8 blocks[SB_AREA];
	u64 sectors;		/* its size */
	bool read_ok;
	enum swarm_sb_kind kind;	/* swarm_sb_pick() */
	struct swarm_sb sb;		/* when kind is SWARM_SB_VALID */
	u32 newer_version;		/* when kind is SWARM_SB_NEWER */
};

static void uuid_str(const u8 *u, char *s)
{
	static const u8 dash[16] = { [4] = 1, [6] = 1, [8] = 1, [10] = 1 };
	int i;

	for (i = 0; i < 16; i++) {
		if (dash[i])
			*s++ = '-';
		s += sprintf(s, "%02x", u[i]);
	}
}

static u32 raw32(const u8 *block, size_t off)
{
	u32 v;

	memcpy(&v, block + off, sizeof(v));
	return le32_to_cpu(v);
}

/* The highest version either copy with a good checksum claims. */
static u32 newer_version(const u8 *blocks)
{
	struct swarm_sb s;
	u32 i, v = 0;

	for (i = 0; i < SWARM_SB_COPIES; i++) {
		const u8 *b = blocks + i * SWARM_SB_BYTES;

		if (swarm_sb_decode(b, &s) == SWARM_SB_NEWER && s.version > v)
			v = s.version;
	}
	return v;
}

/* Open @m->path, read its size and superblocks. Prints why it failed. */
static int read_member(struct member *m)
{
	struct stat st;
	ssize_t n;
	int fd;

	m->read_ok = false;
	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail("%s: %s", m->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		fail("%s: %s", m->path, strerror(errno));
		goto out;
	}
	if (S_ISBLK(st.st_mode)) {
		/* Not BLKGETSIZE64: <linux/fs.h> clashes with swarm-user.h. */
		off_t bytes = lseek(fd, 0, SEEK_END);

		if (bytes < 0) {
			fail("%s: %s", m->path, strerror(errno));
			goto out;
		}
		m->sectors = (u64)bytes >> 9;
	} else if (S_ISREG(st.st_mode)) {
		m->sectors = (u64)st.st_size >> 9;
	} else {
		fail("%s: not a block device or a file", m->path);
		goto out;
	}
	n = pread(fd, m->blocks, SB_AREA, 0);
	if (n < 0) {
		fail("%s: %s", m->path, strerror(errno));
		goto out;
	}
	if (n < (ssize_t)SB_AREA) {
		fail("%s: %zd bytes, smaller than the two superblocks (%u)",
		     m->path, n, SB_AREA);
		goto out;
	}
	m->kind = swarm_sb_pick(m->blocks, &m->sb);
	m->newer_version = newer_version(m->blocks);
	m->read_ok = true;
out:
	close(fd);
	return m->read_ok ? 0 : -1;
}

/* ---- assemble ---- */

/* Say why a device that is not a valid member cannot be assembled. */
static void explain_kind(const struct member *m)
{
	switch (m->kind) {
	case SWARM_SB_BLANK:
		fail("%s: blank: no swarm superblock (not a member of any set)",
		     m->path);
		break;
	case SWARM_SB_FOREIGN:
		fail("%s: not a swarm member: it holds other data (only the "
		     "table feature 'format' overwrites it)", m->path);
		break;
	case SWARM_SB_CORRUPT:
		fail("%s: both superblock copies are corrupt (bad checksum or "
		     "fields)", m->path);
		break;
	case SWARM_SB_NEWER:
		fail("%s: superblock format version %" PRIu32 ", newer than the "
		     "version %u this tool knows", m->path, m->newer_version,
		     SWARM_SB_VERSION);
		break;
	case SWARM_SB_VALID:
		break;
	}
}

/* Members of one set must agree on the geometry. */
static int check_agree(struct member **by_idx, u32 n, const char *uuid)
{
	static const struct {
		const char *name;
		size_t off;
		bool wide;
	} f[] = {
#define F(x, w) { #x, offsetof(struct swarm_sb, x), w }
		F(nr_members, false), F(entry_sectors, false),
		F(area_sectors, false), F(nr_entries, true),
		F(dev_slots, true), F(data_start, true),
#undef F
	};
	const struct swarm_sb *a = &by_idx[0]->sb;
	size_t i;
	u32 d;
	int r = 0;

	for (d = 1; d < n; d++) {
		const struct swarm_sb *b = &by_idx[d]->sb;

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			u64 va, vb;

			if (f[i].wide) {
				va = *(const u64 *)((const u8 *)a + f[i].off);
				vb = *(const u64 *)((const u8 *)b + f[i].off);
			} else {
				va = *(const u32 *)((const u8 *)a + f[i].off);
				vb = *(const u32 *)((const u8 *)b + f[i].off);
			}
			if (va == vb)
				continue;
			fail("members of set %s disagree on %s: %s has %" PRIu64
			     ", %s has %" PRIu64, uuid, f[i].name,
			     by_idx[0]->path, va, by_idx[d]->path, vb);
			r = -1;
		}
	}
	return r;
}

static bool newer_sb(const struct swarm_sb *a, const struct swarm_sb *b)
{
	return a->generation > b->generation ||
	       (a->generation == b->generation && a->seq > b->seq);
}

/*
 * @n members of one set, each with a valid superblock: the same uuid
 * and nr_members (*nr), each index once, none missing, agreeing, big
 * enough. by_idx[] gets them in member order; @uuid the set's. Prints
 * what is wrong.
 */
static int check_set(struct member *ms, int n, struct member **by_idx,
		     u32 *nr, char *uuid)
{
	char other[40];
	u32 i, missing = 0;
	int k, bad = 0;

	for (k = 0; k < n; k++) {
		if (ms[k].kind != SWARM_SB_VALID) {
			explain_kind(&ms[k]);
			bad = 1;
		}
	}
	if (bad)
		return -1;

	/* One set: every uuid as the first device's. */
	uuid_str(ms[0].sb.uuid, uuid);
	for (k = 1; k < n; k++) {
		if (!memcmp(ms[k].sb.uuid, ms[0].sb.uuid, 16))
			continue;
		uuid_str(ms[k].sb.uuid, other);
		fail("%s and %s come from different sets (%s, %s)", ms[0].path,
		     ms[k].path, uuid, other);
		bad = 1;
	}
	if (bad)
		return -1;

	*nr = ms[0].sb.nr_members;
	for (k = 0; k < n; k++) {
		struct member *m = &ms[k];

		if (m->sb.nr_members != *nr) {
			fail("members of set %s disagree on nr_members: %s has %"
			     PRIu32 ", %s has %" PRIu32, uuid, ms[0].path, *nr,
			     m->path, m->sb.nr_members);
			return -1;
		}
		if (by_idx[m->sb.member]) {
			fail("%s and %s both claim member index %" PRIu32
			     " of set %s", by_idx[m->sb.member]->path, m->path,
			     m->sb.member, uuid);
			bad = 1;
			continue;
		}
		by_idx[m->sb.member] = m;
	}
	if (bad)
		return -1;
	for (i = 0; i < *nr; i++)
		missing += !by_idx[i];
	if (missing) {
		char list[SWARM_MAX_DEVS * 4], *p = list;

		for (i = 0; i < *nr; i++)
			if (!by_idx[i])
				p += sprintf(p, "%s%" PRIu32, p == list ? "" : ", ", i);
		fail("set %s has %" PRIu32 " members; missing member%s %s",
		     uuid, *nr, missing == 1 ? "" : "s", list);
		return -1;
	}
	if (check_agree(by_idx, *nr, uuid))
		return -1;
	for (i = 0; i < *nr; i++) {
		const struct swarm_sb *s = &by_idx[i]->sb;
		u64 need = s->data_start + (s->dev_slots << ilog2(s->entry_sectors));

		if (by_idx[i]->sectors < need) {
			fail("%s: %" PRIu64 " sectors, smaller than member %" PRIu32
			     " of set %s needs (%" PRIu64 ")", by_idx[i]->path,
			     by_idx[i]->sectors, i, uuid, need);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/*
 * The table line of the @nr members in @by_idx, from the newest
 * superblock: the geometry and, when not the defaults, the features.
 */
static int format_line(struct member **by_idx, u32 nr, char *line,
		       size_t len)
{
	const struct swarm_sb *newest = &by_idx[0]->sb;
	size_t pos;
	u32 i;

	for (i = 0; i < nr; i++)
		if (newer_sb(&by_idx[i]->sb, newest))
			newest = &by_idx[i]->sb;
	pos = (size_t)snprintf(line, len, "0 %" PRIu64 " swarm %" PRIu32 " %"
			       PRIu32, newest->nr_entries * newest->entry_sectors,
			       newest->entry_sectors, nr);
	for (i = 0; i < nr && pos < len; i++)
		pos += (size_t)snprintf(line + pos, len - pos, " %s",
					by_idx[i]->path);
	if (pos < len && (newest->max_copies != SWARM_DEFAULT_MAX_COPIES ||
			  newest->spare_pct || newest->min_copies > 1)) {
		bool mc = newest->max_copies != SWARM_DEFAULT_MAX_COPIES;
		bool sp = newest->spare_pct != 0;
		bool mn = newest->min_copies > 1;

		pos += (size_t)snprintf(line + pos, len - pos, " %d",
					2 * (mc + sp + mn));
		if (mc && pos < len)
			pos += (size_t)snprintf(line + pos, len - pos,
						" max_copies %" PRIu32,
						newest->max_copies);
		if (mn && pos < len)
			pos += (size_t)snprintf(line + pos, len - pos,
						" min_copies %" PRIu32,
						newest->min_copies);
		if (sp && pos < len)
			pos += (size_t)snprintf(line + pos, len - pos,
						" spare %" PRIu32,
						newest->spare_pct);
	}
	if (pos >= len) {
		fail("the table line is too long");
		return -1;
	}
	return 0;
}

/*
 * Check the devices form one whole set and write its table line into
 * @line (the devices in member order).
 */
static int build_line(struct member *ms, int n, char *line, size_t len)
{
	struct member *by_idx[SWARM_MAX_DEVS] = { NULL };
	char uuid[40];
	u32 nr;
	int k;

	if (check_set(ms, n, by_idx, &nr, uuid) ||
	    format_line(by_idx, nr, line, len))
		return -1;
	for (k = 0; k < n; k++) {
		if (by_idx[k] != &ms[k]) {
			fprintf(stderr, "swarmctl: note: devices put in member "
				"order (from their superblocks)\n");
			break;
		}
	}
	return 0;
}

/* dmsetup create @name --table @line. */
static int dmsetup_create(const char *name, const char *line)
{
	printf("%s create %s --table \"%s\"\n", dmsetup_path(), name, line);
	fflush(stdout);
	if (run_dmsetup((const char *[]){ "create", name, "--table", line,
					  NULL }, NULL, 0))
		return EXIT_FAILURE;
	return 0;
}

static bool valid_dm_name(const char *s)
{
	size_t n = strlen(s);

	return n && n <= DM_NAME_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

/* Collect device arguments; -1 on a usage error already reported. */
static int read_members(int argc, char **argv, struct member **out, int *n)
{
	struct member *ms;
	int i, bad = 0;

	ms = calloc(argc ? argc : 1, sizeof(*ms));
	if (!ms) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		ms[i].path = argv[i];
		if (read_member(&ms[i]))
			bad = 1;
	}
	if (bad) {
		free(ms);
		return EXIT_FAILURE;
	}
	*out = ms;
	*n = argc;
	return 0;
}

int cmd_assemble(int argc, char **argv)
{
	const char *name = NULL, **devs;
	char line[SWARM_MAX_DEVS * 4200 + 256];
	struct member *ms;
	int i, n = 0, r;
	bool opts = true;

	devs = calloc(argc ? argc : 1, sizeof(*devs));
	if (!devs) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--create")) {
			if (++i == argc) {
				free(devs);
				return usage(disk_usage,
					     "assemble: --create needs a NAME");
			}
			name = argv[i];
		} else if (opts && !strcmp(argv[i], "--")) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			free(devs);
			return usage(disk_usage,
				     "assemble: unknown option %s", argv[i]);
		} else {
			devs[n++] = argv[i];
		}
	}
	r = 0;
	if (!n)
		r = usage(disk_usage, "assemble needs the member devices");
	else if (n > (int)SWARM_MAX_DEVS)
		r = usage(disk_usage,
			  "assemble: more than %u devices", SWARM_MAX_DEVS);
	else if (name && !valid_dm_name(name))
		r = usage(disk_usage, "assemble: bad device name '%s'", name);
	for (i = 0; !r && i < n; i++)
		if (strpbrk(devs[i], " \t\n\"'\\") || !*devs[i])
			r = usage(disk_usage,
				  "assemble: '%s': a device path cannot hold "
				  "spaces or quotes in a table line", devs[i]);
	if (r) {
		free(devs);
		return r;
	}
	r = read_members(n, (char **)devs, &ms, &n);
	free(devs);
	if (r)
		return r;
	if (build_line(ms, n, line, sizeof(line))) {
		free(ms);
		return EXIT_FAILURE;
	}
	free(ms);
	if (!name) {
		printf("%s\n", line);
		return 0;
	}
	return dmsetup_create(name, line);
}

/* ---- examine ---- */

static const char *kind_name(enum swarm_sb_kind k)
{
	switch (k) {
	case SWARM_SB_BLANK:
		return "blank";
	case SWARM_SB_FOREIGN:
		return "foreign";
	case SWARM_SB_VALID:
		return "valid";
	case SWARM_SB_CORRUPT:
		return "corrupt";
	case SWARM_SB_NEWER:
		return "newer";
	}
	return "?";
}

/* The copy swarm_sb_pick() takes: valid, highest seq, copy 0 on a tie. */
static int current_copy(const enum swarm_sb_kind *k, const struct swarm_sb *s)
{
	int best = -1;
	u32 i;

	for (i = 0; i < SWARM_SB_COPIES; i++)
		if (k[i] == SWARM_SB_VALID &&
		    (best < 0 || s[i].seq > s[best].seq))
			best = (int)i;
	return best;
}

static u32 computed_crc(const u8 *block)
{
	u8 tmp[SWARM_SB_BYTES];

	memcpy(tmp, block, sizeof(tmp));
	memset(tmp + offsetof(struct swarm_disk_sb, crc), 0, sizeof(u32));
	return swarm_crc32c(tmp, sizeof(tmp));
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Fields of a decoded superblock, "name value" or JSON members. */
static void print_sb(const struct swarm_sb *s, bool json)
{
	char uuid[40];
	u32 i;

	uuid_str(s->uuid, uuid);
	if (json) {
		printf(",\"version\":%" PRIu32 ",\"flags\":%" PRIu32
		       ",\"has_data\":%s,\"uuid\":\"%s\",\"member\":%" PRIu32
		       ",\"nr_members\":%" PRIu32 ",\"entry_sectors\":%" PRIu32
		       ",\"area_sectors\":%" PRIu32 ",\"nr_entries\":%" PRIu64
		       ",\"dev_slots\":%" PRIu64 ",\"data_start\":%" PRIu64
		       ",\"seq\":%" PRIu64 ",\"generation\":%" PRIu64
		       ",\"nr_clusters\":%" PRIu32 ",\"max_copies\":%" PRIu32
		       ",\"spare_pct\":%" PRIu32 ",\"nr_copies\":%" PRIu64
		       ",\"area_crc\":[", s->version, s->flags,
		       s->flags & SWARM_SB_HAS_DATA ? "true" : "false", uuid,
		       s->member, s->nr_members, s->entry_sectors,
		       s->area_sectors, s->nr_entries, s->dev_slots,
		       s->data_start, s->seq, s->generation, s->nr_clusters,
		       s->max_copies, s->spare_pct, s->nr_copies);
		for (i = 0; i < s->nr_members && i < SWARM_MAX_DEVS; i++)
			printf("%s%" PRIu32, i ? "," : "", s->area_crc[i]);
		printf("],\"min_copies\":%" PRIu32
		       ",\"pending_generation\":%" PRIu64
		       ",\"pending_copied\":%" PRIu64
		       ",\"lost_ranges\":%" PRIu32 ",\"lost_entries\":%" PRIu64,
		       s->min_copies ? s->min_copies : 1,
		       s->pending_generation, s->pending_copied, s->nr_lost,
		       s->lost_entries);
		return;
	}
	printf("    version        %" PRIu32 "\n", s->version);
	printf("    flags          0x%" PRIx32 "%s\n", s->flags,
	       s->flags & SWARM_SB_HAS_DATA ? " (has data)" : "");
	printf("    uuid           %s\n", uuid);
	printf("    member         %" PRIu32 " of %" PRIu32 "\n", s->member,
	       s->nr_members);
	printf("    entry size     %" PRIu32 " sectors (%" PRIu32 " KiB)\n",
	       s->entry_sectors, s->entry_sectors / 2);
	printf("    entries        %" PRIu64 "\n", s->nr_entries);
	printf("    slots          %" PRIu64 " per member\n", s->dev_slots);
	printf("    map areas      %" PRIu64 " and %" PRIu64 ", %" PRIu32
	       " sectors each\n", swarm_area_sector(s->area_sectors, 0),
	       swarm_area_sector(s->area_sectors, 1), s->area_sectors);
	printf("    data start     sector %" PRIu64 "\n", s->data_start);
	printf("    seq            %" PRIu64 "\n", s->seq);
	printf("    generation     %" PRIu64 "%s\n", s->generation,
	       s->generation ? "" : " (no map: striped)");
	if (s->generation)
		printf("    map area       %" PRIu64 "\n", s->generation % 2);
	printf("    clusters       %" PRIu32 "\n", s->nr_clusters);
	printf("    copies         %" PRIu64 "\n", s->nr_copies);
	printf("    max copies     %" PRIu32 "\n", s->max_copies);
	printf("    min copies     %" PRIu32 "\n",
	       s->min_copies ? s->min_copies : 1);
	printf("    spare pct      %" PRIu32 "\n", s->spare_pct);
	if (s->pending_generation)
		printf("    migrating      to generation %" PRIu64
		       " (map area %" PRIu64 "), entries below %" PRIu64
		       " copied\n", s->pending_generation,
		       s->pending_generation % 2, s->pending_copied);
	if (s->nr_lost)
		printf("    lost entries   %" PRIu64 " in %" PRIu32
		       " ranges (remembered by a rebuild: reads fail until written)\n",
		       s->lost_entries, s->nr_lost);
	for (i = 0; i < s->nr_members && i < SWARM_MAX_DEVS; i++)
		printf("    area crc %-5" PRIu32 " 0x%08" PRIx32 "\n", i,
		       s->area_crc[i]);
}

static void examine_one(const struct member *m, bool json, bool first)
{
	enum swarm_sb_kind k[SWARM_SB_COPIES];
	struct swarm_sb s[SWARM_SB_COPIES];
	char uuid[40];
	int cur;
	u32 i;

	for (i = 0; i < SWARM_SB_COPIES; i++)
		k[i] = swarm_sb_decode(m->blocks + i * SWARM_SB_BYTES, &s[i]);
	cur = current_copy(k, s);
	if (json) {
		printf("%s{\"device\":", first ? "" : ",");
		json_str(m->path);
		printf(",\"sectors\":%" PRIu64 ",\"state\":\"%s\"", m->sectors,
		       kind_name(m->kind));
		if (m->kind == SWARM_SB_VALID) {
			uuid_str(m->sb.uuid, uuid);
			printf(",\"uuid\":\"%s\",\"member\":%" PRIu32
			       ",\"nr_members\":%" PRIu32, uuid, m->sb.member,
			       m->sb.nr_members);
		}
		printf(",\"current\":%d,\"copies\":[", cur);
	} else if (m->kind == SWARM_SB_VALID) {
		uuid_str(m->sb.uuid, uuid);
		printf("%s: member %" PRIu32 " of %" PRIu32 " of set %s\n",
		       m->path, m->sb.member, m->sb.nr_members, uuid);
	} else if (m->kind == SWARM_SB_NEWER) {
		printf("%s: newer format version %" PRIu32 " (this tool knows %u)\n",
		       m->path, m->newer_version, SWARM_SB_VERSION);
	} else {
		printf("%s: %s\n", m->path, m->kind == SWARM_SB_BLANK ?
		       "blank (no superblock)" : m->kind == SWARM_SB_FOREIGN ?
		       "not a swarm member (other data)" :
		       "corrupt (no valid superblock)");
	}
	if (!json) {
		printf("  size             %" PRIu64 " sectors\n", m->sectors);
		if (m->kind == SWARM_SB_VALID) {
			u64 need = m->sb.data_start +
				   (m->sb.dev_slots << ilog2(m->sb.entry_sectors));

			printf("  layout needs     %" PRIu64 " sectors%s\n", need,
			       m->sectors < need ? " (THE DEVICE IS SMALLER)" : "");
		}
	}
	for (i = 0; i < SWARM_SB_COPIES; i++) {
		const u8 *b = m->blocks + i * SWARM_SB_BYTES;
		u32 magic = raw32(b, offsetof(struct swarm_disk_sb, magic));
		u32 crc = raw32(b, offsetof(struct swarm_disk_sb, crc));
		u32 want = computed_crc(b);

		if (json) {
			printf("%s{\"copy\":%" PRIu32 ",\"sector\":%u,\"kind\":\"%s\""
			       ",\"magic\":%" PRIu32 ",\"crc\":%" PRIu32
			       ",\"crc_ok\":%s", i ? "," : "", i,
			       i * SWARM_SB_SECTORS, kind_name(k[i]), magic, crc,
			       crc == want ? "true" : "false");
			if (k[i] == SWARM_SB_VALID)
				print_sb(&s[i], true);
			else if (k[i] == SWARM_SB_NEWER)
				printf(",\"version\":%" PRIu32, s[i].version);
			printf("}");
			continue;
		}
		printf("  copy %" PRIu32 " (sector %u) %s%s\n", i,
		       i * SWARM_SB_SECTORS, kind_name(k[i]),
		       (int)i == cur ? ", current" : "");
		if (k[i] == SWARM_SB_BLANK)
			continue;
		printf("    magic          0x%08" PRIx32 "%s\n", magic,
		       magic == SWARM_SB_MAGIC ? " (SWRM)" : "");
		if (k[i] == SWARM_SB_FOREIGN)
			continue;
		printf("    crc            0x%08" PRIx32 "%s\n", crc,
		       crc == want ? "" : " (BAD)");
		if (crc != want)
			printf("    computed crc   0x%08" PRIx32 "\n", want);
		if (k[i] == SWARM_SB_VALID)
			print_sb(&s[i], false);
		else if (k[i] == SWARM_SB_NEWER)
			printf("    version        %" PRIu32 "\n", s[i].version);
		else if (crc == want)
			printf("    fields         out of range\n");
	}
	if (json)
		printf("]}");
}

int cmd_examine(int argc, char **argv)
{
	struct member *ms = NULL;
	int i, n = 0, r, bad = 0;
	bool json = false, opts = true;
	char **devs;

	devs = calloc(argc ? argc : 1, sizeof(*devs));
	if (!devs) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--json")) {
			json = true;
		} else if (opts && !strcmp(argv[i], "--")) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			free(devs);
			return usage(disk_usage,
				     "examine: unknown option %s", argv[i]);
		} else {
			devs[n++] = argv[i];
		}
	}
	if (!n) {
		free(devs);
		return usage(disk_usage, "examine needs devices");
	}
	/* Unreadable devices are reported; the others still examined. */
	ms = calloc(n, sizeof(*ms));
	if (!ms) {
		free(devs);
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		ms[i].path = devs[i];
		if (read_member(&ms[i]))
			bad = 1;
	}
	if (json)
		printf("[");
	for (i = 0, r = 0; i < n; i++) {
		if (!ms[i].read_ok)
			continue;
		if (!json && r)
			putchar('\n');
		examine_one(&ms[i], json, !r);
		r++;
		if (ms[i].kind != SWARM_SB_VALID)
			bad = 1;
	}
	if (json)
		printf("]\n");
	free(ms);
	free(devs);
	return bad ? EXIT_FAILURE : 0;
}

/* ---- wipe ---- */

static int wipe_one(const struct member *m)
{
	static const u8 zero[SB_AREA];
	struct stat st;
	int fd, flags = O_WRONLY | O_CLOEXEC;

	/* A block device a dm table holds cannot be opened exclusively. */
	if (!stat(m->path, &st) && S_ISBLK(st.st_mode))
		flags |= O_EXCL;
	fd = open(m->path, flags);
	if (fd < 0) {
		fail("%s: %s%s", m->path, strerror(errno), errno == EBUSY ?
		     " (in use: remove the dm device first)" : "");
		return -1;
	}
	if (pwrite(fd, zero, SB_AREA, 0) != (ssize_t)SB_AREA || fsync(fd)) {
		fail("%s: %s", m->path, strerror(errno ? errno : EIO));
		close(fd);
		return -1;
	}
	if (close(fd)) {
		fail("%s: %s", m->path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_wipe(int argc, char **argv)
{
	struct member *ms;
	int i, n = 0, r, bad = 0;
	bool yes = false, opts = true;
	char **devs;
	char uuid[40];

	devs = calloc(argc ? argc : 1, sizeof(*devs));
	if (!devs) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--yes")) {
			yes = true;
		} else if (opts && !strcmp(argv[i], "--")) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			free(devs);
			return usage(disk_usage,
				     "wipe: unknown option %s", argv[i]);
		} else {
			devs[n++] = argv[i];
		}
	}
	r = 0;
	if (!n)
		r = usage(disk_usage, "wipe needs devices");
	else if (!yes)
		r = usage(disk_usage,
			  "wipe erases the swarm superblocks of the devices "
			  "given: add --yes");
	if (r) {
		free(devs);
		return r;
	}
	r = read_members(n, devs, &ms, &n);
	free(devs);
	if (r)
		return r;
	/* Refuse before anything is written. */
	for (i = 0; i < n; i++) {
		if (ms[i].kind == SWARM_SB_FOREIGN) {
			fail("%s: not a swarm member (other data): not wiped",
			     ms[i].path);
			bad = 1;
		}
	}
	for (i = 0; !bad && i < n; i++) {
		if (wipe_one(&ms[i])) {
			bad = 1;
			break;
		}
		if (ms[i].kind == SWARM_SB_VALID) {
			uuid_str(ms[i].sb.uuid, uuid);
			printf("%s: wiped (was member %" PRIu32 " of %" PRIu32
			       " of set %s)\n", ms[i].path, ms[i].sb.member,
			       ms[i].sb.nr_members, uuid);
		} else {
			printf("%s: wiped (was %s)\n", ms[i].path,
			       kind_name(ms[i].kind));
		}
	}
	free(ms);
	return bad ? EXIT_FAILURE : 0;
}
