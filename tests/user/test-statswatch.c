// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of swarmctl stats --watch: the rates between two snapshots and
 * their lines (cli/stats-watch.c, pure), and the command itself on the
 * fake control device (build/user-tests/fake-control.so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/stats-watch.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIB (1ULL << 20)

static struct swarm_stats a, b;

/* Two members; over 2 s: member 0 read 8 MiB in 200 reads, wrote 1 MiB in
 * 10 writes, busy 1 s; member 1 read 2 MiB in 50 reads, busy 3 s (over
 * 100%: clamped). The device: 250 reads, 10 writes, 40 with a choice, 10
 * redirected.
 */
static void snapshots(void)
{
	memset(&a, 0, sizeof(a));
	a.s.nr_devs = 2;
	a.s.reads = 1000;
	a.s.writes = 100;
	a.s.multi_copy_reads = 100;
	a.s.redirected_reads = 20;
	a.s.selector = DM_SWARM_SELECT_LEAST_LOADED;
	a.s.map_generation = 3;
	a.devs[0].reads = 500;
	a.devs[0].read_bytes = 100 * MIB;
	a.devs[0].writes = 50;
	a.devs[0].write_bytes = 10 * MIB;
	a.devs[0].busy_ns = 5000000000ULL;
	a.devs[1].reads = 500;
	a.devs[1].read_bytes = 100 * MIB;
	b = a;
	b.s.reads += 250;
	b.s.writes += 10;
	b.s.multi_copy_reads += 40;
	b.s.redirected_reads += 10;
	b.s.map_generation = 4;
	b.devs[0].reads += 200;
	b.devs[0].read_bytes += 8 * MIB;
	b.devs[0].writes += 10;
	b.devs[0].write_bytes += MIB;
	b.devs[0].busy_ns += 1000000000ULL;
	b.devs[0].inflight = 7;
	b.devs[1].reads += 50;
	b.devs[1].read_bytes += 2 * MIB;
	b.devs[1].busy_ns += 3000000000ULL;
}

static bool near(double x, double y)
{
	return x > y - 1e-9 && x < y + 1e-9;
}

static void delta(void)
{
	struct watch w;

	snapshots();
	watch_delta(&a, &b, 2.0, &w);
	EXPECT(!w.reset && w.nr_devs == 2 && w.generation == 4, "reset %d",
	       w.reset);
	EXPECT(near(w.reads_s, 125) && near(w.writes_s, 5) &&
	       near(w.multi_s, 20) && near(w.redirected_s, 5) &&
	       near(w.redirected_pct, 25), "%f %f %f %f %f", w.reads_s,
	       w.writes_s, w.multi_s, w.redirected_s, w.redirected_pct);
	EXPECT(near(w.devs[0].read_mib_s, 4) && near(w.devs[0].write_mib_s, 0.5) &&
	       near(w.devs[0].read_iops, 100) && near(w.devs[0].write_iops, 5) &&
	       w.devs[0].inflight == 7 && near(w.devs[0].util_pct, 50) &&
	       near(w.devs[0].read_share_pct, 80), "dev 0: %f %f %f %f %f %f",
	       w.devs[0].read_mib_s, w.devs[0].write_mib_s,
	       w.devs[0].read_iops, w.devs[0].write_iops,
	       w.devs[0].util_pct, w.devs[0].read_share_pct);
	EXPECT(near(w.devs[1].read_mib_s, 1) && near(w.devs[1].util_pct, 100) &&
	       near(w.devs[1].read_share_pct, 20), "dev 1: %f %f %f",
	       w.devs[1].read_mib_s, w.devs[1].util_pct,
	       w.devs[1].read_share_pct);
}

/* Counters that went back (stats reset): rates from zero. */
static void reset(void)
{
	struct watch w;

	snapshots();
	memset(&b.s.reads, 0, sizeof(b.s.reads));
	b.devs[0].reads = 30;
	watch_delta(&a, &b, 1.0, &w);
	EXPECT(w.reset && near(w.reads_s, 0) && near(w.devs[0].read_iops, 30) &&
	       near(w.devs[1].read_iops, 550), "%d %f %f %f", w.reset,
	       w.reads_s, w.devs[0].read_iops, w.devs[1].read_iops);
}

/* Nothing read: no division by zero, all zero. */
static void idle(void)
{
	struct watch w;

	snapshots();
	watch_delta(&a, &a, 0.0, &w);
	EXPECT(!w.reset && near(w.reads_s, 0) && near(w.redirected_pct, 0) &&
	       near(w.devs[0].read_share_pct, 0) && near(w.devs[0].util_pct, 0),
	       "%f %f", w.redirected_pct, w.devs[0].read_share_pct);
}

static const char text_want[] =
"      3.0 s  dev    rMiB/s    wMiB/s       r/s       w/s inflight  util% rshare%\n"
"               0      4.00      0.50     100.0       5.0        7   50.0    80.0\n"
"               1      1.00      0.00      25.0       0.0        0  100.0    20.0\n"
"            swarm reads/s 125.0 writes/s 5.0, selector least-loaded: 20.0/s with a choice, 5.0/s redirected (25.0%), generation 4\n";

static const char json_want[] =
"{\"t\":3.000,\"interval_s\":2.000,\"reset\":false,\"generation\":4,"
"\"selector\":\"least-loaded\",\"reads_s\":125.0,\"writes_s\":5.0,"
"\"multi_copy_reads_s\":20.0,\"redirected_reads_s\":5.0,"
"\"redirected_pct\":25.0,\"devs\":[{\"dev\":0,\"read_mib_s\":4.00,"
"\"write_mib_s\":0.50,\"read_iops\":100.0,\"write_iops\":5.0,"
"\"inflight\":7,\"util_pct\":50.0,\"read_share_pct\":80.0},{\"dev\":1,"
"\"read_mib_s\":1.00,\"write_mib_s\":0.00,\"read_iops\":25.0,"
"\"write_iops\":0.0,\"inflight\":0,\"util_pct\":100.0,"
"\"read_share_pct\":20.0}]}\n";

static void format(void)
{
	char buf[4096], small[16];
	struct watch w;
	size_t n;

	snapshots();
	watch_delta(&a, &b, 2.0, &w);
	n = watch_format(&w, 3.0, false, buf, sizeof(buf));
	EXPECT(n == strlen(text_want) && !strcmp(buf, text_want),
	       "text:\n%s\nwant:\n%s", buf, text_want);
	n = watch_format(&w, 3.0, true, buf, sizeof(buf));
	EXPECT(n == strlen(json_want) && !strcmp(buf, json_want),
	       "json:\n%s\nwant:\n%s", buf, json_want);
	/* Truncated: the length it needs, a terminated prefix. */
	n = watch_format(&w, 3.0, true, small, sizeof(small));
	EXPECT(n == strlen(json_want) && strlen(small) == sizeof(small) - 1 &&
	       !strncmp(small, json_want, sizeof(small) - 1), "%zu %s", n,
	       small);
	w.reset = true;
	watch_format(&w, 3.0, false, buf, sizeof(buf));
	EXPECT(strstr(buf, "(statistics reset)") != NULL, "%s", buf);
}

/* The command on the fake control device: 3 JSON lines, then exit 0. */
static void command(void)
{
	const char *swarmctl = getenv("SWARMCTL");
	const char *so = getenv("FAKE_CONTROL_SO");
	char cmd[1024], line[4096];
	int lines = 0, good = 0, st;
	double elapsed;
	FILE *f;

	if (!swarmctl)
		swarmctl = "build/user/swarmctl";
	if (!so)
		so = "build/user-tests/fake-control.so";
	snprintf(cmd, sizeof(cmd), "DM_SWARM_CONTROL=/dev/null LD_PRELOAD=%s "
		 "%s stats 253:7 --watch 0.05 --count 3 --json", so, swarmctl);
	f = popen(cmd, "r");
	if (!f) {
		EXPECT(0, "popen %s", cmd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lines++;
		good += !strncmp(line, "{\"t\":", 5) &&
			strstr(line, "\"devs\":[{\"dev\":0,") &&
			strstr(line, "{\"dev\":1,") && strstr(line, "]}\n");
	}
	st = pclose(f);
	EXPECT(st == 0 && lines == 3 && good == 3, "%s: status %d, %d lines, "
	       "%d good", cmd, st, lines, good);
	snprintf(cmd, sizeof(cmd), "DM_SWARM_CONTROL=/dev/null LD_PRELOAD=%s "
		 "%s stats --watch 253:7 --count 1", so, swarmctl);
	/*
	 * "253:7" is the device, not an interval: the default interval
	 * (1 s) shows in the first line's time.
	 */
	f = popen(cmd, "r");
	lines = 0;
	good = 0;
	elapsed = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (!lines++ && sscanf(line, "%lf s ", &elapsed) != 1)
			elapsed = -1;
		good += !!strstr(line, " swarm reads/s ");
	}
	st = f ? pclose(f) : -1;
	EXPECT(st == 0 && good == 1 && elapsed >= 0.9 && elapsed < 30,
	       "%s: status %d, %d summary lines, first at %.1f s", cmd, st,
	       good, elapsed);
	snprintf(cmd, sizeof(cmd), "%s stats x --watch 0 2>/dev/null", swarmctl);
	EXPECT(WEXITSTATUS(system(cmd)) == 2, "bad interval");
	snprintf(cmd, sizeof(cmd), "%s stats x --count 2 2>/dev/null", swarmctl);
	EXPECT(WEXITSTATUS(system(cmd)) == 2, "count without watch");
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "delta", delta },
		{ "reset", reset },
		{ "idle", idle },
		{ "format", format },
		{ "command", command },
	};

	return utest_run("statswatch", cases, ARRAY_SIZE(cases));
}
