// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of userspace/bench/bench-lib.c, the pure part of swarm-bench: the
 * data pattern and its check, percentiles, the step-range, size and count
 * parsers and the summary figures; and of swarm-bench replay --pause-us,
 * run on a file (build/user/swarm-bench, $SWARM_BENCH overrides it; the
 * file lives in a directory under build/, since O_DIRECT may fail on a
 * tmpfs /tmp).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-lib.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_pattern(void)
{
	static uint64_t a[512], b[512];
	size_t w = 99;

	bench_fill(a, sizeof(a), 7, 3);
	EXPECT(a[0] == 7 && a[1] == 3, "header %lu %lu", (unsigned long)a[0],
	       (unsigned long)a[1]);
	EXPECT(bench_check(a, sizeof(a), 7, 3, &w), "own pattern");
	/* Another entry, another seed: both differ and say where. */
	EXPECT(!bench_check(a, sizeof(a), 8, 3, &w) && w == 0, "entry, w %zu", w);
	EXPECT(!bench_check(a, sizeof(a), 7, 4, &w) && w == 1, "seed, w %zu", w);
	/* A single flipped bit deep inside is found. */
	a[300] ^= 1ULL << 17;
	EXPECT(!bench_check(a, sizeof(a), 7, 3, &w) && w == 300, "w %zu", w);
	/* Entries 7 and 8 differ in every payload word. */
	bench_fill(a, sizeof(a), 7, 3);
	bench_fill(b, sizeof(b), 8, 3);
	for (w = 2; w < 512; w++)
		EXPECT(a[w] != b[w], "word %zu equal", w);
	/* Words within one entry do not repeat in a 4 KiB entry. */
	for (w = 3; w < 512; w++)
		EXPECT(a[w] != a[w - 1], "word %zu repeats", w);
}

static void test_percentile(void)
{
	double v[10] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	double one = 42;

	bench_sort(v, ARRAY_SIZE(v));
	EXPECT(v[0] == 1 && v[9] == 10, "sorted");
	EXPECT(bench_percentile(v, 10, 50) == 5, "p50 %g", bench_percentile(v, 10, 50));
	EXPECT(bench_percentile(v, 10, 99) == 10, "p99");
	EXPECT(bench_percentile(v, 10, 100) == 10, "p100");
	EXPECT(bench_percentile(v, 10, 10) == 1, "p10");
	EXPECT(bench_percentile(v, 10, 11) == 2, "p11");
	EXPECT(bench_percentile(v, 10, 0) == 1, "p0");
	EXPECT(bench_percentile(&one, 1, 50) == 42, "single");
	EXPECT(bench_percentile(v, 0, 50) == 0, "empty");
}

static void test_range(void)
{
	uint64_t a, b;

	EXPECT(!bench_parse_range("10:20", 100, &a, &b) && a == 10 && b == 20, "a:b");
	EXPECT(!bench_parse_range(":50%", 1000, &a, &b) && a == 0 && b == 500, ":50%%");
	EXPECT(!bench_parse_range("50%:", 1001, &a, &b) && a == 500 && b == 1001, "50%%:");
	EXPECT(!bench_parse_range("5", 10, &a, &b) && a == 5 && b == 10, "bare");
	EXPECT(!bench_parse_range(":", 10, &a, &b) && a == 0 && b == 10, "all");
	EXPECT(bench_parse_range("5:5", 10, &a, &b) == -EINVAL, "empty");
	EXPECT(bench_parse_range("0:11", 10, &a, &b) == -EINVAL, "past end");
	EXPECT(bench_parse_range("x:1", 10, &a, &b) == -EINVAL, "junk");
	EXPECT(bench_parse_range("1:2x", 10, &a, &b) == -EINVAL, "junk end");
	EXPECT(bench_parse_range("101%:", 10, &a, &b) == -EINVAL, "percent > 100");
	EXPECT(bench_parse_range("", 10, &a, &b) == -EINVAL, "blank");
	EXPECT(bench_parse_range("-1:", 10, &a, &b) == -EINVAL, "negative");
}

static void test_size(void)
{
	uint64_t v;

	EXPECT(!bench_parse_size("4096", &v) && v == 4096, "plain");
	EXPECT(!bench_parse_size("4K", &v) && v == 4096, "K");
	EXPECT(!bench_parse_size("64KiB", &v) && v == 65536, "KiB");
	EXPECT(!bench_parse_size("50M", &v) && v == 50ULL << 20, "M");
	EXPECT(!bench_parse_size("2G", &v) && v == 2ULL << 30, "G");
	EXPECT(bench_parse_size("4X", &v) == -EINVAL, "bad suffix");
	EXPECT(bench_parse_size("", &v) == -EINVAL, "empty");
	EXPECT(bench_parse_size("-1", &v) == -EINVAL, "negative");
	EXPECT(bench_parse_size("99999999999999999999", &v) == -EINVAL, "overflow");
}

