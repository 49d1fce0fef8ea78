// SPDX-License-Identifier: GPL-2.0-only
/*
 * What swarmctl's commands share (cli/cli.h): messages, usage errors,
 * option parsing, the progress bar, devices.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/util.h"

void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("swarmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage(const char *text, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("swarmctl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n\n", stderr);
	}
	fputs(text, stderr);
	return EXIT_USAGE;
}

/* ---- Options ---- */

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

int parse_opts(const char *cmd, int argc, char **argv,
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
				return usage(trace_usage,
					     "%s: too many arguments", cmd);
			pos[(*nr_pos)++] = a;
			continue;
		}
		for (o = opts; o->name; o++)
			if (!strcmp(a, o->name))
				break;
		if (!o->name)
			return usage(trace_usage, "%s: unknown option %s",
				     cmd, a);
		if (o->kind == 'f') {
			*(bool *)o->p = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage(trace_usage, "%s: %s needs a value",
				     cmd, a);
		a = argv[++i];
		if (o->kind == 's') {
			*(const char **)o->p = a;
		} else if (o->kind == 'u') {
			if (!parse_u64(a, o->p))
				return usage(trace_usage,
					     "%s: %s: not a number: '%s'",
					     cmd, o->name, a);
		} else if (!parse_dbl(a, o->p)) {
			return usage(trace_usage,
				     "%s: %s: not a number: '%s'", cmd,
				     o->name, a);
		}
	}
	return 0;
}

/* ---- Progress ---- */

bool show_progress;

void progress(const char *phase, double done)
{
	static double last;
	static const char *last_phase;
	double t;
	int i, w = 40, fill = (int)(done * w);

	if (!show_progress)
		return;
	t = now_s();
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

void progress_end(void)
{
	if (show_progress)
		fprintf(stderr, "\r%*s\r", 60, "");
}
