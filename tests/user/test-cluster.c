// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the offline clustering (userspace/cluster/), the simulator
 * (sim.c), the report and the swarmctl commands: planted groups recovered
 * (pair precision and recall against the generator's ground truth,
 * printed and asserted), shared entries replicated, frequencies and
 * weights, the map accepted by swarm_map_parse_file(), and the command
 * line (errors leave nothing written). Run from the top of the tree;
 * $SWARMCTL overrides build/user/swarmctl.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "lib/libswarm.h"
#include "cluster/sim.h"
#include "lib/trace.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/swarm-cluster-XXXXXX";
static const char *swarmctl = "build/user/swarmctl";

static bool exists(const char *p)
{
	struct stat st;

	return !stat(p, &st);
}

/* ---- Ground truth and scoring ---- */

struct groups {
	uint32_t nr;
	uint64_t *first;	/* nr + 1 */
	uint32_t *m;
};

static void groups_free(struct groups *g)
{
	free(g->first);
	free(g->m);
}

/*
 * Read a .truth file, "<group> <weight> <members...>" (@skip 2), or the
 * clusters of a map file, "<id> <medoid> <frequency> <members...>"
 * (@skip 3; "weight" lines are not clusters).
 */
static void read_groups(const char *p, struct groups *g, int skip)
{
	FILE *f = fopen(p, "r");
	char *line = NULL;
	size_t cap = 0, capm = 1024, capg = 64, nm = 0;

	memset(g, 0, sizeof(*g));
	g->first = malloc(capg * sizeof(*g->first));
	g->m = malloc(capm * sizeof(*g->m));
	g->first[0] = 0;
	EXPECT(f, "%s", p);
	while (f && getline(&line, &cap, f) > 0) {
		char *tok, *save = NULL;
		int field = 0;

		if (*line == '#' || *line == 'w')
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save), field++) {
			if (field < skip)
				continue;
			if (nm == capm) {
				capm *= 2;
				g->m = realloc(g->m, capm * sizeof(*g->m));
			}
			g->m[nm++] = strtoul(tok, NULL, 10);
		}
		if (field <= skip)
			continue;
		if (g->nr + 2 > capg) {
			capg *= 2;
			g->first = realloc(g->first, capg * sizeof(*g->first));
		}
		g->first[++g->nr] = nm;
	}
	free(line);
	if (f)
		fclose(f);
}

static void read_truth(const char *p, struct groups *g)
{
	read_groups(p, g, 2);
}

/*
 * Pair precision and recall: among distinct entry pairs, "co-grouped"
 * share a planted group, "co-clustered" share a cluster. Precision =
 * |both| / |co-clustered|, recall = |both| / |co-grouped|. Pairs are
 * collected in sorted arrays of u64.
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t *pairs_of(uint32_t nr, const uint64_t *first,
			  const uint32_t *m, size_t *np)
{
	size_t cap = 0, n = 0, k;
	uint64_t *p = NULL, i, j;

	for (k = 0; k < nr; k++) {
		uint64_t sz = first[k + 1] - first[k];

		cap += sz * (sz - 1) / 2;
	}
	p = malloc((cap ? cap : 1) * sizeof(*p));
	for (k = 0; k < nr; k++)
		for (i = first[k]; i < first[k + 1]; i++)
			for (j = first[k]; j < first[k + 1]; j++)
				if (m[i] < m[j])
					p[n++] = (uint64_t)m[i] << 32 | m[j];
	qsort(p, n, sizeof(*p), cmp_u64);
	for (i = k = 0; i < n; i++)
		if (!k || p[i] != p[k - 1])
			p[k++] = p[i];
	*np = k;
	return p;
}

static void score(const struct groups *g, const struct swarm_clusters *c,
		  double *precision, double *recall)
{
	size_t ng, nc, i = 0, j = 0, both = 0;
	uint64_t *pg = pairs_of(g->nr, g->first, g->m, &ng);
	uint64_t *pc = pairs_of(c->nr, c->first, c->members, &nc);

	while (i < ng && j < nc) {
		if (pg[i] == pc[j]) {
			both++;
			i++;
			j++;
		} else if (pg[i] < pc[j]) {
			i++;
		} else {
			j++;
		}
	}
	*precision = nc ? (double)both / nc : 0;
	*recall = ng ? (double)both / ng : 0;
	free(pg);
	free(pc);
}

/* Generate a trace and its truth in dir/NAME{,.truth}; read both. */
static void generate(const struct swarm_gen_opts *o, const char *name,
		     struct swarm_trace *t, struct groups *g)
{
	char p[300], tp[300], err[256] = "";
	struct swarm_trace_writer w;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(tp, sizeof(tp), "%s/%s.truth", dir, name);
	f = fopen(tp, "w");
	EXPECT(f, "%s", tp);
	EXPECT(!swarm_trace_writer_open(&w, p, NULL, true, NULL, err,
					sizeof(err)), "%s", err);
	EXPECT(!swarm_gen(o, &w, f, NULL, err, sizeof(err)), "%s", err);
	EXPECT(!swarm_trace_writer_close(&w, false, err, sizeof(err)), "%s", err);
	fclose(f);
	EXPECT(!swarm_trace_read(p, NULL, t, NULL, err, sizeof(err)), "%s", err);
	read_truth(tp, g);
}

