// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the traces of userspace/lib/ (trace.c, trace-mooncake.c,
 * trace-write.c, tracegen.c): the text and binary formats and their round
 * trip, every reader error with its "FILE:LINE" or "FILE:offset N"
 * message, the Mooncake adapter (tests/data), the writer and the
 * generator. Run from the top of the tree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/trace.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EXCERPT "tests/data/mooncake-50.jsonl"
#define SHAPE "tests/data/mooncake-shape.jsonl"

static char dir[] = "/tmp/swarm-trace-XXXXXX";
static char path[256], path2[256];

static const char *write_tmp(const void *data, size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/in", dir);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror(path);
		exit(1);
	}
	return path;
}

static bool exists(const char *p)
{
	struct stat st;

	return !stat(p, &st);
}

static bool step_is(const struct swarm_trace *t, uint64_t s,
		    const uint32_t *ids, size_t n)
{
	if (s >= t->nr_steps || t->off[s + 1] - t->off[s] != n)
		return false;
	return !memcmp(t->ids + t->off[s], ids, n * sizeof(*ids));
}

static bool same(const struct swarm_trace *a, const struct swarm_trace *b)
{
	return a->nr_steps == b->nr_steps && a->nr_reads == b->nr_reads &&
	       !memcmp(a->off, b->off, (a->nr_steps + 1) * sizeof(*a->off)) &&
	       !memcmp(a->ids, b->ids, a->nr_reads * sizeof(*a->ids));
}

/* ---- Text ---- */

static void text_read(void)
{
	static const char text[] =
		"# a trace\n"
		"3 1 2   # comment right after\n"
		"\n"
		"\t7\r\n"
		"5 5 4#x\n"
		"   # only a comment\n";
	static const uint32_t s0[] = { 1, 2, 3 }, s1[] = { 7 }, s2[] = { 4, 5 };
	enum swarm_trace_fmt fmt;
	struct swarm_trace t;
	char err[256] = "";
	int r;

	r = swarm_trace_read(write_tmp(text, strlen(text)), NULL, &t, &fmt,
			     err, sizeof(err));
	EXPECT(!r, "%s", err);
	EXPECT(fmt == SWARM_TRACE_TEXT, "format %d", fmt);
	EXPECT(t.nr_steps == 3 && t.nr_reads == 6 && t.nr_entries == 8,
	       "%" PRIu64 " steps %" PRIu64 " reads %" PRIu64 " entries",
	       t.nr_steps, t.nr_reads, t.nr_entries);
	EXPECT(step_is(&t, 0, s0, 3) && step_is(&t, 1, s1, 1) &&
	       step_is(&t, 2, s2, 2), "steps");
	swarm_trace_free(&t);
}

struct err_case {
	const char *text;
	uint64_t entries;
	const char *msg;	/* after "PATH:" */
};

static const struct err_case text_errors[] = {
	{ "1 2 x\n", 0, "1: malformed entry id 'x'" },
	{ "1\n\n3 -4\n", 0, "3: malformed entry id '-4'" },
	{ "1 0x10\n", 0, "1: malformed entry id '0x10'" },
	{ "1.5\n", 0, "1: malformed entry id '1.5'" },
	{ "4294967295\n", 0,
	  "1: entry id '4294967295' is too large (max 4294967294)" },
	{ "99999999999999999999999\n", 0,
	  "1: entry id '99999999999999999999999' is too large (max 4294967294)" },
	{ "1 2\n10\n", 10, "2: entry id 10 out of range (10 entries: ids 0..9)" },
	{ "", 0, "1: empty trace (no steps)" },
	{ "# nothing\n\n", 0, "2: empty trace (no steps)" },
	{ "1 2 3\n\xff\n", 0, "2: malformed entry id '?'" },
};

static void text_errors_all(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(text_errors); i++) {
		const struct err_case *c = &text_errors[i];
		struct swarm_trace_opts o = { .nr_entries = c->entries };
		char err[256] = "", want[512];
		struct swarm_trace t;
		const char *p = write_tmp(c->text, strlen(c->text));
		int r = swarm_trace_read(p, &o, &t, NULL, err, sizeof(err));

		snprintf(want, sizeof(want), "%s:%s", p, c->msg);
		EXPECT(r == -EINVAL, "'%s': %d", c->text, r);
		EXPECT(!strcmp(err, want), "got '%s', want '%s'", err, want);
		EXPECT(!t.nr_steps && !t.ids && !t.off, "trace not emptied");
	}
}

