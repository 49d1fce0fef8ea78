// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl trace gen|convert|info and swarmctl cluster: the offline half
 * of dm-swarm (userspace/TRACE-FORMAT.md, userspace/CLUSTERING.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "swarmctl-trace.h"
#include "trace-record.h"
#include "trace.h"

#define EXIT_USAGE	2

static const char trace_usage_text[] =
"usage: swarmctl trace gen -o <trace> [--entries N] [--steps S] [--groups G]\n"
"           [--min-size A] [--max-size B] [--overlap O] [--seed X] [--zipf A]\n"
"           [--frac F] [--noise P] [--drift D] [--hit H] [--binary]\n"
"       swarmctl trace convert <in> -o <out> [--binary] [--entries N]\n"
"           [--layers L] [--ids FILE]\n"
"       swarmctl trace info <trace> [--entries N] [--layers L]\n"
"       swarmctl trace record <dev> -o <trace> [--duration S] [--gap-us U]\n"
"           [--ring N] [--attach] [--by-thread]\n"
"       swarmctl cluster <trace> -o <map> [--tau T] [--max-size K]\n"
"           [--min-size K] [--pair-cap C] [--entries N] [--layers L]\n"
"           [--min-count N] [--min-pair N] [--norm min|max|jaccard]\n"
"           [--no-excess] [--shrink K] [--no-refine]\n"
"           [--weight-min W] [--weight-topk K] [--threads T] [--seed X]\n"
"           [--neighbours K] [--cand-reads R]\n"
"           [--report] [--devices N] [--bw MIB/S] [--iops N]\n"
"           [--entry-size B] [--max-io B] [--timing] [--quiet]\n"
"\n"
"Trace formats: userspace/TRACE-FORMAT.md. Clustering and the report:\n"
"userspace/CLUSTERING.md.\n";

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("swarmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int __attribute__((format(printf, 1, 2))) usage(const char *fmt, ...)
{
	va_list ap;

	fputs("swarmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	fputs(trace_usage_text, stderr);
	return EXIT_USAGE;
}

/* ---- Options ---- */

struct opt {
	const char *name;
	char kind;		/* 'u' u64, 'd' double, 's' string, 'f' flag */
	void *p;
};

static bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool parse_dbl(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*v);
}

/*
 * Parse @argv against @opts; positional arguments go to @pos (at most
 * @max_pos). Returns 0 or an exit code.
 */
static int parse_opts(const char *cmd, int argc, char **argv,
		      const struct opt *opts, const char **pos, int max_pos,
		      int *nr_pos)
{
	int i;

	*nr_pos = 0;
	for (i = 0; i < argc; i++) {
		const struct opt *o;
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (*nr_pos >= max_pos)
				return usage("%s: too many arguments", cmd);
			pos[(*nr_pos)++] = a;
			continue;
		}
		for (o = opts; o->name; o++)
			if (!strcmp(a, o->name))
				break;
		if (!o->name)
			return usage("%s: unknown option %s", cmd, a);
		if (o->kind == 'f') {
			*(bool *)o->p = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage("%s: %s needs a value", cmd, a);
		a = argv[++i];
		if (o->kind == 's') {
			*(const char **)o->p = a;
		} else if (o->kind == 'u') {
			if (!parse_u64(a, o->p))
				return usage("%s: %s: not a number: '%s'", cmd,
					     o->name, a);
		} else if (!parse_dbl(a, o->p)) {
			return usage("%s: %s: not a number: '%s'", cmd,
				     o->name, a);
		}
	}
	return 0;
}

/* ---- Progress and timing ---- */

static bool show_progress;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress(const char *phase, double done)
{
	static double last;
	static const char *last_phase;
	double t;
	int i, w = 40, fill = (int)(done * w);

	if (!show_progress)
		return;
	t = now();
	if (phase == last_phase && t - last < 0.1 && done < 1)
		return;
	last = t;
	last_phase = phase;
	fprintf(stderr, "\r%-9s [", phase);
	for (i = 0; i < w; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%", (int)(done * 100));
	fflush(stderr);
}

static void progress_gen(double done)
{
	progress("generate", done);
}

static void progress_end(void)
{
	if (show_progress)
		fprintf(stderr, "\r%*s\r", 60, "");
}

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static bool narrow(uint64_t v, uint32_t *out, const char *cmd, const char *name,
		   int *rc)
{
	if (v > UINT32_MAX) {
		*rc = usage("%s: %s: too large", cmd, name);
		return false;
	}
	*out = v;
	return true;
}

/* ---- trace gen ---- */

static int cmd_gen(int argc, char **argv)
{
	struct swarm_gen_opts g;
	uint64_t minsz, maxsz;
	const char *out = NULL, *pos[1];
	bool binary = false;
	char err[512], *truth_path = NULL, *truth_tmp = NULL;
	struct swarm_trace_writer w;
	FILE *truth = NULL;
	int rc, np, e;

	swarm_gen_defaults(&g);
	minsz = g.min_size;
	maxsz = g.max_size;
	{
		const struct opt opts[] = {
			{ "-o", 's', &out },
			{ "--entries", 'u', &g.nr_entries },
			{ "--steps", 'u', &g.nr_steps },
			{ "--groups", 'u', &g.nr_groups },
			{ "--min-size", 'u', &minsz },
			{ "--max-size", 'u', &maxsz },
			{ "--overlap", 'd', &g.overlap },
			{ "--seed", 'u', &g.seed },
			{ "--zipf", 'd', &g.zipf },
			{ "--frac", 'd', &g.frac },
			{ "--noise", 'd', &g.noise },
			{ "--drift", 'd', &g.drift },
			{ "--hit", 'd', &g.hit },
			{ "--binary", 'f', &binary },
			{ NULL, 0, NULL },
		};

		rc = parse_opts("trace gen", argc, argv, opts, pos, 0, &np);
		if (rc)
			return rc;
	}
	if (!out)
		return usage("trace gen needs -o <trace>");
	if (!narrow(minsz, &g.min_size, "trace gen", "--min-size", &rc) ||
	    !narrow(maxsz, &g.max_size, "trace gen", "--max-size", &rc))
		return rc;
	if (!g.nr_entries || g.nr_entries > SWARM_TRACE_MAX_ID + 1)
		return usage("trace gen: --entries must be 1..%llu",
			     SWARM_TRACE_MAX_ID + 1);
	if (!g.nr_steps)
		return usage("trace gen: --steps must be at least 1");
	if (!g.min_size || g.min_size > g.max_size)
		return usage("trace gen: need 1 <= --min-size <= --max-size");
	if (!(g.frac > 0 && g.frac <= 1) || !(g.noise >= 0 && g.noise <= 1) ||
	    !(g.overlap >= 0 && g.overlap < 1) ||
	    !(g.drift >= 0 && g.drift <= 1) || !(g.hit > 0 && g.hit <= 1) ||
	    !(g.zipf >= 0))
		return usage("trace gen: need 0 < --frac <= 1, 0 <= --noise <= 1, "
			     "0 <= --overlap < 1, 0 <= --drift <= 1, "
			     "0 < --hit <= 1, --zipf >= 0");
	if (asprintf(&truth_path, "%s.truth", out) < 0 ||
	    asprintf(&truth_tmp, "%s.truth.tmp", out) < 0) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	show_progress = isatty(STDERR_FILENO);
	truth = fopen(truth_tmp, "w");
	if (!truth) {
		fail("%s: %s", truth_tmp, strerror(errno));
		rc = EXIT_FAILURE;
		goto out;
	}
	e = swarm_trace_writer_open(&w, out, NULL, binary,
				    "dm-swarm trace (swarmctl trace gen)",
				    err, sizeof(err));
	if (e) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	e = swarm_gen(&g, &w, truth, progress_gen, err, sizeof(err));
	progress_end();
	if (e) {
		fail("%s", err);
		swarm_trace_writer_close(&w, true, NULL, 0);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (fclose(truth)) {
		truth = NULL;
		fail("%s: %s", truth_tmp, strerror(errno));
		swarm_trace_writer_close(&w, true, NULL, 0);
		rc = EXIT_FAILURE;
		goto out;
	}
	truth = NULL;
	e = swarm_trace_writer_close(&w, false, err, sizeof(err));
	if (e) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (rename(truth_tmp, truth_path)) {
		fail("%s: %s", truth_path, strerror(errno));
		rc = EXIT_FAILURE;
		goto out;
	}
	rc = 0;
out:
	if (truth)
		fclose(truth);
	if (rc)
		unlink(truth_tmp);
	free(truth_path);
	free(truth_tmp);
	return rc;
}

/* ---- trace convert / info ---- */

static int read_trace(const char *path, uint64_t entries, uint64_t layers,
		      struct swarm_trace *t, enum swarm_trace_fmt *fmt,
		      uint64_t **ids, uint64_t *nr_ids)
{
	struct swarm_trace_opts o = {
		.nr_entries = entries, .layers = layers,
		.ids_out = ids, .nr_ids_out = nr_ids,
	};
	char err[512];

	if (swarm_trace_read(path, &o, t, fmt, err, sizeof(err))) {
		fail("%s", err);
		return EXIT_FAILURE;
	}
	return 0;
}

static int check_layers(const char *cmd, uint64_t layers)
{
	if (!layers || layers > 65536)
		return usage("%s: --layers must be 1..65536", cmd);
	return 0;
}

static int cmd_convert(int argc, char **argv)
{
	uint64_t entries = 0, layers = 1, *ids = NULL, nr_ids = 0, i;
	const char *out = NULL, *idsf = NULL, *pos[1];
	bool binary = false;
	struct swarm_trace t;
	enum swarm_trace_fmt fmt;
	char err[512], *tmp = NULL;
	const struct opt opts[] = {
		{ "-o", 's', &out },
		{ "--entries", 'u', &entries },
		{ "--layers", 'u', &layers },
		{ "--ids", 's', &idsf },
		{ "--binary", 'f', &binary },
		{ NULL, 0, NULL },
	};
	int rc, np;

	rc = parse_opts("trace convert", argc, argv, opts, pos, 1, &np);
	if (rc)
		return rc;
	if (np != 1 || !out)
		return usage("trace convert needs <in> and -o <out>");
	rc = check_layers("trace convert", layers);
	if (rc)
		return rc;
	rc = read_trace(pos[0], entries, layers, &t, &fmt,
			idsf ? &ids : NULL, &nr_ids);
	if (rc)
		return rc;
	if (idsf) {
		FILE *f;

		if (fmt != SWARM_TRACE_MOONCAKE) {
			swarm_trace_free(&t);
			return usage("trace convert: --ids is for Mooncake input");
		}
		if (asprintf(&tmp, "%s.tmp", idsf) < 0)
			tmp = NULL;
		f = tmp ? fopen(tmp, "w") : NULL;
		if (!f) {
			fail("%s: %s", tmp ? tmp : idsf, strerror(errno));
			rc = EXIT_FAILURE;
			goto out;
		}
		fprintf(f, "# dense block id, Mooncake hash id (first-seen order)\n");
		for (i = 0; i < nr_ids; i++)
			fprintf(f, "%" PRIu64 " %" PRIu64 "\n", i, ids[i]);
		if (fclose(f)) {
			fail("%s: %s", tmp, strerror(errno));
			rc = EXIT_FAILURE;
			goto out;
		}
	}
	if (swarm_trace_write(&t, out, binary, "dm-swarm trace (swarmctl trace convert)",
			      err, sizeof(err))) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (tmp && rename(tmp, idsf)) {
		fail("%s: %s", idsf, strerror(errno));
		rc = EXIT_FAILURE;
	}
out:
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	free(ids);
	swarm_trace_free(&t);
	return rc;
}

static int cmd_info(int argc, char **argv)
{
	uint64_t entries = 0, layers = 1, s, mx = 0;
	const char *pos[1];
	struct swarm_trace t;
	enum swarm_trace_fmt fmt;
	const struct opt opts[] = {
		{ "--entries", 'u', &entries },
		{ "--layers", 'u', &layers },
		{ NULL, 0, NULL },
	};
	int rc, np;

	rc = parse_opts("trace info", argc, argv, opts, pos, 1, &np);
	if (rc)
		return rc;
	if (np != 1)
		return usage("trace info needs <trace>");
	rc = check_layers("trace info", layers);
	if (!rc)
		rc = read_trace(pos[0], entries, layers, &t, &fmt, NULL, NULL);
	if (rc)
		return rc;
	for (s = 0; s < t.nr_steps; s++)
		if (t.off[s + 1] - t.off[s] > mx)
			mx = t.off[s + 1] - t.off[s];
	printf("format %s\nsteps %" PRIu64 "\nentries %" PRIu64
	       "\nreads %" PRIu64 "\nlargest step %" PRIu64 "\n",
	       swarm_trace_fmt_name(fmt), t.nr_steps, t.nr_entries,
	       t.nr_reads, mx);
	swarm_trace_free(&t);
	return 0;
}

int swarmctl_trace(int argc, char **argv)
{
	if (argc < 1)
		return usage("trace needs a subcommand: gen, convert, info or record");
	if (!strcmp(argv[0], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[0], "convert"))
		return cmd_convert(argc - 1, argv + 1);
	if (!strcmp(argv[0], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[0], "record"))
		return swarm_cmd_trace_record(argc, argv);
	return usage("unknown trace subcommand '%s'", argv[0]);
}

/* ---- cluster ---- */

int swarmctl_cluster(int argc, char **argv)
{
	struct swarm_cluster_opts co;
	struct swarm_report_opts ro;
	struct swarm_clusters c;
	struct swarm_trace t;
	uint64_t entries = 0, layers = 1, max_size, min_size, min_count;
	uint64_t min_pair, topk, threads, devs, esize, max_io, neighbours;
	double bw_mib, t0, t1, t2, t3;
	const char *out = NULL, *norm = "min", *pos[1];
	bool report = false, timing = false, quiet = false;
	bool no_excess = false, no_refine = false;
	char err[512], comment[256];
	int rc, np;

	swarm_cluster_defaults(&co);
	swarm_report_defaults(&ro);
	/* every online CPU: the result does not depend on the count */
	np = (int)sysconf(_SC_NPROCESSORS_ONLN);
	threads = np < 1 ? 1 : np > 64 ? 64 : np;
	max_size = co.max_size;
	min_size = co.min_size;
	min_count = co.min_count;
	min_pair = co.min_pair;
	topk = co.weight_topk;
	neighbours = co.neighbours;
	devs = ro.nr_devs;
	esize = ro.entry_size;
	max_io = ro.max_io;
	bw_mib = ro.bw / (1024 * 1024);
	{
		const struct opt opts[] = {
			{ "-o", 's', &out },
			{ "--tau", 'd', &co.tau },
			{ "--max-size", 'u', &max_size },
			{ "--min-size", 'u', &min_size },
			{ "--pair-cap", 'u', &co.pair_cap },
			{ "--entries", 'u', &entries },
			{ "--layers", 'u', &layers },
			{ "--min-count", 'u', &min_count },
			{ "--min-pair", 'u', &min_pair },
			{ "--norm", 's', &norm },
			{ "--no-excess", 'f', &no_excess },
			{ "--no-refine", 'f', &no_refine },
			{ "--shrink", 'd', &co.shrink },
			{ "--weight-min", 'u', &co.weight_min },
			{ "--weight-topk", 'u', &topk },
			{ "--threads", 'u', &threads },
			{ "--neighbours", 'u', &neighbours },
			{ "--cand-reads", 'u', &co.cand_reads },
			{ "--seed", 'u', &co.seed },
			{ "--report", 'f', &report },
			{ "--devices", 'u', &devs },
			{ "--bw", 'd', &bw_mib },
			{ "--iops", 'd', &ro.iops },
			{ "--entry-size", 'u', &esize },
			{ "--max-io", 'u', &max_io },
			{ "--timing", 'f', &timing },
			{ "--quiet", 'f', &quiet },
			{ NULL, 0, NULL },
		};

		rc = parse_opts("cluster", argc, argv, opts, pos, 1, &np);
		if (rc)
			return rc;
	}
	if (np != 1 || !out)
		return usage("cluster needs <trace> and -o <map-file>");
	if (!(co.tau >= 0 && co.tau < 1))
		return usage("cluster: --tau must be in [0, 1)");
	if (!co.pair_cap)
		return usage("cluster: --pair-cap must be at least 1");
	if (!min_size || max_size > (1U << 20) ||
	    (max_size && min_size > max_size))
		return usage("cluster: need 1 <= --min-size <= --max-size <= 1048576");
	if (!threads || threads > 64)
		return usage("cluster: --threads must be 1..64");
	if (!devs || devs > 64)
		return usage("cluster: --devices must be 1..64");
	if (!(bw_mib > 0) || !(ro.iops > 0))
		return usage("cluster: --bw and --iops must be positive");
	if (!esize || esize > (1U << 30) || max_io > (1U << 30))
		return usage("cluster: bad --entry-size or --max-io");
	if (min_count > UINT32_MAX || min_pair > UINT32_MAX || topk > UINT32_MAX ||
	    neighbours > UINT32_MAX)
		return usage("cluster: option value too large");
	if (!strcmp(norm, "min"))
		co.norm = SWARM_NORM_MIN;
	else if (!strcmp(norm, "max"))
		co.norm = SWARM_NORM_MAX;
	else if (!strcmp(norm, "jaccard"))
		co.norm = SWARM_NORM_JACCARD;
	else
		return usage("cluster: --norm must be min, max or jaccard");
	rc = check_layers("cluster", layers);
	if (rc)
		return rc;
	co.excess = !no_excess;
	co.refine = !no_refine;
	if (!(co.shrink >= 0))
		return usage("cluster: --shrink must be >= 0");
	co.max_size = max_size;
	co.min_size = min_size;
	co.min_count = min_count;
	co.min_pair = min_pair;
	co.weight_topk = topk;
	co.neighbours = neighbours;
	co.timing = timing;
	co.threads = threads;
	ro.nr_devs = devs;
	ro.bw = bw_mib * 1024 * 1024;
	ro.entry_size = esize;
	ro.max_io = max_io;
	show_progress = !quiet && isatty(STDERR_FILENO);
	co.progress = progress;

	t0 = now();
	rc = read_trace(pos[0], entries, layers, &t, NULL, NULL, NULL);
	if (rc)
		return rc;
	t1 = now();
	if (swarm_cluster(&t, &co, &c, err, sizeof(err))) {
		progress_end();
		fail("%s", err);
		swarm_trace_free(&t);
		return EXIT_FAILURE;
	}
	progress_end();
	t2 = now();
	if (!c.nr) {
		fail("%s: no clusters found (no entries co-activated within "
		     "tau %g); nothing written", pos[0], co.tau);
		rc = EXIT_FAILURE;
		goto out;
	}
	snprintf(comment, sizeof(comment),
		 "from %s: tau %g, max size %u, pair cap %" PRIu64
		 ", norm %s, min count %u, min pair %u", pos[0], co.tau,
		 co.max_size, co.pair_cap, norm, co.min_count, co.min_pair);
	if (swarm_clusters_write(&c, out, comment, err, sizeof(err))) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	t3 = now();
	if (report && swarm_report(stdout, &t, &c, &ro, err, sizeof(err))) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (timing)
		fprintf(stderr, "timing: read %.2f s, cluster %.2f s, write %.2f s,"
			" total %.2f s, peak RSS %.0f MiB\n", t1 - t0, t2 - t1,
			t3 - t2, t3 - t0, peak_rss_mib());
out:
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	return rc;
}