static void cluster_ok(const struct swarm_trace *t,
		       const struct swarm_cluster_opts *o,
		       struct swarm_clusters *c)
{
	char err[256] = "";

	EXPECT(!swarm_cluster(t, o, c, err, sizeof(err)), "%s", err);
}

/* ---- Recovery ---- */

static void recovery(const char *name, struct swarm_gen_opts *go,
		     double min_p, double min_r, double max_ratio)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_trace t;
	struct groups g;
	double p, r;

	generate(go, name, &t, &g);
	swarm_cluster_defaults(&co);
	co.threads = 2;
	cluster_ok(&t, &co, &c);
	score(&g, &c, &p, &r);
	printf("  %s: %u groups, %u clusters, precision %.3f, recall %.3f\n",
	       name, g.nr, c.nr, p, r);
	EXPECT(p >= min_p, "precision %.3f < %.2f", p, min_p);
	EXPECT(r >= min_r, "recall %.3f < %.2f", r, min_r);
	EXPECT(c.nr >= g.nr * 0.8 && c.nr <= g.nr * max_ratio,
	       "%u clusters for %u groups", c.nr, g.nr);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	groups_free(&g);
}

static void planted_clean(void)
{
	struct swarm_gen_opts go;

	swarm_gen_defaults(&go);
	go.nr_entries = 2000;
	go.nr_steps = 400;
	go.seed = 3;
	recovery("clean", &go, 0.95, 0.95, 1.1);
}

static void planted_noisy(void)
{
	struct swarm_gen_opts go;

	swarm_gen_defaults(&go);
	go.nr_entries = 3000;
	go.nr_steps = 600;
	go.seed = 4;
	go.noise = 0.15;
	go.hit = 0.9;
	recovery("noisy", &go, 0.95, 0.75, 1.3);
}

static void same_clusters(const struct swarm_clusters *a,
			  const struct swarm_clusters *b, const char *what)
{
	uint64_t i;

	EXPECT(a->nr == b->nr && a->first[a->nr] == b->first[b->nr],
	       "%s: %u clusters of %" PRIu64 " members, then %u of %" PRIu64,
	       what, a->nr, a->first[a->nr], b->nr, b->first[b->nr]);
	EXPECT(!memcmp(a->first, b->first, (a->nr + 1) * sizeof(*a->first)) &&
	       !memcmp(a->members, b->members,
		       a->first[a->nr] * sizeof(*a->members)),
	       "%s: the clusters differ", what);
	EXPECT(!memcmp(a->freq, b->freq, a->nr * sizeof(*a->freq)),
	       "%s: the frequencies differ", what);
	EXPECT(a->nr_weights == b->nr_weights, "%s: %" PRIu64 " weights, then %"
	       PRIu64, what, (uint64_t)a->nr_weights, (uint64_t)b->nr_weights);
	for (i = 0; i < a->nr_weights; i++)
		EXPECT(a->weights[i].a == b->weights[i].a &&
		       a->weights[i].b == b->weights[i].b &&
		       a->weights[i].w == b->weights[i].w,
		       "%s: weight %" PRIu64 " differs", what, i);
	printf("  %s: %u clusters, %" PRIu64 " members, %" PRIu64
	       " weights, the same\n", what, a->nr, (uint64_t)a->first[a->nr],
	       (uint64_t)a->nr_weights);
}

