// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running dmsetup, for the commands that change tables (assemble
 * --create, replace). $SWARMCTL_DMSETUP names another one (tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"

#define DMSETUP_ENV	"SWARMCTL_DMSETUP"
#define DMSETUP_MAX_ARGS	14

const char *dmsetup_path(void)
{
	const char *d = getenv(DMSETUP_ENV);

	return d && *d ? d : "dmsetup";
}

/* Read @fd to its end into @out (@len bytes, NUL-terminated). */
static void read_all(int fd, char *out, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && (n = read(fd, out + got, len - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
}

int run_dmsetup(const char *const *args, char *out, size_t len)
{
	const char *argv[DMSETUP_MAX_ARGS + 2] = { dmsetup_path() };
	int fds[2] = { -1, -1 }, status, i;
	pid_t pid;

	for (i = 0; args[i]; i++) {
		if (i == DMSETUP_MAX_ARGS) {
			fail("dmsetup: more than %d arguments", DMSETUP_MAX_ARGS);
			return -1;
		}
		argv[i + 1] = args[i];
	}
	if (out && pipe(fds)) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		if (out) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (!pid) {
		if (out) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "swarmctl: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (out) {
		close(fds[1]);
		read_all(fds[0], out, len);
		close(fds[0]);
	}
	if (waitpid(pid, &status, 0) < 0) {
		fail("waitpid: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFEXITED(status))
		fail("%s exited with status %d", argv[0], WEXITSTATUS(status));
	else
		fail("%s was killed by signal %d", argv[0],
		     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}
