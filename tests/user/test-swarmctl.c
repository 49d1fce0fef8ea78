// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the swarmctl command line: usage and exit codes, errors before
 * any device is touched, and every command against a fake control device
 * (build/user-tests/fake-control.so, LD_PRELOAD), comparing the output
 * byte for byte. Run from the top of the tree; $SWARMCTL and
 * $FAKE_CONTROL_SO override the paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dm-swarm.h>

#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_OUT (1 << 16)

static char swarmctl[PATH_MAX], fake_so[PATH_MAX];
static char out_path[] = "/tmp/swarmctl-out-XXXXXX";
static char err_path[] = "/tmp/swarmctl-err-XXXXXX";
static char log_path[] = "/tmp/swarmctl-log-XXXXXX";
static char good_map[] = "/tmp/swarmctl-map-XXXXXX";
static char bad_map[] = "/tmp/swarmctl-bad-XXXXXX";
static char far_map[] = "/tmp/swarmctl-far-XXXXXX";
static char out[MAX_OUT], err[MAX_OUT], trace[MAX_OUT];

static void read_file(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, MAX_OUT - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void write_file(char *tmpl, const char *text)
{
	int fd = mkstemp(tmpl);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(tmpl);
		exit(1);
	}
	close(fd);
}

/* In the child: @fd to the file at @path, truncated. */
static void redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_TRUNC);

	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
	close(f);
}

/*
 * Run swarmctl with @args (NULL-terminated); @fake: with the fake control
 * device, @envs "NAME=VALUE" more. Output in out, err, trace.
 */
