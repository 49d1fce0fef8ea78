// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-ioctl-test: drives /dev/dm-swarm-control with raw ioctls, so that
 * every bad upload the kernel must refuse can be made (swarmctl refuses
 * most of them before the kernel sees them).
 *
 *   swarm-ioctl-test <swarm-dev> <other-block-dev>
 *
 * The swarm device must be new (no map, no data) and hold at least 64
 * entries. Prints one PASS:/FAIL: line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dm-swarm.h>

static int failed;
static unsigned int dmaj, dmin;

static void expect_errno(const char *name, int r, int want)
{
	int got = r < 0 ? errno : 0;

	if (got == want) {
		printf("PASS: ioctl.%s\n", name);
	} else {
		printf("FAIL: ioctl.%s\n  want %s, got %s\n", name,
		       want ? strerror(want) : "success",
		       got ? strerror(got) : "success");
		failed = 1;
	}
}

static int ctl(void)
{
	int fd = open("/dev/dm-swarm-control", O_RDWR);

	if (fd < 0) {
		perror("/dev/dm-swarm-control");
		exit(1);
	}
	return fd;
}

static int begin(int fd, uint32_t clusters, uint64_t members, uint32_t weights,
		 uint32_t flags)
{
	struct dm_swarm_map_begin b = {
		.size = sizeof(b), .flags = flags, .dev_major = dmaj,
		.dev_minor = dmin, .nr_clusters = clusters,
		.nr_weights = weights, .nr_members = members,
	};

	return ioctl(fd, DM_SWARM_MAP_BEGIN, &b);
}

static int add(int fd, struct dm_swarm_cluster *c, uint32_t n, uint64_t *m,
	       uint64_t nm)
{
	struct dm_swarm_map_add a = {
		.size = sizeof(a), .nr_clusters = n, .dev_major = dmaj,
		.dev_minor = dmin, .nr_members = nm,
		.clusters = (uintptr_t)c, .members = (uintptr_t)m,
	};

	return ioctl(fd, DM_SWARM_MAP_ADD, &a);
}

static int devreq(int fd, unsigned long cmd)
{
	struct dm_swarm_dev_req d = {
		.size = sizeof(d), .dev_major = dmaj, .dev_minor = dmin,
	};

	return ioctl(fd, cmd, &d);
}

static uint64_t generation(int fd)
{
	struct dm_swarm_dev_stats devs[DM_SWARM_MAX_DEVS];
	struct dm_swarm_stats s = {
		.size = sizeof(s), .nr_devs = DM_SWARM_MAX_DEVS,
		.dev_major = dmaj, .dev_minor = dmin, .devs = (uintptr_t)devs,
	};

	if (ioctl(fd, DM_SWARM_STATS, &s))
		return UINT64_MAX;
	return s.map_generation;
}

/* Poll the migration until it is no longer running; its final state. */
static uint32_t wait_migration(int fd)
{
	struct dm_swarm_stats s;
	int i;

	for (i = 0; i < 1200; i++) {
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.dev_major = dmaj;
		s.dev_minor = dmin;
		if (ioctl(fd, DM_SWARM_STATS, &s))
			return UINT32_MAX;
		if (s.migrate_state != DM_SWARM_MIGRATE_RUNNING &&
		    s.migrate_state != DM_SWARM_MIGRATE_PAUSED)
			return s.migrate_state;
		usleep(100000);
	}
	return UINT32_MAX;
}

/*
 * Stage a map of two clusters: the entries whose first copy is on member
 * 0, and those on member 1. Placed over the live map, 3/4 of each move to
 * spread the cluster over the members: a migration of more than one
 * window (a map the device has already would move nothing).
 */
