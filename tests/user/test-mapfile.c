// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space tests of the map-file parser of userspace/lib/mapfile.c: a
 * valid file, every error with its exact "FILE:LINE: message", limits,
 * and a fuzz loop of mutated files. Files are written under /tmp with mkstemp.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char tmp_path[64];

/* Write @len bytes of @text to a fresh temp file; its path in tmp_path. */
static const char *write_map_len(const char *text, size_t len)
{
	int fd;

	if (tmp_path[0])
		unlink(tmp_path);
	strcpy(tmp_path, "/tmp/swarm-map-XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	if (len && write(fd, text, len) != (ssize_t)len) {
		perror("write");
		exit(1);
	}
	close(fd);
	return tmp_path;
}

static const char *write_map(const char *text)
{
	return write_map_len(text, strlen(text));
}

static bool map_is_empty(const struct swarm_map *m)
{
	return !m->clusters && !m->members && !m->weights &&
	       !m->nr_clusters && !m->nr_members && !m->nr_weights;
}

/* Parse @text, which must fail with "PATH:@line: @msg". */
static void expect_error_len(const char *text, size_t len, unsigned long line,
			     const char *msg)
{
	char err[SWARM_ERR_MAX] = "", want[SWARM_ERR_MAX];
	const char *path = write_map_len(text, len);
	struct swarm_map m;
	int r;

	r = swarm_map_parse_file(path, &m, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:%lu: %s", path, line, msg);
	EXPECT(r < 0, "'%s' parsed", text);
	EXPECT(!strcmp(err, want), "'%s': got '%s', want '%s'", text, err,
	       want);
	EXPECT(map_is_empty(&m), "map of '%s' not emptied", text);
	swarm_map_free(&m);
}

static void expect_error(const char *text, unsigned long line,
			 const char *msg)
{
	expect_error_len(text, strlen(text), line, msg);
}

static int parse_ok(const char *text, struct swarm_map *m)
{
	char err[SWARM_ERR_MAX] = "";
	int r = swarm_map_parse_file(write_map(text), m, err, sizeof(err));

	EXPECT(!r, "'%s': %s", text, err);
	return r;
}

static const char valid_map[] =
	"# dm-swarm cluster map\n"
	"# id medoid frequency members...\n"
	"0 10 5 10 11 12   # hot cluster\n"
	"\n"
	"2\t12\t1\t13 12\r\n"
	"weight 0 1 7\n"
	"   \t\n"
	"1 20 3 20 10#no space before the comment\n"
	"weight 2 0 18446744073709551615\n"
	"3 18446744073709551615 0 18446744073709551615";	/* no newline */

static void valid_file(void)
{
	static const uint64_t members[] = {
		10, 11, 12, 13, 12, 20, 10, 18446744073709551615ULL,
	};
	struct swarm_map m;
	const struct swarm_map_cluster *c;
	uint64_t i;

	if (parse_ok(valid_map, &m))
		return;
	EXPECT(m.nr_clusters == 4, "%" PRIu32 " clusters", m.nr_clusters);
	EXPECT(m.nr_members == ARRAY_SIZE(members), "%" PRIu64 " members",
	       m.nr_members);
	EXPECT(m.nr_weights == 2, "%" PRIu32 " weights", m.nr_weights);
	if (m.nr_clusters != 4 || m.nr_members != ARRAY_SIZE(members) ||
	    m.nr_weights != 2)
		goto out;
	for (i = 0; i < m.nr_members; i++)
		EXPECT(m.members[i] == members[i], "member %" PRIu64 " is %"
		       PRIu64, i, m.members[i]);
	c = m.clusters;
	EXPECT(c[0].id == 0 && c[0].medoid == 10 && c[0].frequency == 5 &&
	       c[0].first == 0 && c[0].nr_members == 3 && c[0].line == 3,
	       "cluster 0");
	EXPECT(c[1].id == 2 && c[1].medoid == 12 && c[1].frequency == 1 &&
	       c[1].first == 3 && c[1].nr_members == 2 && c[1].line == 5,
	       "cluster 2");
	EXPECT(c[2].id == 1 && c[2].medoid == 20 && c[2].frequency == 3 &&
	       c[2].first == 5 && c[2].nr_members == 2 && c[2].line == 8,
	       "cluster 1 (overlaps cluster 0 in entry 10)");
	EXPECT(c[3].id == 3 && c[3].medoid == UINT64_MAX &&
	       c[3].frequency == 0 && c[3].first == 7 &&
	       c[3].nr_members == 1 && c[3].line == 10, "cluster 3");
	EXPECT(m.weights[0].a == 0 && m.weights[0].b == 1 &&
	       m.weights[0].weight == 7 && m.weights[0].line == 6, "weight 0");
	EXPECT(m.weights[1].a == 2 && m.weights[1].b == 0 &&
	       m.weights[1].weight == UINT64_MAX && m.weights[1].line == 9,
	       "weight 1");
out:
	swarm_map_free(&m);
	EXPECT(map_is_empty(&m), "swarm_map_free() leaves a map");
}

/* Leading zeros are decimal; a lone cluster needs no weights. */
static void valid_minimal(void)
{
	struct swarm_map m;

	if (parse_ok("00 007 0 7\n", &m))
		return;
	EXPECT(m.nr_clusters == 1 && m.clusters[0].id == 0 &&
	       m.clusters[0].medoid == 7 && m.nr_weights == 0, "parsed");
	swarm_map_free(&m);
}

struct error_case {
	const char *text;
	unsigned long line;
	const char *msg;
};

static const struct error_case error_cases[] = {
	/* malformed numbers */
	{ "x 1 1 1\n", 1, "malformed cluster id 'x'" },
	{ "0 1x 1 1\n", 1, "malformed medoid '1x'" },
	{ "0 -1 1 1\n", 1, "malformed medoid '-1'" },
	{ "+0 1 1 1\n", 1, "malformed cluster id '+0'" },
	{ "0 1 0x10 1\n", 1, "malformed frequency '0x10'" },
	{ "0 1 1 1 2.5\n", 1, "malformed member '2.5'" },
	{ "0 1 1 1 \x01\x7f\n", 1, "malformed member '?" "?'" },
	{ "0 1 1 1\n1 2 1 2 3,4\n", 2, "malformed member '3,4'" },
	{ "0 1 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1,
	  "malformed member 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
	/* overflow */
	{ "4294967296 1 1 1\n", 1,
	  "cluster id '4294967296' is too large (max 4294967295)" },
	{ "0 18446744073709551616 1 1\n", 1,
	  "medoid '18446744073709551616' is too large (max 18446744073709551615)" },
	{ "0 1 99999999999999999999 1\n", 1,
	  "frequency '99999999999999999999' is too large (max 18446744073709551615)" },
	{ "0 1 1 1 184467440737095516150\n", 1,
	  "member '184467440737095516150' is too large (max 18446744073709551615)" },
	/* short lines and empty clusters */
	{ "0\n", 1, "expected '<id> <medoid> <frequency> <member>...'" },
	{ "0 1\n", 1, "expected '<id> <medoid> <frequency> <member>...'" },
	{ "0 1 1 1\n1 2 3 # members are missing\n", 2,
	  "cluster 1 has no members" },
	/* medoid, duplicate members */
	{ "0 1 1 2 3\n", 1, "medoid 1 of cluster 0 is not one of its members" },
	{ "# c\n0 1 1 1 2 3 2 1\n", 2, "member 2 appears twice in cluster 0" },
	{ "0 5 1 5 5\n", 1, "member 5 appears twice in cluster 0" },
	/* ids */
	{ "0 1 1 1\n5 2 1 2\n", 2,
	  "cluster id 5 out of range (2 clusters: ids 0..1)" },
	{ "1 1 1 1\n", 1, "cluster id 1 out of range (1 cluster: ids 0..0)" },
	{ "0 1 1 1\n# c\n0 2 1 2\n", 3, "duplicate cluster id 0 (first on line 1)" },
	{ "1 1 1 1\n0 1 1 1\n2 1 1 1\n1 1 1 1\n", 4,
	  "duplicate cluster id 1 (first on line 1)" },
	/* weight lines */
	{ "0 1 1 1\n1 2 1 2\nweight 0 1\n", 3, "expected 'weight <a> <b> <w>'" },
	{ "0 1 1 1\n1 2 1 2\nweight 0 1 2 3\n", 3,
	  "expected 'weight <a> <b> <w>'" },
	{ "0 1 1 1\nweight\n", 2, "expected 'weight <a> <b> <w>'" },
	{ "0 1 1 1\n1 2 1 2\nweight 0 x 2\n", 3, "malformed cluster id 'x'" },
	{ "0 1 1 1\n1 2 1 2\nweight 0 1 -2\n", 3, "malformed weight '-2'" },
	{ "0 1 1 1\n1 2 1 2\nweight 0 1 18446744073709551616\n", 3,
	  "weight '18446744073709551616' is too large (max 18446744073709551615)" },
	{ "0 1 1 1\n1 2 1 2\nweight 1 1 5\n", 3,
	  "weight joins cluster 1 to itself" },
	{ "0 1 1 1\nweights 0 1 1\n", 2, "malformed cluster id 'weights'" },
	{ "0 1 1 1\nWEIGHT 0 1 1\n", 2, "malformed cluster id 'WEIGHT'" },
	/* weights to unknown clusters, and the earliest error wins */
	{ "0 1 1 1\nweight 0 2 5\n1 2 1 2\n", 2,
	  "weight names unknown cluster 2 (2 clusters: ids 0..1)" },
	{ "weight 7 0 5\n0 1 1 1\n", 1,
	  "weight names unknown cluster 7 (1 cluster: ids 0..0)" },
	{ "weight 0 9 1\n0 1 1 1\n3 2 1 2\n", 1,
	  "weight names unknown cluster 9 (2 clusters: ids 0..1)" },
	{ "0 1 1 1\n3 2 1 2\nweight 0 9 1\n", 2,
	  "cluster id 3 out of range (2 clusters: ids 0..1)" },
	/* no clusters: the line is the last one, 1 for an empty file */
	{ "", 1, "no clusters" },
	{ "\n", 1, "no clusters" },
	{ "# nothing\n\n# here\n", 3, "no clusters" },
	{ "weight 0 1 1\n", 1, "no clusters" },
	/* a syntax error comes before any id check */
	{ "5 1 1 1\n0 1 1 x\n", 2, "malformed member 'x'" },
};

static void error_messages(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(error_cases); i++)
		expect_error(error_cases[i].text, error_cases[i].line,
			     error_cases[i].msg);
}

/* A NUL byte is just a bad character, not the end of the line. */
static void nul_byte(void)
{
	static const char text[] = "0 1 1 1\n1 2 1 2\0 3\n";

	expect_error_len(text, sizeof(text) - 1, 2, "malformed member '2?'");
}

static void missing_file(void)
{
	char err[SWARM_ERR_MAX] = "";
	struct swarm_map m;
	int r;

	r = swarm_map_parse_file("/nonexistent/map.txt", &m, err, sizeof(err));
	EXPECT(r == -ENOENT, "returned %d", r);
	EXPECT(!strcmp(err, "/nonexistent/map.txt: No such file or directory"),
	       "got '%s'", err);
	EXPECT(map_is_empty(&m), "map not empty");
}

/* A NULL error buffer is allowed. */
static void no_error_buffer(void)
{
	struct swarm_map m;

	EXPECT(swarm_map_parse_file(write_map("0 1 1\n"), &m, NULL, 0) ==
	       -EINVAL, "bad file parsed");
	EXPECT(swarm_map_parse_file(write_map("0 1 1 1\n"), &m, NULL, 0) == 0,
	       "good file refused");
	swarm_map_free(&m);
}

static void check_entries(void)
{
	char err[SWARM_ERR_MAX] = "", want[SWARM_ERR_MAX];
	struct swarm_map m;
	int r;

	if (parse_ok("# c\n0 1 1 1 2\n1 99 1 3 99 100\n", &m))
		return;
	EXPECT(!swarm_map_check_entries(&m, "map.txt", 101, err, sizeof(err)),
	       "%s", err);
	r = swarm_map_check_entries(&m, "map.txt", 100, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "map.txt:3: member 100 of cluster 1 is beyond the device's 100 entries");
	EXPECT(r == -ERANGE && !strcmp(err, want), "%d '%s'", r, err);
	swarm_map_free(&m);
}

/* Append "N " to @s at *@len. */
static void put_num(char *s, size_t *len, uint64_t n)
{
	*len += sprintf(s + *len, "%" PRIu64 " ", n);
}

/* One big cluster: shuffled members, the limit, a late duplicate. */
static void big_clusters(void)
{
	const size_t n = 200000, big = DM_SWARM_MAX_CLUSTER_SIZE + 1;
	size_t len = 0, i, cap = big * 2 + 64;
	char *s = malloc(cap > n * 12 + 64 ? cap : n * 12 + 64);
	char want[128];
	struct swarm_map m;

	if (!s)
		return;
	len = sprintf(s, "0 %zu 9 ", n - 1);
	for (i = 0; i < n; i++)
		put_num(s, &len, (i * 7919) % n);	/* 7919 is prime */
	strcpy(s + len, "\n");
	if (!parse_ok(s, &m)) {
		EXPECT(m.nr_members == n && m.clusters[0].nr_members == n,
		       "%" PRIu64 " members", m.nr_members);
		swarm_map_free(&m);
	}
	put_num(s, &len, 7919 % n);
	strcpy(s + len, "\n");
	snprintf(want, sizeof(want), "member %zu appears twice in cluster 0",
		 (size_t)7919 % n);
	expect_error(s, 1, want);

	len = sprintf(s, "0 0 1 ");
	for (i = 0; i < big; i++) {
		s[len++] = '0';
		s[len++] = ' ';
	}
	strcpy(s + len, "\n");
	snprintf(want, sizeof(want), "cluster 0 has more than %u members",
		 DM_SWARM_MAX_CLUSTER_SIZE);
	expect_error(s, 1, want);
	free(s);
}

/* ---- fuzz ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A valid random map in @s: shuffled ids, overlapping members, weights. */
static size_t gen_map(char *s)
{
	uint32_t n = 1 + rnd() % 6, ids[6], i, j, k, t;
	uint64_t members[8];
	size_t len = 0;

	for (i = 0; i < n; i++)
		ids[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = ids[i];
		ids[i] = ids[j];
		ids[j] = t;
	}
	for (i = 0; i < n; i++) {
		k = 1 + rnd() % 8;
		for (j = 0; j < k; j++)	/* distinct, small: clusters overlap */
			members[j] = j * 3 + rnd() % 3;
		len += sprintf(s + len, "%s%" PRIu32 " %" PRIu64 " %" PRIu64,
			       rnd() % 4 ? "" : "# a comment\n", ids[i],
			       members[rnd() % k], rnd() % 1000);
		for (j = 0; j < k; j++)
			len += sprintf(s + len, " %" PRIu64, members[j]);
		len += sprintf(s + len, "\n");
		if (n > 1 && rnd() % 2) {
			j = rnd() % n;
			len += sprintf(s + len, "weight %" PRIu32 " %" PRIu32
				       " %" PRIu64 "\n", j, (j + 1) % n, rnd());
		}
	}
	return len;
}

static const char *const fuzz_tokens[] = {
	"0", "1", "2", "3", "4", "5", "weight", "#", "-1", "+1",
	"4294967295", "4294967296", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999", "\t", "\r",
	"x", "", "0x1", " ", "\xff", "00000000000000000000000001",
};

/* Mutate @s (of *@len bytes, room @cap) once, in place. */
static void mutate(char *s, size_t *len, size_t cap)
{
	size_t at = *len ? rnd() % (*len + 1) : 0;
	const char *t;
	size_t tl;

	switch (rnd() % 6) {
	case 0:		/* flip a byte */
		if (*len)
			s[rnd() % *len] = (char)rnd();
		break;
	case 1:		/* delete a run */
		if (at < *len) {
			tl = 1 + rnd() % 4;
			if (tl > *len - at)
				tl = *len - at;
			memmove(s + at, s + at + tl, *len - at - tl);
			*len -= tl;
		}
		break;
	case 2:		/* insert a token */
	case 3:
		t = fuzz_tokens[rnd() % ARRAY_SIZE(fuzz_tokens)];
		tl = strlen(t) + 1;
		if (*len + tl < cap) {
			memmove(s + at + tl, s + at, *len - at);
			memcpy(s + at, t, tl - 1);
			s[at + tl - 1] = ' ';
			*len += tl;
		}
		break;
	case 4:		/* insert a digit */
		if (*len + 1 < cap) {
			memmove(s + at + 1, s + at, *len - at);
			s[at] = '0' + rnd() % 10;
			(*len)++;
		}
		break;
	default:	/* insert a newline */
		if (*len + 1 < cap) {
			memmove(s + at + 1, s + at, *len - at);
			s[at] = '\n';
			(*len)++;
		}
		break;
	}
}

/* A map the parser accepted must obey every rule. */
static void check_valid_map(const struct swarm_map *m)
{
	unsigned char *seen = calloc(m->nr_clusters, 1);
	uint64_t next = 0, j, k;
	uint32_t i;

	EXPECT(m->nr_clusters > 0, "accepted an empty map");
	if (!seen)
		return;
	for (i = 0; i < m->nr_clusters; i++) {
		const struct swarm_map_cluster *c = &m->clusters[i];
		const uint64_t *mem = m->members + c->first;
		bool medoid = false;

		EXPECT(c->id < m->nr_clusters && !seen[c->id], "id %" PRIu32,
		       c->id);
		if (c->id < m->nr_clusters)
			seen[c->id] = 1;
		EXPECT(c->first == next && c->nr_members > 0, "cluster %" PRIu32,
		       c->id);
		next += c->nr_members;
		for (j = 0; j < c->nr_members; j++) {
			medoid |= mem[j] == c->medoid;
			for (k = 0; k < j; k++)
				EXPECT(mem[j] != mem[k], "member %" PRIu64
				       " twice", mem[j]);
		}
		EXPECT(medoid, "medoid of cluster %" PRIu32, c->id);
	}
	EXPECT(next == m->nr_members, "member count");
	for (i = 0; i < m->nr_weights; i++)
		EXPECT(m->weights[i].a < m->nr_clusters &&
		       m->weights[i].b < m->nr_clusters &&
		       m->weights[i].a != m->weights[i].b, "weight %" PRIu32, i);
	free(seen);
}

/* "PATH:N: something", N between 1 and the file's line count (or 1). */
static void check_error(const char *path, const char *err,
			const char *text, size_t len)
{
	size_t pl = strlen(path), lines = 1, i;
	unsigned long n;
	char *end;

	for (i = 0; i + 1 < len; i++)
		lines += text[i] == '\n';
	EXPECT(!strncmp(err, path, pl) && err[pl] == ':', "error '%s'", err);
	if (strncmp(err, path, pl) || err[pl] != ':')
		return;
	n = strtoul(err + pl + 1, &end, 10);
	EXPECT(n >= 1 && n <= lines && end[0] == ':' && end[1] == ' ' &&
	       end[2] && end[2] != ' ', "error '%s' (%zu lines)", err, lines);
}

static void fuzz(void)
{
	enum { ROUNDS = 20000, CAP = 4096 };
	char *s = malloc(CAP), err[SWARM_ERR_MAX];
	unsigned int round, ok = 0, bad = 0, i, n;
	const char *env = getenv("FUZZ_SEED");
	struct swarm_map m;
	size_t len;

	if (env)
		rng_state = strtoull(env, NULL, 0) | 1;
	for (round = 0; round < ROUNDS && s; round++) {
		len = gen_map(s);
		n = rnd() % 4 ? 1 + rnd() % 4 : 0;
		for (i = 0; i < n; i++)
			mutate(s, &len, CAP);
		err[0] = '\0';
		if (!swarm_map_parse_file(write_map_len(s, len), &m, err,
					  sizeof(err))) {
			ok++;
			check_valid_map(&m);
			swarm_map_free(&m);
		} else {
			bad++;
			check_error(tmp_path, err, s, len);
			EXPECT(map_is_empty(&m), "map not emptied");
		}
	}
	free(s);
	printf("  fuzz: %u rounds, %u accepted, %u refused\n", ROUNDS, ok, bad);
	EXPECT(ok > ROUNDS / 5 && bad > ROUNDS / 5,
	       "fuzz mix %u accepted, %u refused", ok, bad);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "valid_file", valid_file },
		{ "valid_minimal", valid_minimal },
		{ "error_messages", error_messages },
		{ "nul_byte", nul_byte },
		{ "missing_file", missing_file },
		{ "no_error_buffer", no_error_buffer },
		{ "check_entries", check_entries },
		{ "big_clusters", big_clusters },
		{ "fuzz", fuzz },
	};
	int r = utest_run("mapfile", cases, ARRAY_SIZE(cases));

	if (tmp_path[0])
		unlink(tmp_path);
	return r;
}
