/*
 * A service's process is created with clone3(CLONE_INTO_CGROUP): the kernel
 * puts it into the unit's cgroup v2 as it creates it. A process that moves
 * itself by writing to cgroup.procs (what hearth-cgexec does) waits, on
 * kernels whose cgroup2 mount lacks favordynmods, for an RCU grace period:
 * 8-10 ms measured per move on a 6.18 kernel, more than all the rest of a
 * restart. Creating it inside costs no such wait, and this helper is small,
 * so the fork copies next to nothing (hearthd's own fork copies the page
 * tables of a 60 MiB Node process).
 *
 * The v1 hierarchies of a hybrid host (memory, pids …) have no such flag:
 * the child still writes "0" to their cgroup.procs between fork and exec.
 * Kernels before 5.7 have no CLONE_INTO_CGROUP: there the child joins the v2
 * cgroup the same way.
 *
 * The child reports a failure before exec through a close-on-exec pipe: EOF
 * on it means the exec happened.
 *
 * A kernel bug makes a second attempt necessary: on 6.18 (at least), once a
 * cgroup has been killed through cgroup.kill, every process later created in
 * it with CLONE_INTO_CGROUP is SIGKILLed before it runs a single instruction
 * (the kernel compares the cgroup's kill counter with the parent's cgroup's,
 * not the target's, at fork). hearthd writes cgroup.kill when a stop or a
 * start times out, and the unit's cgroup stays. The child's first act is
 * therefore to write one byte to the pipe: a child that ends before it did
 * was killed as it was created, and the start is done again the old way.
 */
#define _GNU_SOURCE
#include "service-start.h"

#include "common/server-start.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum stage { JOIN_V2, JOIN_V1, LIMIT, SESSION, CHDIR, STDIO, EXEC };

struct failure {
  int stage;
  int index; /* which cgroup or limit */
  int err;
};

/* -1 not tried yet, 0 the kernel has no CLONE_INTO_CGROUP, 1 it has. */
static int clone_into_cgroup_works = -1;