/*
 * The threads split the pair counting, the refinement and the weights:
 * the clusters, frequencies and weights must not depend on how many.
 * With a few steps sampled per entry, candidates are counted through
 * first-sighting bits: the same result as counting every sighting.
 */
static void threads_same(void)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters a, b;
	struct swarm_gen_opts go;
	struct swarm_trace t;
	struct groups g;

	swarm_gen_defaults(&go);
	go.nr_entries = 3000;
	go.nr_steps = 600;
	go.seed = 5;
	go.noise = 0.15;
	go.overlap = 0.2;
	generate(&go, "threads", &t, &g);
	swarm_cluster_defaults(&co);
	co.threads = 1;
	cluster_ok(&t, &co, &a);
	co.threads = 3;
	cluster_ok(&t, &co, &b);
	same_clusters(&a, &b, "exact counts, 1 and 3 threads");
	swarm_clusters_free(&a);
	swarm_clusters_free(&b);

	/* 40 of each entry's steps (of ~120): counter bytes and bits */
	co.cand_total = 0;
	co.cand_reads = 40 * t.nr_reads / t.nr_steps;
	co.threads = 2;
	cluster_ok(&t, &co, &a);
	co.plain_count = true;
	co.threads = 1;
	cluster_ok(&t, &co, &b);
	EXPECT(a.nr >= g.nr * 0.8, "%u clusters for %u groups", a.nr, g.nr);
	same_clusters(&a, &b, "sampled steps, bits and plain counts");
	swarm_clusters_free(&a);
	swarm_clusters_free(&b);
	swarm_trace_free(&t);
	groups_free(&g);
}

/*
 * Steps of 2000 entries, above what the pair cap counts whole (1448):
 * the sampled pairs alone lose the groups; the MinHash candidates and
 * the exact recount find them.
 */
static void planted_big_steps(void)
{
	struct swarm_gen_opts go;

	swarm_gen_defaults(&go);
	go.nr_entries = 20000;
	go.nr_steps = 100;
	go.frac = 0.1;
	go.zipf = 0;
	go.seed = 7;
	recovery("big steps", &go, 0.95, 0.70, 1.2);
}

/* ---- Replication ---- */

static uint32_t clusters_of(const struct swarm_clusters *c, uint32_t e)
{
	uint32_t k, n = 0;
	uint64_t i;

	for (k = 0; k < c->nr; k++)
		for (i = c->first[k]; i < c->first[k + 1]; i++)
			n += c->members[i] == e;
	return n;
}

/* Two groups that share entry 9, a third apart; steps read one group. */
static void make_overlap_trace(struct swarm_trace *t)
{
	uint64_t step[32], s, i, n;

	swarm_trace_init(t);
	for (s = 0; s < 90; s++) {
		n = 0;
		switch (s % 3) {
		case 0:		/* A = 0..9 */
			for (i = 0; i <= 9; i++)
				step[n++] = i;
			break;
		case 1:		/* B = 9..18 */
			for (i = 9; i <= 18; i++)
				step[n++] = i;
			break;
		default:	/* C = 30..39, with A every other time */
			for (i = 30; i <= 39; i++)
				step[n++] = i;
			for (i = 0; s % 2 && i <= 9; i++)
				step[n++] = i;
			break;
		}
		step[n++] = 100 + (s * 7) % 50;		/* noise */
		EXPECT(!swarm_trace_add_step(t, step, n), "add");
	}
}

static void overlap_replicated(void)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_trace t;
	uint32_t k;

	make_overlap_trace(&t);
	swarm_cluster_defaults(&co);
	cluster_ok(&t, &co, &c);
	EXPECT(c.nr == 3, "%u clusters", c.nr);
	EXPECT(clusters_of(&c, 9) == 2, "entry 9 in %u clusters",
	       clusters_of(&c, 9));
	for (k = 0; k <= 18; k++)
		if (k != 9)
			EXPECT(clusters_of(&c, k) == 1, "entry %u in %u clusters",
			       k, clusters_of(&c, k));
	for (k = 100; k < 150; k++)
		EXPECT(!clusters_of(&c, k), "noise entry %u clustered", k);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
}