static void missing_file(void)
{
	struct swarm_trace t;
	char err[256] = "";
	int r = swarm_trace_read("/nonexistent/trace", NULL, &t, NULL, err,
				 sizeof(err));

	EXPECT(r == -ENOENT, "%d", r);
	EXPECT(!strcmp(err, "/nonexistent/trace: No such file or directory"),
	       "'%s'", err);
}

/* ---- Round trips ---- */

static void make_trace(struct swarm_trace *t)
{
	static const uint64_t a[] = { 5, 1, 1000000, 3, 5 }, b[] = { 0 },
		c[] = { 4294967294ULL, 127, 128, 129, 16383, 16384 };

	swarm_trace_init(t);
	EXPECT(!swarm_trace_add_step(t, a, ARRAY_SIZE(a)), "add");
	EXPECT(!swarm_trace_add_step(t, b, ARRAY_SIZE(b)), "add");
	EXPECT(!swarm_trace_add_step(t, c, ARRAY_SIZE(c)), "add");
}

static void round_trip(void)
{
	struct swarm_trace t, tt, tb;
	enum swarm_trace_fmt ft, fb;
	char err[256] = "";
	struct stat st1, st2;
	static const uint32_t s0[] = { 1, 3, 5, 1000000 };

	make_trace(&t);
	EXPECT(t.nr_steps == 3 && t.nr_reads == 11, "%" PRIu64, t.nr_reads);
	EXPECT(step_is(&t, 0, s0, 4), "sorted and deduplicated");
	snprintf(path, sizeof(path), "%s/t.txt", dir);
	snprintf(path2, sizeof(path2), "%s/t.bin", dir);
	EXPECT(!swarm_trace_write(&t, path, false, "text", err, sizeof(err)),
	       "%s", err);
	EXPECT(!swarm_trace_write(&t, path2, true, NULL, err, sizeof(err)),
	       "%s", err);
	EXPECT(!swarm_trace_read(path, NULL, &tt, &ft, err, sizeof(err)), "%s",
	       err);
	EXPECT(!swarm_trace_read(path2, NULL, &tb, &fb, err, sizeof(err)), "%s",
	       err);
	EXPECT(ft == SWARM_TRACE_TEXT && fb == SWARM_TRACE_BINARY, "%d %d",
	       ft, fb);
	EXPECT(same(&t, &tt) && same(&t, &tb), "round trip differs");
	EXPECT(tb.nr_entries == 4294967295ULL, "%" PRIu64, tb.nr_entries);
	stat(path, &st1);
	stat(path2, &st2);
	EXPECT(st2.st_size < st1.st_size, "binary %ld >= text %ld",
	       (long)st2.st_size, (long)st1.st_size);
	/* binary -> text -> binary gives the same bytes */
	swarm_trace_free(&tt);
	EXPECT(!swarm_trace_write(&tb, path, false, NULL, err, sizeof(err)), "%s",
	       err);
	EXPECT(!swarm_trace_read(path, NULL, &tt, NULL, err, sizeof(err)), "%s",
	       err);
	EXPECT(same(&tt, &tb), "second round trip differs");
	swarm_trace_free(&t);
	swarm_trace_free(&tt);
	swarm_trace_free(&tb);
}

/* ---- Binary errors ---- */

