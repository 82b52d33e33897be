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

static const char usage[] = "usage: hearth-cgexec [-r NAME=SOFT:HARD]... [-a ARGV0] [CGROUP_PROCS_FILE]... -- PROGRAM [ARGS...]\n";

static const struct {
  const char *name;
  int resource;
} limits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static int parse_value(const char *s, rlim_t *out) {
  if (strcmp(s, "unlimited") == 0) {
    *out = RLIM_INFINITY;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end) return -1;
  *out = (rlim_t)v;
  return 0;
}

/* "nofile=1024:4096" */
static int set_limit(const char *spec) {
  char buf[128];
  if (strlen(spec) >= sizeof buf) return -1;
  strcpy(buf, spec);
  char *eq = strchr(buf, '='), *colon = eq ? strchr(eq, ':') : NULL;
  if (!eq || !colon) return -1;
  *eq = *colon = '\0';
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    if (strcmp(limits[i].name, buf) != 0) continue;
    struct rlimit rl;
    if (parse_value(eq + 1, &rl.rlim_cur) || parse_value(colon + 1, &rl.rlim_max)) return -1;
    if (setrlimit(limits[i].resource, &rl) != 0) {
      fprintf(stderr, "hearth-cgexec: cannot set the %s limit to %s:%s: %s\n", buf, eq + 1, colon + 1, strerror(errno));
      exit(126);
    }
    return 0;
  }
  return -1;
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
