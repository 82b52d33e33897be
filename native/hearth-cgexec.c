/*
 * hearth-cgexec: join control groups, then exec.
 *
 * hearthd starts every process of a unit through this helper so that the
 * process is inside the unit's cgroup(s) before the program runs: there is no
 * moment in which it could fork a child that escapes the unit. Writing "0" to
 * a cgroup.procs file moves the writing process itself; exec keeps the pid,
 * so the pid hearthd got from fork is the service's pid.
 *
 * usage: hearth-cgexec CGROUP_PROCS_FILE... -- PROGRAM [ARGS...]
 * Exits 126 when a cgroup cannot be joined (nothing has run yet), 127 when
 * PROGRAM cannot be executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: hearth-cgexec CGROUP_PROCS_FILE... -- PROGRAM [ARGS...]\n";

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
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
  execvp(argv[i + 1], argv + i + 1);
  fprintf(stderr, "hearth-cgexec: cannot run %s: %s\n", argv[i + 1], strerror(errno));
  return 127;
}