static int run_env(bool fake, const char *const *envs, const char *const *args)
{
	const char *argv[32] = { swarmctl };
	int status, i;
	pid_t pid;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	if (truncate(log_path, 0))
		perror(log_path);
	fflush(NULL);	/* or the child would write our buffered lines again */
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (!pid) {
		redirect(out_path, STDOUT_FILENO);
		redirect(err_path, STDERR_FILENO);
		unsetenv("DM_SWARM_CONTROL");
		if (fake) {
			setenv("LD_PRELOAD", fake_so, 1);
			setenv("DM_SWARM_CONTROL", "/dev/null", 1);
			setenv("FAKE_SWARM_LOG", log_path, 1);
		}
		for (i = 0; envs && envs[i]; i++)
			putenv((char *)envs[i]);
		execv(swarmctl, (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	read_file(out_path, out);
	read_file(err_path, err);
	read_file(log_path, trace);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define RUN(...) run_env(false, NULL, (const char *[]){ __VA_ARGS__, NULL })
#define FAKE(...) run_env(true, NULL, (const char *[]){ __VA_ARGS__, NULL })
#define FAKE_ENV(envs, ...) \
	run_env(true, (const char *[]){ envs, NULL }, \
		(const char *[]){ __VA_ARGS__, NULL })

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void help(void)
{
	int r = RUN("help");

	EXPECT(r == 0 && starts(out, "usage: swarmctl <command>") && !*err,
	       "exit %d, '%s'", r, out);
	r = RUN("--help");
	EXPECT(r == 0 && starts(out, "usage: swarmctl <command>"), "exit %d", r);
	r = run_env(false, NULL, (const char *[]){ NULL });
	EXPECT(r == 2 && starts(err, "swarmctl: no command given\n\nusage: ") &&
	       !*out, "exit %d, '%s'", r, err);
}

struct usage_case {
	const char *args[5];
	const char *msg;
};

static const struct usage_case usage_cases[] = {
	{ { "bogus" }, "unknown command 'bogus'" },
	{ { "version", "x" }, "version takes no arguments" },
	{ { "map" }, "map needs a subcommand: upload or show" },
	{ { "map", "frob" }, "unknown map subcommand 'frob'" },
	{ { "map", "upload" }, "map upload needs <dev> and <map-file>" },
	{ { "map", "upload", "--drop-data", "x" },
	  "map upload needs <dev> and <map-file>" },
	{ { "map", "upload", "a", "b", "c" }, "map upload: too many arguments" },
	{ { "map", "upload", "--frob", "a", "b" },
	  "map upload: unknown option --frob" },
	{ { "map", "show" }, "map show needs <dev>" },
	{ { "stats" }, "stats needs <dev>" },
	{ { "stats", "--json" }, "stats needs <dev>" },
	{ { "stats", "a", "b" }, "stats: too many arguments" },
	{ { "stats", "--xml", "a" }, "stats: unknown option --xml" },
	{ { "stats", "reset" }, "stats reset needs exactly one <dev>" },
	{ { "stats", "reset", "a", "b" }, "stats reset needs exactly one <dev>" },
};

static void usage_errors(void)
{
	char want[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(usage_cases); i++) {
		int r = run_env(false, NULL, usage_cases[i].args);

		snprintf(want, sizeof(want), "swarmctl: %s\n\nusage: ",
			 usage_cases[i].msg);
		EXPECT(r == 2 && starts(err, want) && !*out,
		       "%s: exit %d, '%s'", usage_cases[i].msg, r, err);
	}
}

/* A bad map file is reported before the device is even looked up. */
static void bad_file_first(void)
{
	char want[256];
	int r;

	snprintf(want, sizeof(want),
		 "swarmctl: %s:3: member 3 appears twice in cluster 1\n",
		 bad_map);
	r = FAKE("map", "upload", "/dev/null", bad_map);
	EXPECT(r == 1 && !strcmp(err, want) && !*out && !*trace,
	       "exit %d, '%s', ioctls '%s'", r, err, trace);
	r = FAKE("map", "upload", "/dev/null", "/nonexistent/map");
	EXPECT(r == 1 && !strcmp(err, "swarmctl: /nonexistent/map: No such "
				 "file or directory\n") && !*trace,
	       "exit %d, '%s'", r, err);
}

static void device_errors(void)
{
	char want[256];
	int r;

	r = FAKE("map", "upload", "/dev/null", good_map);
	EXPECT(r == 1 && !strcmp(err,
	       "swarmctl: /dev/null is not a block device\n") && !*trace,
	       "exit %d, '%s'", r, err);
	r = RUN("stats", "/nonexistent/dm-9");
	EXPECT(r == 1 && !strcmp(err,
	       "swarmctl: /nonexistent/dm-9: No such file or directory\n"),
	       "exit %d, '%s'", r, err);
	r = run_env(false, (const char *[]){
			"DM_SWARM_CONTROL=/nonexistent/ctl", NULL },
		    (const char *[]){ "stats", "253:7", NULL });
	EXPECT(r == 1 && !strcmp(err, "swarmctl: /nonexistent/ctl: No such "
		"file or directory (is the dm-swarm module loaded?)\n"),
	       "exit %d, '%s'", r, err);
	snprintf(want, sizeof(want), "swarmctl: the kernel speaks dm-swarm ABI "
		 "2.%d.0, this tool 1.%d.0\n", DM_SWARM_VERSION_MINOR,
		 DM_SWARM_VERSION_MINOR);
	r = FAKE_ENV("FAKE_SWARM_MAJOR=2", "stats", "253:7");
	EXPECT(r == 1 && !strcmp(err, want), "exit %d, '%s'", r, err);
	r = FAKE_ENV("FAKE_SWARM_FAIL=STATS:1", "stats", "253:7");
	EXPECT(r == 1 && !strcmp(err, "swarmctl: STATS: Operation not "
				 "permitted (needs CAP_SYS_ADMIN)\n") && !*out,
	       "exit %d, '%s'", r, err);
}

static void version(void)
{
	char want[256], tool[64];
	int r = FAKE("version");

	snprintf(tool, sizeof(tool), "swarmctl ABI %d.%d.%d\n",
		 DM_SWARM_VERSION_MAJOR, DM_SWARM_VERSION_MINOR,
		 DM_SWARM_VERSION_PATCH);
	snprintf(want, sizeof(want), "%skernel ABI %d.%d.0\n", tool,
		 DM_SWARM_VERSION_MAJOR, DM_SWARM_VERSION_MINOR);
	EXPECT(r == 0 && !strcmp(out, want), "exit %d, '%s' '%s'", r, out, err);
	r = FAKE_ENV("FAKE_SWARM_ABI10=1", "version");
	snprintf(want, sizeof(want), "%skernel ABI %d.0.0\n", tool,
		 DM_SWARM_VERSION_MAJOR);
	EXPECT(r == 0 && !strcmp(out, want), "exit %d, '%s' '%s'", r, out, err);
	r = run_env(false, (const char *[]){
			"DM_SWARM_CONTROL=/nonexistent/ctl", NULL },
		    (const char *[]){ "version", NULL });
	EXPECT(r == 1 && !strcmp(out, tool) &&
	       starts(err, "swarmctl: /nonexistent/ctl: "), "exit %d", r);
}

static void upload(void)
{
	int r;

	r = FAKE("map", "upload", "--drop-data", "253:7", good_map);
	EXPECT(r == 0 && !strcmp(out,
	       "uploaded 2 clusters, 5 members, 1 weight to 253:7\n"
	       "generation 1: 2 clusters, 1029 copies of 1024 entries\n") &&
	       !*err, "exit %d, '%s' '%s'", r, out, err);
	EXPECT(!strcmp(trace, "VERSION\nSTATS\n"
		       "MAP_BEGIN flags=1 clusters=2 members=5 weights=1\n"
		       "MAP_ADD\nMAP_WEIGHTS\nMAP_COMMIT\nSTATS\n"),
	       "ioctls '%s'", trace);
	r = FAKE("map", "upload", "253:7", good_map);
	EXPECT(r == 0 && strstr(trace, "MAP_BEGIN flags=0 "), "'%s'", trace);
}

static void upload_errors(void)
{
	char want[256];
	int r;

	r = FAKE_ENV("FAKE_SWARM_FAIL=MAP_COMMIT:22", "map", "upload", "253:7",
		     good_map);
	EXPECT(r == 1 && !strcmp(err, "swarmctl: MAP_COMMIT: Invalid argument "
				 "(see the kernel log)\n") && !*out,
	       "exit %d, '%s'", r, err);
	EXPECT(strstr(trace, "MAP_COMMIT\nMAP_ABORT\n"), "'%s'", trace);
	r = FAKE_ENV("FAKE_SWARM_FAIL=MAP_ADD:7", "map", "upload", "253:7",
		     good_map);
	EXPECT(r == 1 && !strcmp(err, "swarmctl: MAP_ADD (clusters 0..1 of 2, "
				 "5 members): Argument list too long (over a "
				 "kernel limit)\n") &&
	       strstr(trace, "MAP_ADD\nMAP_ABORT\n") &&
	       !strstr(trace, "MAP_COMMIT"), "exit %d, '%s'", r, err);
	snprintf(want, sizeof(want), "swarmctl: %s:2: member 1024 of cluster 0 "
		 "is beyond the device's 1024 entries\n", far_map);
	r = FAKE("map", "upload", "253:7", far_map);
	EXPECT(r == 1 && !strcmp(err, want) && !strstr(trace, "MAP_BEGIN"),
	       "exit %d, '%s', '%s'", r, err, trace);
}

static void show(void)
{
	int r;

	r = FAKE("map", "show", "253:7");
	EXPECT(r == 0 && !strcmp(out,
	       "generation   0 (no map: striped)\n"
	       "entries      1024\n"
	       "clusters     0\n"
	       "copies       1024\n"
	       "replication  1.000 copies per entry\n"
	       "map bytes    0 (0.0 per copy)\n"), "exit %d, '%s'", r, out);
	r = FAKE("map", "show", "253:7", "0", "3", "4-5", "1023");
	EXPECT(r == 0 && !strcmp(out, "0: 0/0 1/500\n3: 1/1 0/503\n4: 0/2\n"
				 "5: 1/2\n1023: 1/511 0/1523\n"),
	       "exit %d, '%s' '%s'", r, out, err);
	r = FAKE("map", "show", "253:7", "0-1023");
	EXPECT(r == 0 && starts(out, "0: 0/0 1/500\n1: 1/0\n") &&
	       strstr(out, "\n1023: 1/511 0/1523\n") &&
	       !strcmp(trace, "VERSION\nSTATS\nPLACEMENT\n"),
	       "exit %d, '%s'", r, trace);
	r = FAKE("map", "show", "253:7", "1", "1024");
	EXPECT(r == 1 && !strcmp(err, "swarmctl: entry 1024 is beyond the "
				 "device's 1024 entries\n") && !*out,
	       "exit %d, '%s'", r, err);
	r = FAKE("map", "show", "253:7", "5-3");
	EXPECT(r == 1 && !strcmp(err, "swarmctl: bad entry or range '5-3'\n"),
	       "exit %d, '%s'", r, err);
	r = FAKE("map", "show", "253:7", "x");
	EXPECT(r == 1 && !strcmp(err, "swarmctl: bad entry or range 'x'\n"),
	       "exit %d, '%s'", r, err);
}

/* Count the lines @s holds equal to @line (without its newline). */
static int count_lines(const char *s, const char *line)
{
	size_t n = strlen(line);
	int c = 0;

	for (; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s))
		if (!strncmp(s, line, n) && s[n] == '\n')
			c++;
	return c;
}

static const char uploaded[] =
"uploaded 2 clusters, 5 members, 1 weight to 253:7\n";

/* --wait on a device without data: the commit is immediate. */
static void wait_immediate(void)
{
	int r;

	r = FAKE("map", "upload", "--wait", "253:7", good_map);
	EXPECT(r == 0 && !strcmp(out, "uploaded 2 clusters, 5 members, 1 weight "
				 "to 253:7\ngeneration 1: 2 clusters, 1029 "
				 "copies of 1024 entries\n") && !*err,
	       "exit %d, '%s' '%s'", r, out, err);
	EXPECT(count_lines(trace, "STATS") == 2, "'%s'", trace);
	/* An ABI 1.0 kernel: no migration fields at all. */
	r = FAKE_ENV("FAKE_SWARM_ABI10=1", "map", "upload", "--wait", "253:7",
		     good_map);
	EXPECT(r == 0 && strstr(out, "generation 1: ") && !*err,
	       "exit %d, '%s' '%s'", r, out, err);
}

/* A device with data: the commit starts a migration. */
static void wait_migration(void)
{
	int r;

	r = FAKE_ENV("FAKE_SWARM_DATA=1", "map", "upload", "253:7", good_map);
	EXPECT(r == 0 && starts(out, uploaded) &&
	       !strcmp(out + strlen(uploaded), "migrating to generation 1: "
		       "1029 entries to copy; follow it with 'swarmctl stats' "
		       "(or upload with --wait)\n") && !*err,
	       "exit %d, '%s' '%s'", r, out, err);
	r = FAKE_ENV("FAKE_SWARM_DATA=1", "map", "upload", "--wait", "253:7",
		     good_map);
	EXPECT(r == 0 && starts(out, uploaded) &&
	       !strcmp(out + strlen(uploaded), "migrated 1029 entries "
		       "(4214784 bytes) in 0.3 s, 15.6 MiB/s\ngeneration 1: "
		       "2 clusters, 1029 copies of 1024 entries\n") && !*err,
	       "exit %d, '%s' '%s'", r, out, err);
	/* One STATS before the upload, then polls until done. */
	EXPECT(count_lines(trace, "STATS") == 6, "'%s'", trace);
	r = run_env(true, (const char *[]){ "FAKE_SWARM_DATA=1",
					    "FAKE_SWARM_PAUSED=1", NULL },
		    (const char *[]){ "map", "upload", "--wait", "253:7",
				      good_map, NULL });
	EXPECT(r == 0 && strstr(out, "migrated 1029 entries") &&
	       count_lines(trace, "STATS") == 7, "exit %d, '%s' '%s'", r, out,
	       trace);
	/* --drop-data: no migration. */
	r = FAKE_ENV("FAKE_SWARM_DATA=1", "map", "upload", "--wait",
		     "--drop-data", "253:7", good_map);
	EXPECT(r == 0 && !strstr(out, "migrat") &&
	       strstr(out, "generation 1: "), "exit %d, '%s'", r, out);
}

static void wait_failure(void)
{
	int r;

	r = run_env(true, (const char *[]){ "FAKE_SWARM_DATA=1",
					    "FAKE_SWARM_MIGRATE_FAIL=28", NULL },
		    (const char *[]){ "map", "upload", "--wait", "253:7",
				      good_map, NULL });
	EXPECT(r == 1 && !strcmp(out, uploaded) &&
	       !strcmp(err, "swarmctl: migration to generation 1 failed after "
		       "514 of 1029 entries: No space left on device; "
		       "generation 0 stays live\n"),
	       "exit %d, '%s' '%s'", r, out, err);
	r = FAKE_ENV("FAKE_SWARM_FAIL=MAP_COMMIT:28", "map", "upload", "--wait",
		     "253:7", good_map);
	EXPECT(r == 1 && strstr(err, "MAP_COMMIT: No space left on device (the "
				"device holds data and the new map does not "
				"fit"), "exit %d, '%s'", r, err);
}

/* stats during and after a migration. */
static void stats_migration(void)
{
	int r;

	r = FAKE_ENV("FAKE_SWARM_DATA=1", "stats", "253:7");
	EXPECT(r == 0 && strstr(out, "\nhas data          yes\n") &&
	       strstr(out, "\nmigration         idle\n"), "exit %d, '%s'", r,
	       out);
}

static const char stats_table[] =
" dev        reads       writes   MiB read  MiB written  inflight      peak    busy ms  MiB/s est\n"
"   0         1000          500        3.0          0.5         0        32       1234       50.0\n"
"   1         1001          501        6.0          0.5         1        33       2469       50.5\n"
"\n"
"reads             2001\n"
"writes            1001\n"
"multi-copy reads  300\n"
"redirected reads  120\n"
"selector          least-loaded\n"
"placement         coactivation\n"
"max copies        2\n"
"spare pct         10\n"
"generation        0\n"
"entries           1024\n"
"clusters          0\n"
"copies            1024\n"
"map bytes         0\n"
"data start        sector 2048\n"
"slots per member  1536\n"
"has data          no\n"
"uuid              00112233-4455-6677-8899-aabbccddeeff\n"
"migration         idle\n"
"migration cap     64.0 MiB/s\n"
"health            ok\n"
"read failovers    0\n"
"lost reads        0\n"
"degraded writes   0\n"
"cache             off, 0.0 MiB, 0 entries\n";

/* The table of an ABI 1.0 kernel: no on-disk lines. */
static const char stats_table_10_tail[] =
"copies            1024\n"
"map bytes         0\n";

static const char stats_json[] =
"{\"generation\":0,\"entries\":1024,\"clusters\":0,\"copies\":1024,"
"\"map_bytes\":0,\"reads\":2001,\"writes\":1001,\"multi_copy_reads\":300,"
"\"redirected_reads\":120,\"selector\":\"least-loaded\",\"selector_id\":1,"
"\"placement\":\"coactivation\",\"placement_id\":1,\"max_copies\":2,"
"\"spare_pct\":10,\"data_start\":2048,\"dev_slots\":1536,\"flags\":0,"
"\"has_data\":false,\"uuid\":\"00112233-4455-6677-8899-aabbccddeeff\","
"\"migrate_state\":\"idle\",\"migrate_state_id\":0,"
"\"migrate_generation\":0,\"migrate_done\":0,\"migrate_total\":0,"
"\"migrate_bytes\":0,\"migrate_ms\":0,\"migrate_rate\":67108864,"
"\"migrate_error\":0,\"health\":\"ok\",\"failed_devs\":0,"
"\"read_failovers\":0,\"lost_reads\":0,\"degraded_writes\":0,"
"\"cache_policy\":\"cb\",\"cache_bytes\":0,\"cache_entries\":0,"
"\"cache_cb_hits\":0,\"cache_cb_misses\":0,\"cache_cb_hit_bytes\":0,"
"\"cache_cb_evictions\":0,\"cache_lru_hits\":0,\"cache_lru_misses\":0,"
"\"cache_lru_hit_bytes\":0,\"cache_lru_evictions\":0,"
"\"nr_devs\":2,\"devs\":["
"{\"dev\":0,\"reads\":1000,\"writes\":500,\"read_bytes\":3145728,"
"\"write_bytes\":524288,\"inflight\":0,\"inflight_peak\":32,"
"\"busy_ns\":1234567890,\"tput_est\":52428800},"
"{\"dev\":1,\"reads\":1001,\"writes\":501,\"read_bytes\":6291456,"
"\"write_bytes\":524288,\"inflight\":1,\"inflight_peak\":33,"
"\"busy_ns\":2469135780,\"tput_est\":52953088}]}\n";

static void stats(void)
{
	int r;

	r = FAKE("stats", "253:7");
	EXPECT(r == 0 && !strcmp(out, stats_table), "exit %d, '%s'", r, out);
	r = FAKE("stats", "253:7", "--json");
	EXPECT(r == 0 && !strcmp(out, stats_json), "exit %d, '%s'", r, out);
	r = FAKE("stats", "--json", "253:7");
	EXPECT(r == 0 && !strcmp(out, stats_json), "exit %d", r);
	r = FAKE_ENV("FAKE_SWARM_FAILED=1", "stats", "253:7");
	EXPECT(r == 0 && strstr(out, "\nhealth            degraded\n"
				"failed members    1\n"
				"read failovers    5\n"
				"lost reads        7\n"
				"degraded writes   3\n"
				"cache             off"), "exit %d, '%s'", r, out);
	r = FAKE_ENV("FAKE_SWARM_ABI10=1", "stats", "253:7");
	EXPECT(r == 0 && strlen(out) > strlen(stats_table_10_tail) &&
	       !strcmp(out + strlen(out) - strlen(stats_table_10_tail),
		       stats_table_10_tail), "exit %d, '%s'", r, out);
	r = FAKE("stats", "reset", "253:7");
	EXPECT(r == 0 && !*out && !strcmp(trace, "VERSION\nSTATS_RESET\n"),
	       "exit %d, '%s'", r, trace);
}

static void setup(void)
{
	const char *s = getenv("SWARMCTL");
	const char *so = getenv("FAKE_CONTROL_SO");
	int fd;

	if (!realpath(s ? s : "build/user/swarmctl", swarmctl) ||
	    !realpath(so ? so : "build/user-tests/fake-control.so", fake_so)) {
		perror("swarmctl or fake-control.so");
		exit(1);
	}
	fd = mkstemp(out_path);
	close(fd);
	fd = mkstemp(err_path);
	close(fd);
	fd = mkstemp(log_path);
	close(fd);
	write_file(good_map, "# two clusters\n0 1 9 1 2 3\nweight 0 1 4\n"
		   "1 3 2 3 4\n");
	write_file(bad_map, "0 1 9 1 2\n1 3 2 3 4\n1 3 2 3 4 3\n");
	write_file(far_map, "1 3 2 3 4\n0 1 9 1 1024\n");
}

static void cleanup(void)
{
	unlink(out_path);
	unlink(err_path);
	unlink(log_path);
	unlink(good_map);
	unlink(bad_map);
	unlink(far_map);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "help", help },
		{ "usage_errors", usage_errors },
		{ "bad_file_first", bad_file_first },
		{ "device_errors", device_errors },
		{ "version", version },
		{ "upload", upload },
		{ "upload_errors", upload_errors },
		{ "show", show },
		{ "stats", stats },
		{ "wait_immediate", wait_immediate },
		{ "wait_migration", wait_migration },
		{ "wait_failure", wait_failure },
		{ "stats_migration", stats_migration },
	};
	int r;

	setup();
	r = utest_run("swarmctl", cases, ARRAY_SIZE(cases));
	cleanup();
	return r;
}
