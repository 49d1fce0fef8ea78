// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing native traces, text or binary, one step at a time or a whole
 * trace (atomically: PATH.tmp renamed). See userspace/TRACE-FORMAT.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/trace.h"
#include "lib/util.h"

int swarm_trace_writer_open(struct swarm_trace_writer *w, const char *path,
			    FILE *f, bool binary, const char *comment,
			    char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->binary = binary;
	if (path) {
		size_t n = strlen(path) + 5;

		w->path = strdup(path);
		w->tmp = malloc(n);
		if (!w->path || !w->tmp) {
			free(w->path);
			free(w->tmp);
			seterr(err, errlen, "%s: %s", path, strerror(ENOMEM));
			return -ENOMEM;
		}
		snprintf(w->tmp, n, "%s.tmp", path);
		w->f = fopen(w->tmp, "wb");
		if (!w->f) {
			int e = -errno;

			seterr(err, errlen, "%s: %s", w->tmp, strerror(errno));
			free(w->path);
			free(w->tmp);
			return e;
		}
		w->own = true;
	} else {
		w->f = f;
	}
	if (binary) {
		static const unsigned char h[8] = {
			'S', 'W', 'T', 'R', SWARM_TRACE_VERSION, 0, 0, 0
		};

		fwrite(h, 1, sizeof(h), w->f);
	} else if (comment) {
		fprintf(w->f, "# %s\n", comment);
	}
	return 0;
}

static void put_varint(FILE *f, uint64_t v)
{
	while (v >= 0x80) {
		putc_unlocked((v & 0x7f) | 0x80, f);
		v >>= 7;
	}
	putc_unlocked(v, f);
}

int swarm_trace_writer_step(struct swarm_trace_writer *w,
			    const uint64_t *ids, size_t n)
{
	size_t i, k;
	bool sorted = true;

	if (w->error)
		return w->error;
	if (!n)
		return w->error = -EINVAL;
	if (swarm_grow((void **)&w->buf, &w->cap, n, sizeof(*w->buf)))
		return w->error = -ENOMEM;
	for (i = 0; i < n; i++) {
		if (ids[i] > SWARM_TRACE_MAX_ID)
			return w->error = -ERANGE;
		w->buf[i] = ids[i];
		if (i && ids[i] <= ids[i - 1])
			sorted = false;
	}
	k = n;
	if (!sorted) {
		qsort(w->buf, n, sizeof(*w->buf), cmp_u64);
		for (i = k = 0; i < n; i++)
			if (!k || w->buf[i] != w->buf[k - 1])
				w->buf[k++] = w->buf[i];
	}
	if (w->binary) {
		put_varint(w->f, k);
		for (i = 0; i < k; i++)
			put_varint(w->f, i ? w->buf[i] - w->buf[i - 1] - 1 :
				   w->buf[i]);
	} else {
		for (i = 0; i < k; i++)
			fprintf(w->f, i ? " %" PRIu64 : "%" PRIu64, w->buf[i]);
		putc_unlocked('\n', w->f);
	}
	w->nr_steps++;
	if (ferror(w->f))
		return w->error = -EIO;
	return 0;
}

int swarm_trace_writer_close(struct swarm_trace_writer *w, bool abort,
			     char *err, size_t errlen)
{
	const char *name = w->tmp ? w->tmp : "output";
	int e = w->error;

	if (!e && !abort && !w->nr_steps)
		e = -ENODATA;
	if (!e && !abort && w->binary) {
		int i;

		put_varint(w->f, 0);
		for (i = 0; i < 8; i++)
			putc_unlocked((w->nr_steps >> (8 * i)) & 0xff, w->f);
	}
	if (fflush(w->f) || ferror(w->f))
		e = e ? e : -EIO;
	if (w->own && fclose(w->f) && !e)
		e = -EIO;
	if (!e && !abort && w->own && rename(w->tmp, w->path))
		e = -errno;
	if ((e || abort) && w->own)
		unlink(w->tmp);
	if (e == -ENODATA)
		seterr(err, errlen, "%s: empty trace (no steps)", name);
	else if (e)
		seterr(err, errlen, "%s: %s", name, strerror(-e));
	free(w->buf);
	free(w->path);
	free(w->tmp);
	memset(w, 0, sizeof(*w));
	return e;
}

int swarm_trace_write(const struct swarm_trace *t, const char *path,
		      bool binary, const char *comment,
		      char *err, size_t errlen)
{
	struct swarm_trace_writer w;
	uint64_t *buf = NULL;
	size_t cap = 0;
	uint64_t s, i;
	int e;

	e = swarm_trace_writer_open(&w, path, NULL, binary, comment, err,
				    errlen);
	if (e)
		return e;
	for (s = 0; s < t->nr_steps && !e; s++) {
		uint64_t n = t->off[s + 1] - t->off[s];

		if (swarm_grow((void **)&buf, &cap, n, sizeof(*buf))) {
			e = -ENOMEM;
			break;
		}
		for (i = 0; i < n; i++)
			buf[i] = t->ids[t->off[s] + i];
		e = swarm_trace_writer_step(&w, buf, n);
	}
	free(buf);
	if (e) {
		w.error = e;
		return swarm_trace_writer_close(&w, true, err, errlen) ?: e;
	}
	return swarm_trace_writer_close(&w, false, err, errlen);
}
