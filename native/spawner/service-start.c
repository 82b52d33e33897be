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

static void describe(const struct service_start *s, const struct failure *f, char *err, size_t errlen) {
  const char *why = strerror(f->err);
  switch (f->stage) {
    case JOIN_V2: snprintf(err, errlen, "cannot join the cgroup %s: %s", s->cgroup, why); break;
    case JOIN_V1: snprintf(err, errlen, "cannot join the cgroup of %s: %s", s->join_path[f->index], why); break;
    case LIMIT: snprintf(err, errlen, "cannot set resource limit %d: %s", s->limit_resource[f->index], why); break;
    case SESSION: snprintf(err, errlen, "cannot start a session: %s", why); break;
    case CHDIR: snprintf(err, errlen, "cannot enter the working directory %s: %s", s->cwd, why); break;
    case STDIO: snprintf(err, errlen, "cannot set up fd %d: %s", f->index, why); break;
    default: snprintf(err, errlen, "cannot run %s: %s", s->file, why); break;
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

/*
 * One attempt. *killed_at_birth: the child died before it ran (see the top of
 * this file); *create_errno: the errno of a failed clone3 or fork, else 0.
 */
static pid_t start_once(const struct service_start *s, int into_cgroup, int *killed_at_birth, int *create_errno, char *err, size_t errlen) {
  *killed_at_birth = 0;
  *create_errno = 0;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = -1;
  int v2_procs = -1;
  if (into_cgroup) {
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
  int fork_errno = errno;
  close(p[1]);
  if (v2_procs >= 0) close(v2_procs);
  if (pid < 0) {
    close(p[0]);
    *create_errno = fork_errno;
    snprintf(err, errlen, into_cgroup ? "cannot start in the cgroup %s: %s" : "cannot fork%.0s: %s", into_cgroup ? s->cgroup : "", strerror(fork_errno));
    return -1;
  }
  char alive;
  struct failure f;
  ssize_t n = read_full(p[0], &alive, 1);
  ssize_t m = n == 1 ? read_full(p[0], &f, sizeof f) : 0;
  close(p[0]);
  if (n != 1) {
    /* Reaped here, so no exit is reported for a process that never ran. */
    reap_now(pid);
    *killed_at_birth = 1;
    snprintf(err, errlen, "the process was killed as it was created");
    return -1;
  }
  if (m != (ssize_t)sizeof f) return pid; /* EOF: the program runs */
  reap_now(pid);
  describe(s, &f, err, errlen);
  return -1;
}

pid_t service_start(const struct service_start *s, char *err, size_t errlen) {
  int killed_at_birth = 0, create_errno = 0;
  if (s->cgroup_dir >= 0 && clone_into_cgroup_works != 0) {
    pid_t pid = start_once(s, 1, &killed_at_birth, &create_errno, err, errlen);
    if (pid >= 0) {
      clone_into_cgroup_works = 1;
      return pid;
    }
    /* An old kernel has no clone3 (ENOSYS), or no CLONE_INTO_CGROUP (E2BIG, EINVAL): join by writing from now on. */
    int old_kernel = clone_into_cgroup_works < 0 && (create_errno == ENOSYS || create_errno == E2BIG || create_errno == EINVAL);
    if (old_kernel) clone_into_cgroup_works = 0;
    else if (!killed_at_birth) return -1;
  }
  return start_once(s, 0, &killed_at_birth, &create_errno, err, errlen);
}