static int mover_map(int fd)
{
	struct dm_swarm_placement *p = NULL;
	struct dm_swarm_stats s = {
		.size = sizeof(s), .dev_major = dmaj, .dev_minor = dmin,
	};
	struct dm_swarm_cluster c[2] = { { 0 } };
	uint64_t *m[2] = { NULL, NULL }, *all = NULL, e, k;
	int r = -1, i;

	if (ioctl(fd, DM_SWARM_STATS, &s))
		return -1;
	p = calloc(DM_SWARM_MAX_BATCH, sizeof(*p));
	m[0] = calloc(s.nr_entries, sizeof(uint64_t));
	m[1] = calloc(s.nr_entries, sizeof(uint64_t));
	all = calloc(s.nr_entries, sizeof(uint64_t));
	if (!p || !m[0] || !m[1] || !all)
		goto out;
	for (e = 0; e < s.nr_entries; e += k) {
		struct dm_swarm_placement_req q = {
			.size = sizeof(q), .dev_major = dmaj, .dev_minor = dmin,
			.entries = (uintptr_t)p,
		};

		q.nr_entries = s.nr_entries - e < DM_SWARM_MAX_BATCH ?
			s.nr_entries - e : DM_SWARM_MAX_BATCH;
		for (k = 0; k < q.nr_entries; k++)
			p[k].entry = e + k;
		if (ioctl(fd, DM_SWARM_PLACEMENT, &q))
			goto out;
		for (k = 0; k < q.nr_entries; k++) {
			i = p[k].copies[0].dev;
			if (i < 2 && c[i].nr_members < DM_SWARM_MAX_CLUSTER_SIZE)
				m[i][c[i].nr_members++] = e + k;
		}
	}
	for (i = 0; i < 2; i++) {
		c[i].id = i;
		c[i].medoid = m[i][0];
		c[i].frequency = 10;
		memcpy(all + c[0].nr_members * i, m[i], c[i].nr_members * sizeof(uint64_t));
	}
	r = begin(fd, 2, c[0].nr_members + c[1].nr_members, 0, 0);
	if (!r)
		r = add(fd, c, 2, all, c[0].nr_members + c[1].nr_members);
out:
	free(p);
	free(m[0]);
	free(m[1]);
	free(all);
	return r;
}

/* One cluster {0,1,2,3} with medoid 0, and whatever the caller changes. */
static int one_cluster(int fd, struct dm_swarm_cluster *c, uint64_t *m)
{
	return add(fd, c, 1, m, c->nr_members);
}