static size_t bin_file(unsigned char *buf, size_t cap)
{
	struct swarm_trace t;
	char err[256];
	size_t n;
	FILE *f;

	make_trace(&t);
	snprintf(path2, sizeof(path2), "%s/b.bin", dir);
	EXPECT(!swarm_trace_write(&t, path2, true, NULL, err, sizeof(err)),
	       "%s", err);
	swarm_trace_free(&t);
	f = fopen(path2, "rb");
	n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void expect_bin_error(const void *data, size_t len, uint64_t entries,
			     const char *msg)
{
	struct swarm_trace_opts o = { .nr_entries = entries };
	char err[256] = "", want[512];
	struct swarm_trace t;
	const char *p = write_tmp(data, len);
	int r = swarm_trace_read(p, &o, &t, NULL, err, sizeof(err));

	snprintf(want, sizeof(want), "%s:%s", p, msg);
	EXPECT(r == -EINVAL, "%d for '%s'", r, msg);
	EXPECT(!strcmp(err, want), "got '%s', want '%s'", err, want);
	EXPECT(!t.nr_steps && !t.ids, "trace not emptied");
}

static void binary_errors(void)
{
	unsigned char b[256], c[256];
	size_t n = bin_file(b, sizeof(b)), i;
	static const unsigned char empty[] = {
		'S', 'W', 'T', 'R', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	static const unsigned char bigvar[] = {
		'S', 'W', 'T', 'R', 1, 0, 0, 0, 1,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
	};

	/* header(8) step(1 + 1+1+1+3) step(1 + 1) step(...) ... */
	EXPECT(n > 20, "%zu bytes", n);
	expect_bin_error(b, 6, 0, "offset 6: truncated header");
	memcpy(c, b, n);
	c[4] = 2;
	expect_bin_error(c, n, 0,
			 "offset 4: unsupported version 2 (this tool reads 1)");
	memcpy(c, b, n);
	c[6] = 1;
	expect_bin_error(c, n, 0, "offset 5: reserved header bytes are not zero");
	expect_bin_error(b, 9, 0,
			 "offset 9: truncated trace: entry id cut short");
	expect_bin_error(b, 8, 0,
			 "offset 8: truncated trace: step length cut short");
	expect_bin_error(b, n - 3, 0,
			 "offset 35: truncated trace: step count cut short");
	memcpy(c, b, n);
	c[n - 8] = 7;
	expect_bin_error(c, n, 0,
			 "offset 30: step count 7 does not match the 3 steps read");
	memcpy(c, b, n);
	c[n] = 0;
	expect_bin_error(c, n + 1, 0, "offset 38: data after the end of the trace");
	expect_bin_error(b, n, 1000,
			 "offset 12: entry id 1000000 out of range (1000 entries: ids 0..999)");
	expect_bin_error(empty, sizeof(empty), 0, "offset 8: empty trace (no steps)");
	expect_bin_error(bigvar, sizeof(bigvar), 0,
			 "offset 9: entry id does not fit in 64 bits");
	/* every truncation is an error, none crashes */
	for (i = 4; i < n; i++) {
		struct swarm_trace t;
		char err[256] = "";

		EXPECT(swarm_trace_read(write_tmp(b, i), NULL, &t, NULL, err,
					sizeof(err)) == -EINVAL, "cut at %zu", i);
		EXPECT(strstr(err, ":offset "), "cut at %zu: '%s'", i, err);
	}
}

/* ---- Mooncake ---- */

static void mooncake_excerpt(void)
{
	enum swarm_trace_fmt fmt;
	struct swarm_trace t;
	struct swarm_trace_opts o = { .layers = 1 };
	uint64_t *ids = NULL, nr = 0, i;
	char err[256] = "";
	static const uint32_t s2[] = { 0, 28, 29, 30, 31, 32, 33, 34, 35, 36,
				       37, 38, 39, 40, 41 };
	bool dense = true;

	o.ids_out = &ids;
	o.nr_ids_out = &nr;
	EXPECT(!swarm_trace_read(EXCERPT, &o, &t, &fmt, err, sizeof(err)),
	       "%s", err);
	EXPECT(fmt == SWARM_TRACE_MOONCAKE, "format %d", fmt);
	EXPECT(t.nr_steps == 50 && t.nr_entries == 1156 && t.nr_reads == 1205,
	       "%" PRIu64 " steps %" PRIu64 " entries %" PRIu64 " reads",
	       t.nr_steps, t.nr_entries, t.nr_reads);
	EXPECT(nr == 1156, "%" PRIu64 " ids", nr);
	/* this excerpt's hash ids happen to be first-seen dense already */
	for (i = 0; i < nr; i++)
		dense &= ids[i] == i;
	EXPECT(dense, "mapping");
	EXPECT(step_is(&t, 2, s2, ARRAY_SIZE(s2)), "step 2");
	printf("  mooncake excerpt: %" PRIu64 " steps, %" PRIu64
	       " entries, %" PRIu64 " reads\n", t.nr_steps, t.nr_entries,
	       t.nr_reads);
	free(ids);
	swarm_trace_free(&t);

	o.layers = 4;
	o.ids_out = NULL;
	EXPECT(!swarm_trace_read(EXCERPT, &o, &t, NULL, err, sizeof(err)),
	       "%s", err);
	EXPECT(t.nr_steps == 200 && t.nr_entries == 4624 &&
	       t.nr_reads == 4820, "%" PRIu64 " steps %" PRIu64 " entries",
	       t.nr_steps, t.nr_entries);
	{
		uint32_t l3[ARRAY_SIZE(s2)];

		for (i = 0; i < ARRAY_SIZE(s2); i++)
			l3[i] = s2[i] * 4 + 3;
		EXPECT(step_is(&t, 2 * 4 + 3, l3, ARRAY_SIZE(s2)),
		       "request 2, layer 3");
	}
	swarm_trace_free(&t);
}

static void mooncake_mapping(void)
{
	struct swarm_trace t;
	struct swarm_trace_opts o = { 0 };
	uint64_t *ids = NULL, nr = 0;
	char err[256] = "";
	static const uint64_t want_ids[] = { 900, 5, 900000000000ULL, 77 };
	static const uint32_t s0[] = { 0, 1, 2 }, s1[] = { 1, 3 },
		s2[] = { 0, 3 };
	static const uint32_t l0[] = { 0, 2, 4 }, l1[] = { 1, 3, 5 },
		l5[] = { 1, 7 };

	o.ids_out = &ids;
	o.nr_ids_out = &nr;
	EXPECT(!swarm_trace_read(SHAPE, &o, &t, NULL, err, sizeof(err)), "%s",
	       err);
	EXPECT(t.nr_steps == 3 && t.nr_entries == 4, "%" PRIu64 " steps",
	       t.nr_steps);
	EXPECT(nr == 4 && !memcmp(ids, want_ids, sizeof(want_ids)),
	       "first-seen order");
	EXPECT(step_is(&t, 0, s0, 3) && step_is(&t, 1, s1, 2) &&
	       step_is(&t, 2, s2, 2), "steps");
	free(ids);
	swarm_trace_free(&t);
	o.layers = 2;
	o.ids_out = NULL;
	EXPECT(!swarm_trace_read(SHAPE, &o, &t, NULL, err, sizeof(err)), "%s",
	       err);
	EXPECT(t.nr_steps == 6 && t.nr_entries == 8, "%" PRIu64 " steps",
	       t.nr_steps);
	EXPECT(step_is(&t, 0, l0, 3) && step_is(&t, 1, l1, 3) &&
	       step_is(&t, 5, l5, 2), "layers");
	swarm_trace_free(&t);
}

static const struct err_case mooncake_errors[] = {
	{ "{\"hash_ids\": [1, 2]}\n{\"timestamp\": 1}\n", 0,
	  "2: no \"hash_ids\" key" },
	{ "{\"hash_ids\": 5}\n", 0, "1: \"hash_ids\" is not a list" },
	{ "{\"hash_ids\": [1, x]}\n", 0, "1: malformed hash id 'x'" },
	{ "{\"hash_ids\": [1, -2]}\n", 0, "1: malformed hash id '-2'" },
	{ "{\"hash_ids\": [1 2]}\n", 0, "1: malformed \"hash_ids\" list" },
	{ "{\"hash_ids\": [1, 2\n", 0, "1: malformed \"hash_ids\" list" },
	{ "{\"hash_ids\": [1,]}\n", 0, "1: malformed hash id ''" },
	{ "{\"hash_ids\": [1]}\n[2]\n", 0, "2: expected a JSON object" },
	{ "{\"hash_ids\": []}\n", 0, "1: empty trace (no steps)" },
	{ "{\"hash_ids\": [1, 2, 3]}\n", 2,
	  "1: entry id 2 out of range (2 entries: ids 0..1)" },
	{ "{\"hash_ids\": [18446744073709551616]}\n", 0,
	  "1: hash id '18446744073709551616' is too large (max 18446744073709551615)" },
};

static void mooncake_errors_all(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mooncake_errors); i++) {
		const struct err_case *c = &mooncake_errors[i];
		struct swarm_trace_opts o = { .nr_entries = c->entries };
		char err[256] = "", want[512];
		struct swarm_trace t;
		const char *p = write_tmp(c->text, strlen(c->text));
		int r = swarm_trace_read(p, &o, &t, NULL, err, sizeof(err));

		snprintf(want, sizeof(want), "%s:%s", p, c->msg);
		EXPECT(r == -EINVAL, "'%s': %d", c->text, r);
		EXPECT(!strcmp(err, want), "got '%s', want '%s'", err, want);
	}
}

