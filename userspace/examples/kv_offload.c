// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offload the K/V of a sequence (4 layers x 256 tokens, one entry per
 * token and layer) to a swarm device, then read back each decoding
 * step's top-8 tokens of every layer as one batch, and check them.
 *
 *   kv_offload /dev/mapper/kv      (a swarm of 4 KiB entries)
 *   kv_offload /tmp/kv.img         (a file: made, as a plain store)
 *
 * Build: cc -Iuserspace/include kv_offload.c -Lbuild/user -lswarm
 */
#include <stdio.h>
#include <swarm-client.h>

enum { LAYERS = 4, TOKENS = 256, TOPK = 8, STEPS = 16, N = LAYERS * TOKENS, K = LAYERS * TOPK };

int main(int argc, char **argv)
{
	struct swarm_client_opts o = { .entry_size = 4096, .nr_entries = N, .flags = SWARM_CLIENT_CREATE };
	static struct swarm_entry_io io[N];
	struct swarm_client *c;
	char err[256] = "usage: kv_offload DEV|FILE", *kv;

	if (argc != 2 || swarm_client_open(argv[1], &o, &c, err, sizeof(err)))
		return fprintf(stderr, "%s\n", err), 1;
	kv = swarm_alloc_entries(c, N + STEPS * K);	/* zeroed, aligned for O_DIRECT */
	for (int i = 0; i < N; i++) {			/* entry = layer * TOKENS + token */
		io[i] = (struct swarm_entry_io){ .entry = i, .buf = kv + i * 4096 };
		sprintf(io[i].buf, "entry %d: K/V of layer %d token %d", i, i / TOKENS, i % TOKENS);
	}
	int bad = swarm_write_batch(c, io, N) != 0;
	for (int s = 0; s < STEPS; s++) {		/* one batch: top-k of every layer */
		for (int i = 0; i < K; i++)		/* into zeroed buffers */
			io[i] = (struct swarm_entry_io){ .entry = i / TOPK * TOKENS + (s * 37 + i % TOPK * 11) % TOKENS,
							 .buf = kv + (N + s * K + i) * 4096 };
		swarm_read_batch(c, io, K);
		for (int i = 0, e; i < K; i++)		/* status -EIO: lost, recompute it */
			bad += io[i].status || sscanf(io[i].buf, "entry %d", &e) != 1 || e != (int)io[i].entry;
	}
	printf("%d steps of %d entries read over %s, %d wrong\n", STEPS, K, swarm_client_backend_name(c), bad);
	swarm_client_close(c);
	return bad != 0;
}
