// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 4 of the clustering (internal.h): the rows of each entry's
 * nearest neighbours as a CSR graph, and the helpers of the edges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"

int cl_cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/*
 * Move the @k nearest of the @n edges in @e to the front (in any order):
 * quickselect, as a row's candidates can be thousands (an entry read
 * with hot entries) and only k of them are kept.
 */
void cl_select_nearest(struct edge *e, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		struct edge pivot = e[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (edge_less(&e[i], &pivot))
				i++;
			while (edge_less(&pivot, &e[j]))
				j--;
			if (i <= j) {
				t = e[i];
				e[i] = e[j];
				e[j] = t;
				i++;
				if (!j)
					break;
				j--;
			}
		}
		/* now e[lo..j] <= pivot <= e[i..hi] */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
}

/*
 * CSR from the fixed-size rows (in place: a row only moves down), each
 * row already sorted by distance.
 */
int cl_graph_build(const struct swarm_cluster_opts *o, uint64_t n,
		   struct rows *r, struct graph *g, uint64_t *nr_edges)
{
	struct edge *rows = r->e;
	const uint32_t *deg = r->deg;
	uint32_t k = r->k;
	uint64_t i, e;

	g->e = rows;		/* owned by the graph from here on */
	r->e = NULL;
	g->off = malloc((n + 1) * sizeof(*g->off));
	g->rho = calloc(n ? n : 1, sizeof(*g->rho));
	if (!g->off || !g->rho)
		return -ENOMEM;
	g->off[0] = 0;
	for (i = 0; i < n; i++) {
		uint64_t lo = g->off[i];

		memmove(rows + lo, rows + i * k, deg[i] * sizeof(*rows));
		g->off[i + 1] = lo + deg[i];
		for (e = lo; e < lo + deg[i] && rows[e].d <= o->tau; e++)
			;
		g->rho[i] = e - lo;
	}
	*nr_edges = g->off[n];
	rows = realloc(rows, (g->off[n] ? g->off[n] : 1) * sizeof(*rows));
	if (rows)	/* else shrinking failed: keep the larger block */
		g->e = rows;
	return 0;
}

void cl_graph_free(struct graph *g)
{
	free(g->off);
	free(g->e);
	free(g->rho);
	memset(g, 0, sizeof(*g));
}
