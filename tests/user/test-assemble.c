// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl assemble, examine and wipe on regular files made into members
 * with the kernel's encoder (kmod/swarm-disk.c). Run from the top of the
 * tree; $SWARMCTL overrides build/user/swarmctl.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kmod/swarm-disk.c"
#include "utest.h"

/* swarm_placement_from_records() needs it; swarm-place.c is not built here. */
void swarm_placement_free(struct swarm_placement *m)
{
	free(m->loc);
	free(m->extra);
	m->loc = NULL;
	m->extra = NULL;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_OUT (1 << 16)
#define MEMBER_SECTORS	131072ULL	/* 64 MiB, sparse */

static char swarmctl[PATH_MAX], dir[64] = "/tmp/swarm-assemble-XXXXXX";
static char out[MAX_OUT], err[MAX_OUT];
static char dev[8][128];

static void slurp(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, MAX_OUT - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run swarmctl with @args (NULL-terminated); stdout, stderr in out, err. */
static int run(const char *const *args)
{
	const char *argv[32] = { swarmctl };
	char o[PATH_MAX + 8], e[PATH_MAX + 8];
	int status, i;
	pid_t pid;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	snprintf(o, sizeof(o), "%s/out", dir);
	snprintf(e, sizeof(e), "%s/err", dir);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (!freopen(o, "w", stdout) || !freopen(e, "w", stderr))
			_exit(126);
		execv(swarmctl, (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	slurp(o, out);
	slurp(e, err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define SWARMCTL(...) run((const char *[]){ __VA_ARGS__, NULL })

/* Member @idx of a @nr-member set @tag, in file dev[@file]. */
static void make_member(int file, u8 tag, u32 idx, u32 nr, u32 version,
			u32 max_copies, u32 spare)
{
	static u8 blocks[2 * SWARM_SB_BYTES];
	struct swarm_geom g = {
		.entry_sectors = 8, .entry_shift = 3, .nr_devs = nr,
		.dev_slots = MEMBER_SECTORS / 8,
	};
	struct swarm_sb sb;
	u32 area, i;
	int fd;

	swarm_disk_layout(&g, &area);
	memset(&sb, 0, sizeof(sb));
	sb.version = version;
	for (i = 0; i < 16; i++)
		sb.uuid[i] = (u8)(tag + i);
	sb.member = idx;
	sb.nr_members = nr;
	sb.entry_sectors = 8;
	sb.area_sectors = area;
	sb.dev_slots = g.dev_slots;
	sb.data_start = g.data_start;
	sb.nr_entries = nr * g.dev_slots - 5;
	sb.max_copies = max_copies;
	sb.spare_pct = spare;
	sb.seq = 3;
	swarm_sb_encode(&sb, blocks);
	sb.seq = 4;
	swarm_sb_encode(&sb, blocks + SWARM_SB_BYTES);
	fd = open(dev[file], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwrite(fd, blocks, sizeof(blocks), 0) != sizeof(blocks) ||
	    ftruncate(fd, MEMBER_SECTORS << 9)) {
		perror(dev[file]);
		exit(1);
	}
	close(fd);
}

static void make_set(u8 tag, u32 nr, u32 max_copies, u32 spare)
{
	u32 i;

	for (i = 0; i < nr; i++)
		make_member(i, tag, i, nr, SWARM_SB_VERSION, max_copies, spare);
}

static void fill_file(int file, u8 byte)
{
	static u8 buf[2 * SWARM_SB_BYTES];
	int fd = open(dev[file], O_RDWR | O_CREAT | O_TRUNC, 0600);

	memset(buf, byte, sizeof(buf));
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    ftruncate(fd, MEMBER_SECTORS << 9)) {
		perror(dev[file]);
		exit(1);
	}
	close(fd);
}

/* 4 members of 16128 slots: 64507 entries of 8 sectors. */
#define LEN "516056"

static void good_set(void)
{
	char want[4 * PATH_MAX + 128];
	int r;

	make_set(0x10, 4, 8, 0);
	snprintf(want, sizeof(want), "0 " LEN " swarm 8 4 %s %s %s %s\n",
		 dev[0], dev[1], dev[2], dev[3]);
	r = SWARMCTL("assemble", dev[0], dev[1], dev[2], dev[3]);
	EXPECT(r == 0 && !strcmp(out, want) && !*err, "exit %d, '%s' '%s'",
	       r, out, err);
	/* Shuffled: put back in member order, with a note. */
	r = SWARMCTL("assemble", dev[2], dev[0], dev[3], dev[1]);
	EXPECT(r == 0 && !strcmp(out, want) && strstr(err, "member order"),
	       "exit %d, '%s' '%s'", r, out, err);
	/* Features only when not the defaults. */
	make_set(0x10, 4, 2, 10);
	snprintf(want, sizeof(want), "0 " LEN " swarm 8 4 %s %s %s %s 4 "
		 "max_copies 2 spare 10\n", dev[0], dev[1], dev[2], dev[3]);
	r = SWARMCTL("assemble", dev[3], dev[2], dev[1], dev[0]);
	EXPECT(r == 0 && !strcmp(out, want), "exit %d, '%s' '%s'", r, out, err);
	make_set(0x10, 4, 8, 25);
	snprintf(want, sizeof(want), "0 " LEN " swarm 8 4 %s %s %s %s 2 "
		 "spare 25\n", dev[0], dev[1], dev[2], dev[3]);
	r = SWARMCTL("assemble", dev[0], dev[1], dev[2], dev[3]);
	EXPECT(r == 0 && !strcmp(out, want), "exit %d, '%s' '%s'", r, out, err);
}

static void create(void)
{
	char want[4 * PATH_MAX + 256], fake[PATH_MAX + 16], args[PATH_MAX + 16];
	static char env[PATH_MAX + 64];
	FILE *f;
	int r;

	make_set(0x10, 2, 8, 0);
	snprintf(fake, sizeof(fake), "%s/dmsetup", dir);
	snprintf(args, sizeof(args), "%s/args", dir);
	f = fopen(fake, "w");
	fprintf(f, "#!/bin/sh\nfor a; do echo \"$a\"; done > %s\n"
		"exit ${FAKE_DMSETUP_RC:-0}\n", args);
	fclose(f);
	chmod(fake, 0700);
	snprintf(env, sizeof(env), "SWARMCTL_DMSETUP=%s", fake);
	putenv(env);
	r = SWARMCTL("assemble", "--create", "kv", dev[1], dev[0]);
	snprintf(want, sizeof(want), "%s create kv --table \"0 %llu swarm 8 2 "
		 "%s %s\"\n", fake, 2 * 16128ULL * 8 - 40, dev[0], dev[1]);
	EXPECT(r == 0 && !strcmp(out, want), "exit %d, '%s' '%s'", r, out, err);
	slurp(args, out);
	snprintf(want, sizeof(want), "create\nkv\n--table\n0 %llu swarm 8 2 "
		 "%s %s\n", 2 * 16128ULL * 8 - 40, dev[0], dev[1]);
	EXPECT(!strcmp(out, want), "dmsetup got '%s'", out);
	putenv("FAKE_DMSETUP_RC=3");
	r = SWARMCTL("assemble", "--create", "kv", dev[1], dev[0]);
	EXPECT(r == 1 && strstr(err, "exited with status 3"), "exit %d, '%s'",
	       r, err);
	unsetenv("FAKE_DMSETUP_RC");
	/* Nothing runs when the set is bad. */
	unlink(args);
	r = SWARMCTL("assemble", "--create", "kv", dev[1]);
	EXPECT(r == 1 && access(args, F_OK), "exit %d: dmsetup ran", r);
	r = SWARMCTL("assemble", "--create", "a/b", dev[0], dev[1]);
	EXPECT(r == 2 && strstr(err, "bad device name 'a/b'"), "exit %d '%s'",
	       r, err);
	unsetenv("SWARMCTL_DMSETUP");
}

static void bad_sets(void)
{
	char want[2 * PATH_MAX + 256];
	int r;

	/* Two sets. */
	make_set(0x10, 2, 8, 0);
	make_member(2, 0x20, 0, 2, SWARM_SB_VERSION, 8, 0);
	r = SWARMCTL("assemble", dev[0], dev[1], dev[2]);
	snprintf(want, sizeof(want), "swarmctl: %s and %s come from different "
		 "sets (10111213-1415-1617-1819-1a1b1c1d1e1f, "
		 "20212223-2425-2627-2829-2a2b2c2d2e2f)\n", dev[0], dev[2]);
	EXPECT(r == 1 && !strcmp(err, want) && !*out, "exit %d, '%s'", r, err);
	/* Missing members. */
	make_set(0x10, 4, 8, 0);
	r = SWARMCTL("assemble", dev[3], dev[1]);
	EXPECT(r == 1 && !strcmp(err, "swarmctl: set 10111213-1415-1617-1819-"
				 "1a1b1c1d1e1f has 4 members; missing members "
				 "0, 2\n") && !*out, "exit %d, '%s'", r, err);
	r = SWARMCTL("assemble", dev[3], dev[1], dev[0]);
	EXPECT(r == 1 && strstr(err, "; missing member 2\n"), "'%s'", err);
	/* Two devices claim one index. */
	make_member(3, 0x10, 1, 4, SWARM_SB_VERSION, 8, 0);
	r = SWARMCTL("assemble", dev[0], dev[1], dev[2], dev[3]);
	snprintf(want, sizeof(want), "swarmctl: %s and %s both claim member "
		 "index 1 of set 10111213-1415-1617-1819-1a1b1c1d1e1f\n",
		 dev[1], dev[3]);
	EXPECT(r == 1 && !strcmp(err, want) && !*out, "exit %d, '%s'", r, err);
	/* Blank, foreign, newer, corrupt. */
	make_set(0x10, 2, 8, 0);
	fill_file(1, 0);
	r = SWARMCTL("assemble", dev[0], dev[1]);
	snprintf(want, sizeof(want), "swarmctl: %s: blank: no swarm superblock "
		 "(not a member of any set)\n", dev[1]);
	EXPECT(r == 1 && !strcmp(err, want) && !*out, "exit %d, '%s'", r, err);
	fill_file(1, 0x5a);
	r = SWARMCTL("assemble", dev[0], dev[1]);
	snprintf(want, sizeof(want), "swarmctl: %s: not a swarm member: it "
		 "holds other data (only the table feature 'format' overwrites "
		 "it)\n", dev[1]);
	EXPECT(r == 1 && !strcmp(err, want), "exit %d, '%s'", r, err);
	make_member(1, 0x10, 1, 2, SWARM_SB_VERSION + 1, 8, 0);
	r = SWARMCTL("assemble", dev[0], dev[1]);
	snprintf(want, sizeof(want), "swarmctl: %s: superblock format version "
		 "%u, newer than the version %u this tool knows\n", dev[1],
		 SWARM_SB_VERSION + 1, SWARM_SB_VERSION);
	EXPECT(r == 1 && !strcmp(err, want), "exit %d, '%s'", r, err);
	make_member(1, 0x10, 1, 2, SWARM_SB_VERSION, 0, 0);	/* max_copies 0 */
	r = SWARMCTL("assemble", dev[0], dev[1]);
	EXPECT(r == 1 && strstr(err, "both superblock copies are corrupt"),
	       "exit %d, '%s'", r, err);
	/* A member smaller than its layout. */
	make_set(0x10, 2, 8, 0);
	if (truncate(dev[1], (MEMBER_SECTORS - 8) << 9))
		perror(dev[1]);
	r = SWARMCTL("assemble", dev[0], dev[1]);
	EXPECT(r == 1 && strstr(err, "sectors, smaller than member 1"),
	       "exit %d, '%s'", r, err);
	if (truncate(dev[1], 4096))
		perror(dev[1]);
	r = SWARMCTL("assemble", dev[0], dev[1]);
	EXPECT(r == 1 && strstr(err, "smaller than the two superblocks"),
	       "exit %d, '%s'", r, err);
	r = SWARMCTL("assemble", dev[0], "/nonexistent/x");
	EXPECT(r == 1 && strstr(err, "/nonexistent/x: No such file"),
	       "exit %d, '%s'", r, err);
	r = SWARMCTL("assemble");
	EXPECT(r == 2 && strstr(err, "assemble needs the member devices"),
	       "exit %d, '%s'", r, err);
}

static void examine(void)
{
	int r;

	make_set(0x10, 2, 3, 0);
	r = SWARMCTL("examine", dev[1]);
	EXPECT(r == 0 && strstr(out, ": member 1 of 2 of set 10111213-1415-"
				"1617-1819-1a1b1c1d1e1f\n") &&
	       strstr(out, "  copy 0 (sector 0) valid\n") &&
	       strstr(out, "  copy 1 (sector 8) valid, current\n") &&
	       strstr(out, "    seq            4\n") &&
	       strstr(out, "    max copies     3\n") &&
	       strstr(out, "    data start     sector 2048\n"),
	       "exit %d, '%s' '%s'", r, out, err);
	r = SWARMCTL("examine", "--json", dev[0], dev[1]);
	EXPECT(r == 0 && out[0] == '[' && strstr(out, "\"current\":1") &&
	       strstr(out, "\"member\":1,\"nr_members\":2") &&
	       strstr(out, "\"seq\":3") && strstr(out, "\"crc_ok\":true"),
	       "exit %d, '%s'", r, out);
	fill_file(1, 0);
	r = SWARMCTL("examine", dev[0], dev[1]);
	EXPECT(r == 1 && strstr(out, ": blank (no superblock)\n"), "exit %d, "
	       "'%s'", r, out);
}

static void wipe(void)
{
	int r;

	make_set(0x10, 2, 8, 0);
	r = SWARMCTL("wipe", dev[0]);
	EXPECT(r == 2 && strstr(err, "add --yes"), "exit %d, '%s'", r, err);
	r = SWARMCTL("wipe", "--yes", dev[0], dev[1]);
	EXPECT(r == 0 && strstr(out, ": wiped (was member 1 of 2 of set "),
	       "exit %d, '%s' '%s'", r, out, err);
	r = SWARMCTL("assemble", dev[0]);
	EXPECT(r == 1 && strstr(err, "blank"), "exit %d, '%s'", r, err);
	fill_file(1, 0x5a);
	r = SWARMCTL("wipe", "--yes", dev[0], dev[1]);
	EXPECT(r == 1 && strstr(err, "not a swarm member (other data): not "
				"wiped"), "exit %d, '%s'", r, err);
	r = SWARMCTL("examine", dev[1]);
	EXPECT(r == 1 && strstr(out, "not a swarm member"), "foreign wiped");
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "good_set", good_set },
		{ "create", create },
		{ "bad_sets", bad_sets },
		{ "examine", examine },
		{ "wipe", wipe },
	};
	const char *s = getenv("SWARMCTL");
	char cmd[PATH_MAX + 16];
	int i, r;

	if (!realpath(s ? s : "build/user/swarmctl", swarmctl) ||
	    !mkdtemp(dir)) {
		perror("swarmctl or the temporary directory");
		return 1;
	}
	for (i = 0; i < 8; i++)
		snprintf(dev[i], sizeof(dev[i]), "%s/m%d", dir, i);
	r = utest_run("assemble", cases, ARRAY_SIZE(cases));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		r = 1;
	return r;
}