/* On a generated trace: most entries of two planted groups get copies. */
static void overlap_generated(void)
{
	struct swarm_gen_opts go;
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_trace t;
	struct groups g;
	uint32_t *cnt, shared = 0, repl = 0;
	uint64_t i;

	swarm_gen_defaults(&go);
	go.nr_entries = 2000;
	go.nr_steps = 400;
	go.seed = 5;
	go.overlap = 0.2;
	generate(&go, "overlap", &t, &g);
	swarm_cluster_defaults(&co);
	cluster_ok(&t, &co, &c);
	cnt = calloc(go.nr_entries, sizeof(*cnt));
	for (i = 0; i < g.first[g.nr]; i++)
		cnt[g.m[i]]++;
	for (i = 0; i < go.nr_entries; i++) {
		if (cnt[i] < 2)
			continue;
		shared++;
		repl += clusters_of(&c, i) >= 2;
	}
	printf("  overlap: %u entries in several groups, %u (%.0f%%) in several clusters\n",
	       shared, repl, shared ? 100.0 * repl / shared : 0);
	EXPECT(shared > 50, "%u shared", shared);
	EXPECT(repl * 10 >= shared * 6, "%u of %u replicated", repl, shared);
	free(cnt);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	groups_free(&g);
}

/* ---- Frequencies, weights, the map file ---- */

static void freq_weights_map(void)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_trace t;
	struct swarm_map m;
	char p[300], err[512] = "";
	uint32_t k, a = UINT32_MAX, cc = UINT32_MAX;
	uint64_t i;
	bool found = false;

	make_overlap_trace(&t);
	swarm_cluster_defaults(&co);
	cluster_ok(&t, &co, &c);
	/* A is read in the 30 "A" steps and in 15 of the "C" steps */
	for (k = 0; k < c.nr; k++) {
		for (i = c.first[k]; i < c.first[k + 1]; i++) {
			if (c.members[i] == 1)
				a = k;
			if (c.members[i] == 35)
				cc = k;
		}
	}
	EXPECT(a != UINT32_MAX && cc != UINT32_MAX, "clusters of A and C");
	if (a != UINT32_MAX && cc != UINT32_MAX) {
		EXPECT(c.freq[a] == 45, "freq of A %" PRIu64, c.freq[a]);
		EXPECT(c.freq[cc] == 30, "freq of C %" PRIu64, c.freq[cc]);
		for (i = 0; i < c.nr_weights; i++) {
			struct swarm_cweight *w = &c.weights[i];

			EXPECT(w->a < w->b, "weight %u %u", w->a, w->b);
			if ((w->a == a && w->b == cc) || (w->a == cc && w->b == a)) {
				found = true;
				EXPECT(w->w == 15, "weight A-C %" PRIu64, w->w);
			}
		}
		EXPECT(found, "no weight between A and C");
	}
	snprintf(p, sizeof(p), "%s/overlap.map", dir);
	EXPECT(!swarm_clusters_write(&c, p, "test", err, sizeof(err)), "%s", err);
	EXPECT(!swarm_map_parse_file(p, &m, err, sizeof(err)), "%s", err);
	EXPECT(m.nr_clusters == c.nr && m.nr_weights == c.nr_weights &&
	       m.nr_members == c.first[c.nr], "%u clusters %u weights",
	       m.nr_clusters, m.nr_weights);
	for (k = 0; k < m.nr_clusters; k++) {
		struct swarm_map_cluster *mc = &m.clusters[k];

		EXPECT(mc->id == k && mc->medoid == c.medoid[k] &&
		       mc->frequency == c.freq[k] &&
		       mc->nr_members == c.first[k + 1] - c.first[k],
		       "cluster %u", k);
	}
	EXPECT(!swarm_map_check_entries(&m, p, t.nr_entries, err, sizeof(err)),
	       "%s", err);
	swarm_map_free(&m);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
}