/* ---- Writer ---- */

static void writer(void)
{
	struct swarm_trace_writer w;
	struct swarm_trace t;
	static const uint64_t a[] = { 9, 3, 9, 1 };
	static const uint32_t s0[] = { 1, 3, 9 };
	char err[256] = "", tmp[300];

	snprintf(path2, sizeof(path2), "%s/w.txt", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path2);
	unlink(path2);
	EXPECT(!swarm_trace_writer_open(&w, path2, NULL, false, "hello", err,
					sizeof(err)), "%s", err);
	EXPECT(exists(tmp) && !exists(path2), "written to PATH.tmp");
	EXPECT(!swarm_trace_writer_step(&w, a, ARRAY_SIZE(a)), "step");
	EXPECT(swarm_trace_writer_step(&w, a, 0) == -EINVAL, "empty step");
	EXPECT(swarm_trace_writer_close(&w, false, err, sizeof(err)) == -EINVAL,
	       "sticky error");
	EXPECT(!exists(tmp) && !exists(path2), "nothing left after an error");

	EXPECT(!swarm_trace_writer_open(&w, path2, NULL, true, NULL, err,
					sizeof(err)), "%s", err);
	EXPECT(swarm_trace_writer_close(&w, false, err, sizeof(err)) == -ENODATA,
	       "no steps");
	EXPECT(strstr(err, "empty trace (no steps)"), "'%s'", err);
	EXPECT(!exists(tmp) && !exists(path2), "nothing left when empty");

	EXPECT(!swarm_trace_writer_open(&w, path2, NULL, false, "hello", err,
					sizeof(err)), "%s", err);
	EXPECT(!swarm_trace_writer_step(&w, a, ARRAY_SIZE(a)), "step");
	EXPECT(!swarm_trace_writer_close(&w, false, err, sizeof(err)), "%s", err);
	EXPECT(exists(path2) && !exists(tmp), "renamed");
	EXPECT(!swarm_trace_read(path2, NULL, &t, NULL, err, sizeof(err)), "%s",
	       err);
	EXPECT(t.nr_steps == 1 && step_is(&t, 0, s0, 3), "read back");
	swarm_trace_free(&t);
}