static void test_count(void)
{
	uint64_t v;

	EXPECT(!bench_parse_count("150000", &v) && v == 150000, "plain");
	EXPECT(!bench_parse_count("0", &v) && v == 0, "zero");
	EXPECT(bench_parse_count("1K", &v) == -EINVAL, "no suffix");
	EXPECT(bench_parse_count("", &v) == -EINVAL, "empty");
	EXPECT(bench_parse_count("-1", &v) == -EINVAL, "negative");
	EXPECT(bench_parse_count(" 1", &v) == -EINVAL, "blank first");
	EXPECT(bench_parse_count("99999999999999999999", &v) == -EINVAL, "overflow");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run "swarm-bench ARGS" with its output in @out; its exit status. */
static int bench_run(const char *dir, const char *args, char *out, size_t len)
{
	const char *bin = getenv("SWARM_BENCH");
	char cmd[1024], o[300];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(o, sizeof(o), "%s/cmd.out", dir);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>&1",
		 bin ? bin : "build/user/swarm-bench", args, o);
	st = system(cmd);
	f = fopen(o, "r");
	if (f) {
		n = fread(out, 1, len - 1, f);
		fclose(f);
	}
	out[n] = '\0';
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * replay --pause-us: 3 steps with 0.2 s pauses take at least 0.4 s (the
 * pause comes between steps, not after the last), and the pauses are not
 * in the I/O time; a pause with a suffix or a sign is refused.
 */
static void test_pause(void)
{
	char dir[] = "build/user-tests/bench-XXXXXX", dev[300], tr[300];
	char args[1024], out[4096];
	const char *p;
	double t0, t, io = -1;
	FILE *f;
	int r;

	if (!mkdtemp(dir)) {
		EXPECT(0, "mkdtemp %s", dir);
		return;
	}
	snprintf(dev, sizeof(dev), "%s/dev.img", dir);
	snprintf(tr, sizeof(tr), "%s/steps.trace", dir);
	f = fopen(tr, "w");
	EXPECT(f, "%s", tr);
	if (!f)
		return;
	fputs("# three steps\n1 2 3\n4 5\n6 7 8 9\n", f);
	fclose(f);
	f = fopen(dev, "w");
	EXPECT(f && !ftruncate(fileno(f), 1 << 20), "%s", dev);
	if (f)
		fclose(f);
	snprintf(args, sizeof(args), "populate %s", dev);
	r = bench_run(dir, args, out, sizeof(out));
	EXPECT(r == 0, "populate: %d %s", r, out);

	t0 = now();
	snprintf(args, sizeof(args), "replay %s %s --verify --json --pause-us 200000",
		 dev, tr);
	r = bench_run(dir, args, out, sizeof(out));
	t = now() - t0;
	EXPECT(r == 0, "replay: %d %s", r, out);
	EXPECT(t >= 0.4, "3 steps, 2 pauses of 0.2 s in %.3f s", t);
	p = strstr(out, "\"io_time_s\":");
	if (p)
		io = strtod(p + strlen("\"io_time_s\":"), NULL);
	EXPECT(io >= 0 && io < 0.2, "the pauses are not I/O time: %g (%s)", io, out);
	EXPECT(strstr(out, "\"steps\":3,\"reads\":9,"), "%s", out);

	snprintf(args, sizeof(args), "replay %s %s --pause-us 1K", dev, tr);
	r = bench_run(dir, args, out, sizeof(out));
	EXPECT(r == 2 && strstr(out, "bad --pause-us '1K'"), "%d %s", r, out);
	snprintf(args, sizeof(args), "replay %s %s --pause-us -5", dev, tr);
	r = bench_run(dir, args, out, sizeof(out));
	EXPECT(r == 2, "negative: %d %s", r, out);

	snprintf(args, sizeof(args), "rm -rf %s", dir);
	EXPECT(!system(args), "%s", args);
}

static void test_summary(void)
{
	/* 4 steps, 100 reads of 4 KiB in 0.4 s over 2 x 1 MiB/s. */
	double lat[4] = { 0.2, 0.05, 0.1, 0.05 };
	struct bench_summary s;

	bench_summarise(lat, 4, 100, 4096, 2, 1 << 20, &s);
	EXPECT(s.steps == 4 && s.reads == 100, "counts");
	EXPECT(s.useful_bytes == 409600, "bytes");
	EXPECT(s.io_time > 0.3999 && s.io_time < 0.4001, "time %g", s.io_time);
	EXPECT(s.p50 == 0.05 && s.p99 == 0.2 && s.max == 0.2, "percentiles");
	EXPECT(s.eff_bw > 1023999 && s.eff_bw < 1024001, "bw %g", s.eff_bw);
	EXPECT(s.util > 0.4882 && s.util < 0.4884, "util %g", s.util);
	bench_summarise(lat, 4, 100, 4096, 2, 0, &s);
	EXPECT(s.util == 0, "no limit, no utilisation");
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "pattern", test_pattern },
		{ "percentile", test_percentile },
		{ "range", test_range },
		{ "size", test_size },
		{ "count", test_count },
		{ "summary", test_summary },
		{ "pause", test_pause },
	};

	return utest_run("bench", cases, ARRAY_SIZE(cases));
}