static void generated_map_parses(void)
{
	struct swarm_gen_opts go;
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_trace t;
	struct groups g;
	struct swarm_map m;
	char p[300], err[512] = "";

	swarm_gen_defaults(&go);
	go.nr_entries = 1500;
	go.nr_steps = 300;
	go.seed = 8;
	go.drift = 0.01;
	generate(&go, "drift", &t, &g);
	swarm_cluster_defaults(&co);
	co.max_size = 20;
	co.pair_cap = 2000;	/* sampled: ~63 entries of each step */
	cluster_ok(&t, &co, &c);
	EXPECT(c.nr > 0, "no clusters");
	snprintf(p, sizeof(p), "%s/drift.map", dir);
	EXPECT(!swarm_clusters_write(&c, p, NULL, err, sizeof(err)), "%s", err);
	EXPECT(!swarm_map_parse_file(p, &m, err, sizeof(err)), "%s", err);
	EXPECT(m.nr_clusters == c.nr, "%u", m.nr_clusters);
	for (uint32_t k = 0; k < c.nr; k++)
		EXPECT(c.first[k + 1] - c.first[k] <= 20, "cluster %u too big", k);
	swarm_map_free(&m);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	groups_free(&g);
}

/* ---- The simulator ---- */

static void sim_layouts(void)
{
	struct swarm_sim_model m = {
		.nr_devs = 4, .bw = 4096 * 1000.0, .iops = 1000,
		.entry_size = 4096, .max_io = 0,
	};
	uint64_t first[] = { 0, 6, 9 }, ml[9], ll[2], locs[8];
	struct swarm_sim_step st;

	EXPECT(swarm_sim_nocluster(&m, 13) == SWARM_SIM_LOC(1, 3), "no cluster");
	swarm_sim_eq7(&m, 2, first, ml, 2, ll);
	/* cluster 0 (6): devs 0 1 2 3 0 1; cluster 1 (3) starts at p = 6 */
	EXPECT(ml[0] == SWARM_SIM_LOC(0, 0) && ml[4] == SWARM_SIM_LOC(0, 1) &&
	       ml[5] == SWARM_SIM_LOC(1, 1), "cluster 0");
	EXPECT(ml[6] == SWARM_SIM_LOC(2, 1) && ml[7] == SWARM_SIM_LOC(3, 1) &&
	       ml[8] == SWARM_SIM_LOC(0, 2), "cluster 1");
	EXPECT(ll[0] == SWARM_SIM_LOC(1, 2) && ll[1] == SWARM_SIM_LOC(2, 2),
	       "loose entries");
	/* 3 contiguous slots on dev 0, 1 on dev 1: dev 0 = 1 request + 3 entries */
	locs[0] = SWARM_SIM_LOC(0, 5);
	locs[1] = SWARM_SIM_LOC(0, 6);
	locs[2] = SWARM_SIM_LOC(0, 7);
	locs[3] = SWARM_SIM_LOC(1, 8);
	locs[4] = SWARM_SIM_LOC(0, 6);	/* duplicate */
	st = swarm_sim_cost(&m, locs, 5);
	EXPECT(st.requests == 2 && st.entries == 4, "%" PRIu64 " requests",
	       st.requests);
	EXPECT(st.time > 0.003999 && st.time < 0.004001, "time %g", st.time);
	/* a request limit of 2 entries splits the run */
	m.max_io = 8192;
	locs[0] = SWARM_SIM_LOC(0, 5);
	locs[1] = SWARM_SIM_LOC(0, 6);
	locs[2] = SWARM_SIM_LOC(0, 7);
	st = swarm_sim_cost(&m, locs, 3);
	EXPECT(st.requests == 2, "%" PRIu64 " requests", st.requests);
}

static void report_runs(void)
{
	struct swarm_cluster_opts co;
	struct swarm_report_opts ro;
	struct swarm_clusters c;
	struct swarm_trace t;
	char buf[8192] = "", err[256] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	make_overlap_trace(&t);
	swarm_cluster_defaults(&co);
	swarm_report_defaults(&ro);
	cluster_ok(&t, &co, &c);
	EXPECT(!swarm_report(f, &t, &c, &ro, err, sizeof(err)), "%s", err);
	fclose(f);
	EXPECT(strstr(buf, "clusters: 3, 30 members, 29 distinct entries"),
	       "%s", buf);
	EXPECT(strstr(buf, "replication factor 1.034"), "%s", buf);
	EXPECT(strstr(buf, "speed-up over no cluster"), "%s", buf);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
}

/* ---- The command line ---- */