/* ---- Generator ---- */

static void gen_to(const struct swarm_gen_opts *o, const char *p,
		   const char *truth)
{
	struct swarm_trace_writer w;
	char err[256] = "";
	FILE *f = fopen(truth, "w");

	EXPECT(f, "%s", truth);
	EXPECT(!swarm_trace_writer_open(&w, p, NULL, true, NULL, err,
					sizeof(err)), "%s", err);
	EXPECT(!swarm_gen(o, &w, f, NULL, err, sizeof(err)), "%s", err);
	EXPECT(!swarm_trace_writer_close(&w, false, err, sizeof(err)), "%s", err);
	fclose(f);
}

static void generator(void)
{
	struct swarm_gen_opts o;
	struct swarm_trace a, b, c;
	char err[256] = "", p1[300], p2[300], p3[300], tr[300];
	uint64_t s, mn = UINT64_MAX, mx = 0;

	swarm_gen_defaults(&o);
	o.nr_entries = 2000;
	o.nr_steps = 200;
	snprintf(p1, sizeof(p1), "%s/g1", dir);
	snprintf(p2, sizeof(p2), "%s/g2", dir);
	snprintf(p3, sizeof(p3), "%s/g3", dir);
	snprintf(tr, sizeof(tr), "%s/truth", dir);
	gen_to(&o, p1, tr);
	gen_to(&o, p2, tr);
	o.seed = 2;
	gen_to(&o, p3, tr);
	EXPECT(!swarm_trace_read(p1, NULL, &a, NULL, err, sizeof(err)), "%s", err);
	EXPECT(!swarm_trace_read(p2, NULL, &b, NULL, err, sizeof(err)), "%s", err);
	EXPECT(!swarm_trace_read(p3, NULL, &c, NULL, err, sizeof(err)), "%s", err);
	EXPECT(same(&a, &b), "same seed, same trace");
	EXPECT(!same(&a, &c), "another seed, another trace");
	EXPECT(a.nr_steps == 200, "%" PRIu64, a.nr_steps);
	for (s = 0; s < a.nr_steps; s++) {
		uint64_t n = a.off[s + 1] - a.off[s];

		mn = n < mn ? n : mn;
		mx = n > mx ? n : mx;
	}
	/* about 10% of 2000 per step (a group may overshoot, noise repeat) */
	EXPECT(mn >= 150 && mx <= 270, "step sizes %" PRIu64 "..%" PRIu64, mn,
	       mx);
	swarm_trace_free(&a);
	swarm_trace_free(&b);
	swarm_trace_free(&c);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "text_read", text_read },
		{ "text_errors", text_errors_all },
		{ "missing_file", missing_file },
		{ "round_trip", round_trip },
		{ "binary_errors", binary_errors },
		{ "mooncake_excerpt", mooncake_excerpt },
		{ "mooncake_mapping", mooncake_mapping },
		{ "mooncake_errors", mooncake_errors_all },
		{ "writer", writer },
		{ "generator", generator },
	};
	char cmd[300];
	int r;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	r = utest_run("trace", cases, ARRAY_SIZE(cases));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return r;
}
