/*
 * hearth-cgexec: set resource limits, join control groups, then exec.
 *
 * hearthd starts every process of a unit through this helper so that the
 * process is inside the unit's cgroup(s) before the program runs: there is no
 * moment in which it could fork a child that escapes the unit. Writing "0" to
 * a cgroup.procs file moves the writing process itself; exec keeps the pid,
 * so the pid hearthd got from fork is the service's pid. The unit's rlimits
 * are set here too (as root, before any privilege is dropped further down the
 * exec chain), which saves a prlimit(1) exec per start.
 *
 * usage: hearth-cgexec [-r NAME=SOFT:HARD]... [-a ARGV0] [CGROUP_PROCS_FILE]... -- PROGRAM [ARGS...]
 *   NAME is a prlimit(1) name (nofile, core, nproc, …); SOFT and HARD are
 *   numbers or "unlimited". -a gives PROGRAM another argv[0] (an inetd
 *   server's name, as xinetd passes it).
 * Exits 126 when a limit cannot be set or a cgroup joined (nothing has run
 * yet), 127 when PROGRAM cannot be executed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/rlimits.h"

static const char usage[] = "usage: hearth-cgexec [-r NAME=SOFT:HARD]... [-a ARGV0] [CGROUP_PROCS_FILE]... -- PROGRAM [ARGS...]\n";

/* "nofile=1024:4096"; -1 when malformed. */
static int set_limit(const char *spec) {
  int resource;
  struct rlimit rl;
  if (rlimit_parse(spec, &resource, &rl) != 0) return -1;
  if (setrlimit(resource, &rl) != 0) {
    fprintf(stderr, "hearth-cgexec: cannot set the limit %s: %s\n", spec, strerror(errno));
    exit(126);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *argv0 = NULL;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "-r") == 0) {
      if (i + 1 >= argc || set_limit(argv[i + 1]) != 0) {
        fprintf(stderr, "hearth-cgexec: bad limit %s\n%s", i + 1 < argc ? argv[i + 1] : "(missing)", usage);
        return 2;
      }
      i++;
      continue;
    }
    if (strcmp(argv[i], "-a") == 0) {
      if (i + 1 >= argc) {
        fputs(usage, stderr);
        return 2;
      }
      argv0 = argv[++i];
      continue;
    }
    int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0\n", 2) != 2) {
      fprintf(stderr, "hearth-cgexec: cannot join the cgroup of %s: %s\n", argv[i], strerror(errno));
      return 126;
    }
    close(fd);
  }
  if (i + 1 >= argc) {
    fputs(usage, stderr);
    return 2;
  }
  const char *program = argv[i + 1];
  if (argv0) argv[i + 1] = (char *)argv0;
  execvp(program, argv + i + 1);
  fprintf(stderr, "hearth-cgexec: cannot run %s: %s\n", program, strerror(errno));
  return 127;
}