static int run(const char *args, char *out, size_t len)
{
	char cmd[1024], o[300];
	FILE *f;
	size_t n;
	int st;

	snprintf(o, sizeof(o), "%s/cmd.out", dir);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>&1", swarmctl, args, o);
	st = system(cmd);
	f = fopen(o, "r");
	n = f ? fread(out, 1, len - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void cli(void)
{
	char out[16384], args[1024], tr[300], map[300], tmp[320], bad[300];
	struct swarm_map m;
	char err[512] = "";
	FILE *f;
	int r;

	snprintf(tr, sizeof(tr), "%s/cli.trace", dir);
	snprintf(map, sizeof(map), "%s/cli.map", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", map);
	snprintf(args, sizeof(args), "trace gen -o %s --entries 1000 --steps 200 --seed 2",
		 tr);
	r = run(args, out, sizeof(out));
	EXPECT(r == 0 && !*out, "exit %d: %s", r, out);
	snprintf(args, sizeof(args), "%s.truth", tr);
	EXPECT(exists(tr) && exists(args), "trace and truth written");
	snprintf(args, sizeof(args), "cluster %s -o %s --report --devices 8", tr,
		 map);
	r = run(args, out, sizeof(out));
	EXPECT(r == 0 && strstr(out, "8 devices") &&
	       strstr(out, "speed-up over no cluster"), "exit %d: %s", r, out);
	EXPECT(!swarm_map_parse_file(map, &m, err, sizeof(err)), "%s", err);
	swarm_map_free(&m);

	/* a bad trace: an error naming FILE:LINE, nothing written */
	unlink(map);
	snprintf(bad, sizeof(bad), "%s/bad.trace", dir);
	f = fopen(bad, "w");
	fputs("1 2 3\n4 5 x6\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "cluster %s -o %s", bad, map);
	r = run(args, out, sizeof(out));
	snprintf(args, sizeof(args), "swarmctl: %s:2: malformed entry id 'x6'\n",
		 bad);
	EXPECT(r == 1 && !strcmp(out, args), "exit %d: '%s'", r, out);
	EXPECT(!exists(map) && !exists(tmp), "map written on error");
	snprintf(args, sizeof(args), "cluster %s -o %s --entries 3", tr, map);
	r = run(args, out, sizeof(out));
	EXPECT(r == 1 && strstr(out, ":2: entry id ") &&
	       strstr(out, "out of range (3 entries: ids 0..2)"), "exit %d: '%s'",
	       r, out);
	EXPECT(!exists(map) && !exists(tmp), "map written on error");

	/* Mooncake, converted and clustered */
	snprintf(args, sizeof(args),
		 "trace convert tests/data/mooncake-50.jsonl -o %s --binary --layers 2",
		 tr);
	r = run(args, out, sizeof(out));
	EXPECT(r == 0, "exit %d: %s", r, out);
	snprintf(args, sizeof(args), "trace info %s", tr);
	r = run(args, out, sizeof(out));
	EXPECT(r == 0 && !strcmp(out, "format binary\nsteps 100\nentries 2312\n"
				 "reads 2410\nlargest step 171\n"), "'%s'", out);
	/* 50 requests share little but block 0: no clusters, no map */
	unlink(map);
	snprintf(args, sizeof(args), "cluster tests/data/mooncake-50.jsonl -o %s",
		 map);
	r = run(args, out, sizeof(out));
	EXPECT(r == 1 && !strcmp(out, "swarmctl: tests/data/mooncake-50.jsonl: "
				 "no clusters found (no entries co-activated "
				 "within tau 0.4); nothing written\n"),
	       "exit %d: %s", r, out);
	EXPECT(!exists(map) && !exists(tmp), "map written without clusters");

	/* usage errors */
	r = run("cluster", out, sizeof(out));
	EXPECT(r == 2 && strstr(out, "swarmctl: cluster needs <trace> and -o <map-file>"),
	       "exit %d: %s", r, out);
	r = run("cluster x -o y --tau 1", out, sizeof(out));
	EXPECT(r == 2 && strstr(out, "--tau must be in [0, 1)"), "%s", out);
	r = run("trace gen", out, sizeof(out));
	EXPECT(r == 2 && strstr(out, "trace gen needs -o <trace>"), "%s", out);
	r = run("trace frob", out, sizeof(out));
	EXPECT(r == 2 && strstr(out, "unknown trace subcommand 'frob'"), "%s",
	       out);
}

/*
 * test-cluster --score MAP TRUTH: the figures of make bench-cluster
 * (pair precision and recall of MAP's clusters against the planted
 * groups, the replication factor).
 */
static int score_files(const char *map, const char *truth)
{
	struct swarm_clusters c = { 0 };
	struct groups g, m;
	uint64_t i, distinct = 0, nm;
	uint8_t *seen;
	uint32_t max = 0;
	double p, r;

	read_truth(truth, &g);
	read_groups(map, &m, 3);
	if (utest_failures)
		return 1;
	c.nr = m.nr;
	c.first = m.first;
	c.members = m.m;
	nm = m.first[m.nr];
	for (i = 0; i < nm; i++)
		max = m.m[i] > max ? m.m[i] : max;
	seen = calloc(max + 1ULL, 1);
	for (i = 0; seen && i < nm; i++)
		if (!seen[m.m[i]]++)
			distinct++;
	score(&g, &c, &p, &r);
	printf("clusters %" PRIu32 ", members %" PRIu64 ", distinct %" PRIu64
	       ", replication %.3f\n", m.nr, nm, distinct,
	       distinct ? (double)nm / distinct : 0);
	printf("planted groups %" PRIu32 ": pair precision %.3f, recall %.3f\n",
	       g.nr, p, r);
	free(seen);
	groups_free(&g);
	groups_free(&m);
	return 0;
}

/*
 * test-cluster --bench TRACE MAP [NEIGHBOURS [CAND_READS]]: make
 * bench-cluster's run, swarmctl cluster's steps (read, cluster, write)
 * with 2 threads and the per-phase timing, then the figures; the planted
 * groups are TRACE.truth.
 */
static int bench(int argc, char **argv)
{
	struct swarm_trace_opts to = { 0 };
	struct swarm_cluster_opts o;
	struct swarm_clusters c;
	struct swarm_trace t;
	struct timespec t0, t1;
	struct rusage ru;
	char err[256], truth[4096];
	double s;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	swarm_cluster_defaults(&o);
	o.threads = 2;
	o.timing = true;
	if (argc > 4)
		o.neighbours = strtoul(argv[4], NULL, 0);
	if (argc > 5)
		o.cand_reads = strtoull(argv[5], NULL, 0);
	if (swarm_trace_read(argv[2], &to, &t, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "phase %-10s %7.2f s\n", "read", t1.tv_sec -
		t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
	e = swarm_cluster(&t, &o, &c, err, sizeof(err));
	if (!e)
		e = swarm_clusters_write(&c, argv[3], NULL, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	printf("entries %" PRIu64 ", steps %" PRIu64 ", %.1f entries per step"
	       ", neighbours %u, candidate reads %" PRIu64 "\n",
	       t.nr_entries, t.nr_steps,
	       t.nr_steps ? (double)t.nr_reads / t.nr_steps : 0,
	       o.neighbours, o.cand_reads);
	getrusage(RUSAGE_SELF, &ru);
	printf("total %.2f s wall (read, cluster, write), %.2f s CPU, "
	       "peak RSS %.0f MiB\nedges %" PRIu64 ", candidate pairs %"
	       PRIu64 "\n", s, ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6,
	       ru.ru_maxrss / 1024.0, c.nr_edges, c.nr_pairs);
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	snprintf(truth, sizeof(truth), "%s.truth", argv[2]);
	if (!exists(truth))
		return 0;
	return score_files(argv[3], truth);
}

int main(int argc, char **argv)
{
	static const struct utest_case cases[] = {
		{ "planted_clean", planted_clean },
		{ "planted_noisy", planted_noisy },
		{ "planted_big_steps", planted_big_steps },
		{ "threads_same", threads_same },
		{ "overlap_replicated", overlap_replicated },
		{ "overlap_generated", overlap_generated },
		{ "freq_weights_map", freq_weights_map },
		{ "generated_map_parses", generated_map_parses },
		{ "sim_layouts", sim_layouts },
		{ "report", report_runs },
		{ "cli", cli },
	};
	char cmd[300];
	int r;

	if (argc == 4 && !strcmp(argv[1], "--score"))
		return score_files(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "--bench"))
		return bench(argc, argv);
	if (getenv("SWARMCTL"))
		swarmctl = getenv("SWARMCTL");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	r = utest_run("cluster", cases, ARRAY_SIZE(cases));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return r;
}
