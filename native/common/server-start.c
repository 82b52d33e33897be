/*
 * posix_spawn cannot put a child into a cgroup, so servers start through
 * vfork here: the child shares the helper's memory until it execs (no page
 * tables are copied, as with posix_spawn), writes "0" to each cgroup.procs
 * file (which moves the writer itself), resets its signals and umask, puts
 * the connection on fds 0-2 and execs. A failure in the child is passed back
 * through memory the two share while the helper is suspended.
 *
 * clone3(CLONE_INTO_CGROUP) would join the v2 cgroup at fork, but not the v1
 * hierarchies that hybrid hosts use for memory and pids, so the write stays.
 */
#define _GNU_SOURCE
#include "server-start.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Set by the child before it exits, read by the parent once vfork returns. */
struct child_failure {
  int err;
  int cgroup; /* index of the cgroup that could not be joined, or -1 for exec */
};

int cgroup_procs_path_ok(const char *path) {
  static const char tail[] = "/cgroup.procs";
  size_t n = strlen(path), t = sizeof tail - 1;
  if (path[0] != '/' || n <= t || strcmp(path + n - t, tail) != 0) return 0;
  return strstr(path, "/../") == NULL && strstr(path, "/./") == NULL;
}

void reset_signals_for_exec(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, NULL);
  sigaction(SIGINT, &dfl, NULL);
  sigaction(SIGQUIT, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Runs in the vfork child: only system calls, nothing that touches shared state but *f. */
static __attribute__((noinline)) void child(const struct server_start *s, const int *fds, int nfds, volatile struct child_failure *f) {
  for (int i = 0; i < nfds; i++) {
    if (write(fds[i], "0", 1) != 1) {
      f->err = errno;
      f->cgroup = i;
      _exit(126);
    }
  }
  reset_signals_for_exec();
  if (s->set_umask) umask(s->umask);
  for (int target = 0; target <= 2; target++) {
    if (s->conn == target) fcntl(target, F_SETFD, 0); /* dup2 onto itself keeps close-on-exec */
    else if (dup2(s->conn, target) < 0) {
      f->err = errno;
      f->cgroup = -1;
      _exit(127);
    }
  }
  execve(s->file, s->argv, s->envp);
  f->err = errno;
  f->cgroup = -1;
  _exit(127);
}

int cgroup_procs_open(const char *const *cgroups, int *fds, char *err, size_t errlen) {
  int n = 0;
  for (const char *const *c = cgroups; c && *c; c++) {
    if (n == SERVER_MAX_CGROUPS) {
      snprintf(err, errlen, "more than %d cgroups", SERVER_MAX_CGROUPS);
      goto fail;
    }
    int fd = open(*c, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      snprintf(err, errlen, "cannot join the cgroup of %s: %s", *c, strerror(errno));
      goto fail;
    }
    fds[n++] = fd;
  }
  return n;
fail:
  while (n > 0) close(fds[--n]);
  return -1;
}

static __attribute__((noinline)) int count_paths(const char *const *c) {
  int n = 0;
  while (c && c[n]) n++;
  return n;
}

pid_t server_start(const struct server_start *s, char *err, size_t errlen) {
  int opened[SERVER_MAX_CGROUPS];
  const int nopened = s->cgroup_fds ? 0 : cgroup_procs_open(s->cgroups, opened, err, errlen);
  if (nopened < 0) return -1;
  /* Not assigned again after vfork: the child shares this frame. */
  const int *const fds = s->cgroup_fds ? s->cgroup_fds : opened;
  const int nfds = s->cgroup_fds ? count_paths(s->cgroups) : nopened;
  pid_t pid = -1;
  volatile struct child_failure f = {0, 0};
  pid = vfork();
  if (pid == 0) child(s, fds, nfds, &f);
  if (pid < 0) {
    snprintf(err, errlen, "cannot fork: %s", strerror(errno));
  } else if (f.err != 0) {
    /* The child has exited: reap it here, so no exit is reported for a server that never ran. */
    waitpid(pid, NULL, 0);
    if (f.cgroup >= 0) snprintf(err, errlen, "cannot join the cgroup of %s: %s", s->cgroups[f.cgroup], strerror(f.err));
    else snprintf(err, errlen, "%s", strerror(f.err));
    pid = -1;
  }
  for (int i = 0; i < nopened; i++) close(opened[i]);
  return pid;
}