static pid_t clone_into(int cgroup_dir) {
  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_INTO_CGROUP;
  a.exit_signal = SIGCHLD;
  a.cgroup = (uint64_t)cgroup_dir;
  return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

static __attribute__((noreturn)) void fail(int pipe_fd, int stage, int index) {
  struct failure f = {stage, index, errno};
  ssize_t n = write(pipe_fd, &f, sizeof f);
  (void)n;
  _exit(127);
}

/* In the child: only system calls from here to exec. */
static __attribute__((noreturn)) void child(const struct service_start *s, int pipe_fd, int v2_procs) {
  if (write(pipe_fd, "+", 1) != 1) _exit(127); /* alive: see the top of this file */
  if (v2_procs >= 0 && write(v2_procs, "0", 1) != 1) fail(pipe_fd, JOIN_V2, 0);
  for (int i = 0; i < s->njoins; i++)
    if (write(s->join[i], "0", 1) != 1) fail(pipe_fd, JOIN_V1, i);
  for (int i = 0; i < s->nlimits; i++)
    if (setrlimit(s->limit_resource[i], &s->limit[i]) != 0) fail(pipe_fd, LIMIT, i);
  /* Its own session and process group, as hearthd's detached spawns had. */
  if (setsid() < 0) fail(pipe_fd, SESSION, 0);
  reset_signals_for_exec();
  if (s->set_umask) umask(s->umask);
  if (s->cwd && chdir(s->cwd) != 0) fail(pipe_fd, CHDIR, 0);
  /* The sources were opened after fds 0-2 (which the helper holds), so none
     is 0-2 itself; dup2 leaves the copies without close-on-exec. */
  for (int target = 0; target <= 2; target++)
    if (dup2(s->stdio[target], target) < 0) fail(pipe_fd, STDIO, target);
  execve(s->file, s->argv, s->envp);
  fail(pipe_fd, EXEC, 0);
}

void service_labels(const struct service_start *s, struct start_labels *l) {
  memset(l, 0, sizeof *l);
  l->file = s->file;
  l->cwd = s->cwd;
  l->cgroup = s->cgroup;
  for (int i = 0; i < s->njoins; i++) l->join_path[i] = s->join_path[i];
  for (int i = 0; i < s->nlimits; i++) l->limit_resource[i] = s->limit_resource[i];
}

static void describe(const struct start_labels *l, const struct failure *f, char *err, size_t errlen) {
  const char *why = strerror(f->err);
  int i = f->index;
  switch (f->stage) {
    case JOIN_V2: snprintf(err, errlen, "cannot join the cgroup %s: %s", l->cgroup, why); break;
    case JOIN_V1: snprintf(err, errlen, "cannot join the cgroup of %s: %s", i >= 0 && i < SERVICE_MAX_JOINS ? l->join_path[i] : "?", why); break;
    case LIMIT: snprintf(err, errlen, "cannot set resource limit %d: %s", i >= 0 && i < SERVICE_MAX_LIMITS ? l->limit_resource[i] : -1, why); break;
    case SESSION: snprintf(err, errlen, "cannot start a session: %s", why); break;
    case CHDIR: snprintf(err, errlen, "cannot enter the working directory %s: %s", l->cwd, why); break;
    case STDIO: snprintf(err, errlen, "cannot set up fd %d: %s", i, why); break;
    default: snprintf(err, errlen, "cannot run %s: %s", l->file, why); break;
  }
}

static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static void reap_now(pid_t pid) {
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

int service_begin(const struct service_start *s, int allow_into_cgroup, struct start_attempt *a, char *err, size_t errlen) {
  int into = allow_into_cgroup && s->cgroup_dir >= 0 && clone_into_cgroup_works != 0;
  for (;;) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
      snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
      return -1;
    }
    pid_t pid = -1;
    int v2_procs = -1;
    if (into) {
      pid = clone_into(s->cgroup_dir);
    } else {
      if (s->cgroup_dir >= 0) {
        v2_procs = openat(s->cgroup_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (v2_procs < 0) {
          snprintf(err, errlen, "cannot join the cgroup %s: %s", s->cgroup, strerror(errno));
          close(p[0]);
          close(p[1]);
          return -1;
        }
      }
      pid = fork();
    }
    if (pid == 0) {
      close(p[0]);
      child(s, p[1], v2_procs);
    }
    int create_errno = errno;
    close(p[1]);
    if (v2_procs >= 0) close(v2_procs);
    if (pid > 0) {
      if (into) clone_into_cgroup_works = 1;
      a->pid = pid;
      a->pipe = p[0];
      a->into_cgroup = into;
      a->alive = 0;
      return 0;
    }
    close(p[0]);
    /* An old kernel has no clone3 (ENOSYS), or no CLONE_INTO_CGROUP (E2BIG, EINVAL), or a container's
       seccomp profile refuses clone3 (EPERM in Docker before 20.10.10): join by writing from now on. */
    if (into && clone_into_cgroup_works < 0 && (create_errno == ENOSYS || create_errno == E2BIG || create_errno == EINVAL || create_errno == EPERM)) {
      clone_into_cgroup_works = 0;
      into = 0;
      continue;
    }
    snprintf(err, errlen, into ? "cannot start in the cgroup %s: %s" : "cannot fork%.0s: %s", into ? s->cgroup : "", strerror(create_errno));
    return -1;
  }
}

enum start_outcome service_step(struct start_attempt *a, const struct start_labels *l, int reaped, char *err, size_t errlen) {
  if (!a->alive) {
    char c;
    ssize_t n;
    do n = read(a->pipe, &c, 1);
    while (n < 0 && errno == EINTR);
    /* The next wake-up brings the outcome: a failure or the end of the pipe at exec. */
    if (n == 1) {
      a->alive = 1;
      return START_PENDING;
    }
    close(a->pipe);
    /* Reaped here, so no exit is reported for a process that never ran. */
    if (!reaped) reap_now(a->pid);
    snprintf(err, errlen, "the process was killed as it was created");
    return START_KILLED_AT_BIRTH;
  }
  /* The failure is one write of less than PIPE_BUF: whole or not at all, so this never waits. */
  struct failure f;
  ssize_t m = read_full(a->pipe, &f, sizeof f);
  close(a->pipe);
  if (m != (ssize_t)sizeof f) return START_RUNNING; /* EOF: the program runs */
  if (!reaped) reap_now(a->pid);
  describe(l, &f, err, errlen);
  return START_FAILED;
}

static void wait_readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

pid_t service_start(const struct service_start *s, int allow_into_cgroup, char *err, size_t errlen) {
  struct start_labels l;
  service_labels(s, &l);
  for (;;) {
    struct start_attempt a;
    if (service_begin(s, allow_into_cgroup, &a, err, errlen) < 0) return -1;
    enum start_outcome r;
    do {
      wait_readable(a.pipe);
      r = service_step(&a, &l, 0, err, errlen);
    } while (r == START_PENDING);
    if (r == START_RUNNING) return a.pid;
    /* Killed as it was created in the cgroup (the top of this file): once more, the old way. */
    if (r == START_KILLED_AT_BIRTH && a.into_cgroup) {
      allow_into_cgroup = 0;
      continue;
    }
    return -1;
  }
}