int main(int argc, char **argv)
{
	struct dm_swarm_cluster c;
	uint64_t m[8];
	struct stat st;
	int fd, fd2, r;

	if (argc != 4 || stat(argv[1], &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "usage: swarm-ioctl-test <swarm-dev> <other-dev> <dm-name>\n");
		return 2;
	}
	dmaj = major(st.st_rdev);
	dmin = minor(st.st_rdev);
	fd = ctl();

#define RESET_CLUSTER() do {						\
	memset(&c, 0, sizeof(c));					\
	c.id = 0; c.nr_members = 4; c.medoid = 0; c.frequency = 1;	\
	m[0] = 0; m[1] = 1; m[2] = 2; m[3] = 3;				\
} while (0)

	{
		struct dm_swarm_version v = { .size = sizeof(v) };

		r = ioctl(fd, DM_SWARM_VERSION, &v);
		expect_errno("version", r, 0);
		expect_errno("version-is-1", v.major == 1 ? 0 : -1, 0);
		v.size = 4;
		expect_errno("short-size", ioctl(fd, DM_SWARM_VERSION, &v), EINVAL);
	}
	expect_errno("no-map-yet", generation(fd) == 0 ? 0 : -1, 0);
	{
		/* An ABI 1.1 caller: the struct up to uuid, nothing after. */
		struct dm_swarm_stats s;
		size_t v11 = offsetof(struct dm_swarm_stats, failed_devs);

		memset(&s, 0xa5, sizeof(s));
		memset(&s, 0, v11);
		s.size = v11;
		s.dev_major = dmaj;
		s.dev_minor = dmin;
		expect_errno("stats-abi-1.1", ioctl(fd, DM_SWARM_STATS, &s), 0);
		expect_errno("stats-abi-1.1-filled", s.dev_slots ? 0 : -1, 0);
		expect_errno("stats-abi-1.1-tail-untouched",
			     s.failed_devs == 0xa5a5a5a5a5a5a5a5ULL ? 0 : -1, 0);
		s.size = v11 - 8;
		expect_errno("stats-short-size", ioctl(fd, DM_SWARM_STATS, &s),
			     EINVAL);
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.dev_major = dmaj;
		s.dev_minor = dmin;
		expect_errno("stats-abi-1.2", ioctl(fd, DM_SWARM_STATS, &s), 0);
		expect_errno("stats-healthy", s.failed_devs == 0 &&
			     !(s.flags & DM_SWARM_STATS_DEGRADED) ? 0 : -1, 0);
	}

	RESET_CLUSTER();
	expect_errno("batch-before-begin", one_cluster(fd, &c, m), ENOENT);
	expect_errno("commit-before-begin", devreq(fd, DM_SWARM_MAP_COMMIT), ENOENT);
	expect_errno("zero-clusters", begin(fd, 0, 4, 0, 0), EINVAL);
	expect_errno("unknown-flag", begin(fd, 1, 4, 0, 0x80), EINVAL);
	expect_errno("too-many-clusters", begin(fd, DM_SWARM_MAX_CLUSTERS + 1,
						DM_SWARM_MAX_CLUSTERS + 1, 0, 0), E2BIG);

	/* Not a swarm: the other device. */
	{
		struct stat o;
		unsigned int sm = dmaj, sn = dmin;

		if (stat(argv[2], &o) == 0) {
			dmaj = major(o.st_rdev);
			dmin = minor(o.st_rdev);
			expect_errno("not-a-swarm", begin(fd, 1, 4, 0, 0), ENODEV);
			dmaj = sm;
			dmin = sn;
		}
	}

	/* A second upload on the same device is refused while one is staged. */
	expect_errno("begin", begin(fd, 1, 4, 0, 0), 0);
	fd2 = ctl();
	expect_errno("second-upload-busy", begin(fd2, 1, 4, 0, 0), EBUSY);
	expect_errno("same-fd-busy", begin(fd, 1, 4, 0, 0), EBUSY);

	/* Bad batches leave the staged upload as it was. */
	RESET_CLUSTER();
	m[2] = 1ULL << 40;
	expect_errno("entry-out-of-range", one_cluster(fd, &c, m), ERANGE);
	RESET_CLUSTER();
	c.nr_members = 0;
	expect_errno("empty-cluster", add(fd, &c, 1, m, 0), EINVAL);
	RESET_CLUSTER();
	expect_errno("batch-counts-disagree", add(fd, &c, 1, m, 3), EINVAL);
	RESET_CLUSTER();
	c.id = 5;
	expect_errno("cluster-id-out-of-range", one_cluster(fd, &c, m), ERANGE);
	RESET_CLUSTER();
	expect_errno("more-members-than-announced", add(fd, &c, 1, m, 5), EINVAL);
	expect_errno("bad-pointer", add(fd, &c, 1, (uint64_t *)8, 4), EFAULT);
	/* The duplicate is only seen at commit, which then fails whole. */
	RESET_CLUSTER();
	m[3] = 1;
	expect_errno("add-with-duplicate", one_cluster(fd, &c, m), 0);
	expect_errno("duplicate-member-commit", devreq(fd, DM_SWARM_MAP_COMMIT), EEXIST);
	expect_errno("map-unchanged-1", generation(fd) == 0 ? 0 : -1, 0);

	/* The commit used the upload up: a new one may start. */
	expect_errno("begin-after-failed-commit", begin(fd2, 1, 4, 0, 0), 0);
	RESET_CLUSTER();
	c.medoid = 7;
	expect_errno("add-medoid-outside", one_cluster(fd2, &c, m), 0);
	expect_errno("medoid-not-member", devreq(fd2, DM_SWARM_MAP_COMMIT), EINVAL);

	/* Fewer clusters than announced. */
	expect_errno("begin-2", begin(fd, 2, 8, 0, 0), 0);
	RESET_CLUSTER();
	expect_errno("add-1-of-2", one_cluster(fd, &c, m), 0);
	expect_errno("counts-disagree-commit", devreq(fd, DM_SWARM_MAP_COMMIT), EINVAL);
	expect_errno("map-unchanged-2", generation(fd) == 0 ? 0 : -1, 0);

	/* Closing the file drops the staged upload. */
	expect_errno("begin-then-close", begin(fd2, 1, 4, 0, 0), 0);
	close(fd2);
	fd2 = ctl();
	expect_errno("begin-after-close", begin(fd2, 1, 4, 0, 0), 0);
	expect_errno("abort", devreq(fd2, DM_SWARM_MAP_ABORT), 0);
	expect_errno("abort-nothing", devreq(fd2, DM_SWARM_MAP_ABORT), ENOENT);

	/* A good map commits: generation 1. */
	expect_errno("begin-good", begin(fd, 1, 4, 0, 0), 0);
	RESET_CLUSTER();
	expect_errno("add-good", one_cluster(fd, &c, m), 0);
	expect_errno("commit-good", devreq(fd, DM_SWARM_MAP_COMMIT), 0);
	expect_errno("generation-1", generation(fd) == 1 ? 0 : -1, 0);

	/*
	 * Once written, a map that keeps the data starts a migration (slowed
	 * down by the caller's migrate_rate 1); a second commit meanwhile is
	 * refused with EBUSY.
	 */
	{
		int dfd = open(argv[1], O_WRONLY);
		char buf[4096] = "x";

		r = dfd < 0 ? -1 : (int)pwrite(dfd, buf, sizeof(buf), 0);
		expect_errno("write-data", r == (int)sizeof(buf) ? 0 : -1, 0);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	expect_errno("stage-keep-data", mover_map(fd), 0);
	expect_errno("data-present-migrates", devreq(fd, DM_SWARM_MAP_COMMIT), 0);
	expect_errno("map-unchanged-while-migrating", generation(fd) == 1 ? 0 : -1, 0);
	expect_errno("begin-during-migration", begin(fd, 1, 4, 0, 0), 0);
	RESET_CLUSTER();
	expect_errno("add-during-migration", one_cluster(fd, &c, m), 0);
	expect_errno("commit-during-migration-busy", devreq(fd, DM_SWARM_MAP_COMMIT), EBUSY);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "dmsetup message %s 0 migrate_rate 0", argv[3]);
		expect_errno("uncap-migration", system(cmd) ? -1 : 0, 0);
	}
	expect_errno("migration-done", wait_migration(fd) == DM_SWARM_MIGRATE_DONE ? 0 : -1, 0);
	expect_errno("generation-2", generation(fd) == 2 ? 0 : -1, 0);
	expect_errno("begin-drop-data", begin(fd, 1, 4, 0, DM_SWARM_MAP_DROP_DATA), 0);
	RESET_CLUSTER();
	expect_errno("add-drop-data", one_cluster(fd, &c, m), 0);
	expect_errno("commit-drop-data", devreq(fd, DM_SWARM_MAP_COMMIT), 0);
	expect_errno("generation-3", generation(fd) == 3 ? 0 : -1, 0);

	/* Placement of an entry beyond the device. */
	{
		struct dm_swarm_placement p = { .entry = 1ULL << 50 };
		struct dm_swarm_placement_req q = {
			.size = sizeof(q), .nr_entries = 1, .dev_major = dmaj,
			.dev_minor = dmin, .entries = (uintptr_t)&p,
		};

		expect_errno("placement-out-of-range",
			     ioctl(fd, DM_SWARM_PLACEMENT, &q), ERANGE);
		p.entry = 2;
		expect_errno("placement", ioctl(fd, DM_SWARM_PLACEMENT, &q), 0);
		expect_errno("placement-one-copy", p.nr_copies == 1 ? 0 : -1, 0);
	}
	expect_errno("unknown-ioctl", ioctl(fd, _IO(DM_SWARM_IOCTL, 0x7f)), ENOTTY);

	/*
	 * An unprivileged caller is refused even when it can open the
	 * control device: the child drops to uid 1000, losing its
	 * capabilities, and reports the errno of each request as its status.
	 */
	if (chmod("/dev/dm-swarm-control", 0666) == 0) {
		pid_t pid = fork();
		int status = 0;

		if (pid == 0) {
			struct dm_swarm_version v = { .size = sizeof(v) };
			int cfd;

			if (setgid(1000) || setuid(1000))
				_exit(100);
			cfd = open("/dev/dm-swarm-control", O_RDWR);
			if (cfd < 0)
				_exit(101);
			if (ioctl(cfd, DM_SWARM_VERSION, &v) == 0)
				_exit(0);
			_exit(errno == EPERM ? EPERM : 102);
		}
		waitpid(pid, &status, 0);
		chmod("/dev/dm-swarm-control", 0600);
		expect_errno("unprivileged-refused",
			     WIFEXITED(status) && WEXITSTATUS(status) == EPERM ? 0 : -1, 0);
	} else {
		expect_errno("unprivileged-refused", -1, 0);
	}
	close(fd);
	close(fd2);
	return failed;
}
