// SPDX-License-Identifier: GPL-2.0-only
/*
 * The client API (libswarm.so) on a real swarm device, inside the VM
 * (tests/vm/suites/client.sh):
 *
 *   swarm-client-test info <dev>
 *	"entry_size E entries N members M generation G swarm S backend B"
 *   swarm-client-test replay <dev> <trace> [--verify SEED]
 *	every step of a native text trace as one swarm_read_batch(); checks
 *	the data swarm-bench populate --seed SEED wrote; prints
 *	"steps S reads R io_time_s T step_p50_ms P bad B failed F"
 * $ENTRY_SIZE opens a plain file or device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench-lib.h"
#include "swarm-client.h"

#define MAX_STEP	65536

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int replay(struct swarm_client *c, const char *path, int verify,
		  uint64_t seed)
{
	static struct swarm_entry_io io[MAX_STEP];
	uint64_t esz = swarm_client_entry_size(c), reads = 0, bad = 0, failed = 0;
	size_t nlat = 0, cap = 1024, i, n;
	double io_time = 0, *lat = malloc(cap * sizeof(*lat));
	char *buf = swarm_alloc_entries(c, MAX_STEP), line[1 << 20];
	FILE *f = fopen(path, "r");

	if (!f || !buf || !lat) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		double t0;

		n = 0;
		for (;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9' || n == MAX_STEP)
				break;
			io[n].entry = strtoull(p, &end, 10);
			io[n].buf = buf + n * esz;
			n++;
			p = end;
		}
		if (!n)
			continue;
		t0 = now();
		failed += swarm_read_batch(c, io, n);
		t0 = now() - t0;
		io_time += t0;
		if (nlat == cap) {
			cap *= 2;
			lat = realloc(lat, cap * sizeof(*lat));
			if (!lat)
				return 1;
		}
		lat[nlat++] = t0;
		reads += n;
		for (i = 0; verify && i < n; i++) {
			size_t w;

			if (!io[i].status &&
			    !bench_check(io[i].buf, esz, io[i].entry, seed, &w) &&
			    bad++ < 5)
				fprintf(stderr, "entry %llu: word %zu wrong\n",
					(unsigned long long)io[i].entry, w);
		}
	}
	fclose(f);
	qsort(lat, nlat, sizeof(*lat), cmp_dbl);
	printf("steps %zu reads %llu io_time_s %.4f step_p50_ms %.3f bad %llu failed %llu\n",
	       nlat, (unsigned long long)reads, io_time,
	       nlat ? lat[nlat / 2] * 1e3 : 0.0, (unsigned long long)bad,
	       (unsigned long long)failed);
	free(lat);
	swarm_free_entries(buf);
	return bad || failed;
}

int main(int argc, char **argv)
{
	struct swarm_client_opts o = { 0 };
	struct swarm_client_info info;
	struct swarm_client *c;
	char err[512];
	int r;

	/* A plain file on the host: $ENTRY_SIZE. */
	if (getenv("ENTRY_SIZE"))
		o.entry_size = (uint32_t)strtoul(getenv("ENTRY_SIZE"), NULL, 10);
	if (argc < 3) {
		fprintf(stderr, "usage: swarm-client-test info|replay <dev> [trace [--verify SEED]]\n");
		return 2;
	}
	r = swarm_client_open(argv[2], &o, &c, err, sizeof(err));
	if (r) {
		fprintf(stderr, "swarm-client-test: %s\n", err);
		return 1;
	}
	swarm_client_info(c, &info);
	if (!strcmp(argv[1], "info")) {
		printf("entry_size %llu entries %llu members %u generation %llu swarm %u backend %s\n",
		       (unsigned long long)info.entry_size,
		       (unsigned long long)info.nr_entries, info.nr_members,
		       (unsigned long long)info.map_generation, info.is_swarm,
		       swarm_client_backend_name(c));
		r = 0;
	} else if (!strcmp(argv[1], "replay") && argc >= 4) {
		int verify = argc >= 6 && !strcmp(argv[4], "--verify");

		r = replay(c, argv[3], verify, verify ? strtoull(argv[5], NULL, 10) : 0);
	} else {
		fprintf(stderr, "swarm-client-test: bad arguments\n");
		r = 2;
	}
	swarm_client_close(c);
	return r;
}
