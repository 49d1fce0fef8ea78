// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl trace gen|convert|info (and the dispatch to trace record):
 * synthetic traces, conversion between the formats, a trace's figures
 * (userspace/TRACE-FORMAT.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/trace.h"

const char trace_usage[] =
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

static bool narrow(uint64_t v, uint32_t *out, const char *cmd, const char *name,
		   int *rc)
{
	if (v > UINT32_MAX) {
		*rc = usage(trace_usage, "%s: %s: too large", cmd, name);
		return false;
	}
	*out = v;
	return true;
}

static void progress_gen(double done)
{
	progress("generate", done);
}

/* ---- trace gen ---- */

/* trace gen's options into @g, *out and *binary; an exit code. */
static int gen_parse(int argc, char **argv, struct swarm_gen_opts *g,
		     const char **out, bool *binary)
{
	uint64_t minsz, maxsz;
	const char *pos[1];
	int rc, np;

	swarm_gen_defaults(g);
	minsz = g->min_size;
	maxsz = g->max_size;
	{
		const struct opt opts[] = {
			{ "-o", 's', out },
			{ "--entries", 'u', &g->nr_entries },
			{ "--steps", 'u', &g->nr_steps },
			{ "--groups", 'u', &g->nr_groups },
			{ "--min-size", 'u', &minsz },
			{ "--max-size", 'u', &maxsz },
			{ "--overlap", 'd', &g->overlap },
			{ "--seed", 'u', &g->seed },
			{ "--zipf", 'd', &g->zipf },
			{ "--frac", 'd', &g->frac },
			{ "--noise", 'd', &g->noise },
			{ "--drift", 'd', &g->drift },
			{ "--hit", 'd', &g->hit },
			{ "--binary", 'f', binary },
			{ NULL, 0, NULL },
		};

		rc = parse_opts("trace gen", argc, argv, opts, pos, 0, &np);
		if (rc)
			return rc;
	}
	if (!*out)
		return usage(trace_usage, "trace gen needs -o <trace>");
	if (!narrow(minsz, &g->min_size, "trace gen", "--min-size", &rc) ||
	    !narrow(maxsz, &g->max_size, "trace gen", "--max-size", &rc))
		return rc;
	if (!g->nr_entries || g->nr_entries > SWARM_TRACE_MAX_ID + 1)
		return usage(trace_usage,
			     "trace gen: --entries must be 1..%llu",
			     SWARM_TRACE_MAX_ID + 1);
	if (!g->nr_steps)
		return usage(trace_usage,
			     "trace gen: --steps must be at least 1");
	if (!g->min_size || g->min_size > g->max_size)
		return usage(trace_usage,
			     "trace gen: need 1 <= --min-size <= --max-size");
	if (!(g->frac > 0 && g->frac <= 1) || !(g->noise >= 0 && g->noise <= 1) ||
	    !(g->overlap >= 0 && g->overlap < 1) ||
	    !(g->drift >= 0 && g->drift <= 1) || !(g->hit > 0 && g->hit <= 1) ||
	    !(g->zipf >= 0))
		return usage(trace_usage,
			     "trace gen: need 0 < --frac <= 1, 0 <= --noise <= 1, "
			     "0 <= --overlap < 1, 0 <= --drift <= 1, "
			     "0 < --hit <= 1, --zipf >= 0");
	return 0;
}

/* Generate the trace @out and its planted groups, @out.truth. */
static int gen_write(const struct swarm_gen_opts *g, const char *out,
		     bool binary)
{
	char err[512], *truth_path = NULL, *truth_tmp = NULL;
	struct swarm_trace_writer w;
	FILE *truth = NULL;
	int rc, e;

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
	e = swarm_gen(g, &w, truth, progress_gen, err, sizeof(err));
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

static int cmd_gen(int argc, char **argv)
{
	struct swarm_gen_opts g;
	const char *out = NULL;
	bool binary = false;
	int rc;

	rc = gen_parse(argc, argv, &g, &out, &binary);
	if (rc)
		return rc;
	return gen_write(&g, out, binary);
}

/* ---- trace convert / info ---- */

int read_trace(const char *path, uint64_t entries, uint64_t layers,
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

int check_layers(const char *cmd, uint64_t layers)
{
	if (!layers || layers > 65536)
		return usage(trace_usage, "%s: --layers must be 1..65536", cmd);
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
		return usage(trace_usage,
			     "trace convert needs <in> and -o <out>");
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
			return usage(trace_usage,
				     "trace convert: --ids is for Mooncake input");
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
		return usage(trace_usage, "trace info needs <trace>");
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

int cmd_trace(int argc, char **argv)
{
	if (argc < 1)
		return usage(trace_usage,
			     "trace needs a subcommand: gen, convert, info or record");
	if (!strcmp(argv[0], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[0], "convert"))
		return cmd_convert(argc - 1, argv + 1);
	if (!strcmp(argv[0], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[0], "record"))
		return cmd_trace_record(argc, argv);
	return usage(trace_usage, "unknown trace subcommand '%s'", argv[0]);
}

/* ---- cluster ---- */
