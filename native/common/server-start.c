/*
 * A server is created inside its service's cgroup v2 where the kernel can do
 * that (clone3 with CLONE_INTO_CGROUP, kernel 5.7 on): a process that moves
 * itself by writing to cgroup.procs waits, on kernels whose cgroup2 mount
 * lacks favordynmods, for an RCU grace period, and the helper, suspended
 * until the child execs, waited with it for every connection (the same wait
 * native/spawner/service-start.c avoids for services). CLONE_VFORK keeps
 * vfork's order: the helper goes on once the server has exec'd or ended. The
 * v1 hierarchies of a hybrid host have no such flag: the child still writes
 * "0" to their cgroup.procs between fork and exec, as it writes to every
 * file where creating inside is not possible (older kernels: plain vfork,
 * which copies no page tables, as with posix_spawn; posix_spawn itself
 * cannot put a child into a cgroup).
 *
 * The child reports through memory it shares with the helper: that it ran at
 * all, or the step that failed. The first is needed because of a kernel bug
 * (6.18 at least): once a cgroup has been killed through cgroup.kill, every
 * process later created in it with CLONE_INTO_CGROUP is SIGKILLed before it
 * runs an instruction. hearthd writes cgroup.kill when it stops a service
 * and the cgroup stays, so a server killed as it was created is started
 * again the old way, and so is every later one of that target.
 */
#define _GNU_SOURCE
#include "server-start.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Written by the child, read by the helper once the child has exec'd or ended. */
struct child_report {
  int ran;    /* the child ran its first instruction */
  int err;    /* errno of the step that failed, 0 if none */
  int cgroup; /* index of the cgroup that could not be joined, or -1 for exec */
};

/* A clone3 child has a copy of the helper's memory: the report lives in a shared page. */
static volatile struct child_report *report;
/* Where the report goes if that page could not be mapped: only a vfork child (same memory) can use it. */
static struct child_report report_in_helper;

static volatile struct child_report *shared_report(void) {
  if (report == NULL) {
    void *p = mmap(NULL, sizeof *report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    report = p == MAP_FAILED ? &report_in_helper : p;
  }
  return report;
}

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

/* The directory of a cgroup v2 cgroup.procs file, open for CLONE_INTO_CGROUP; -1 if fd is not one. */
static int v2_directory(int fd, const char *path) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) return -1;
  char dir[PATH_MAX];
  size_t len = strlen(path) - (sizeof "/cgroup.procs" - 1);
  if (len >= sizeof dir) return -1;
  memcpy(dir, path, len);
  dir[len] = '\0';
  return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cgroup_target_open(struct cgroup_target *t, const char *const *cgroups, char *err, size_t errlen) {
  t->n = 0;
  t->v2 = -1;
  t->v2_dir = -1;
  t->create_inside = 1;
  for (const char *const *c = cgroups; c && *c; c++) {
    if (t->n == SERVER_MAX_CGROUPS) {
      snprintf(err, errlen, "more than %d cgroups", SERVER_MAX_CGROUPS);
      goto fail;
    }
    int fd = open(*c, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      snprintf(err, errlen, "cannot join the cgroup of %s: %s", *c, strerror(errno));
      goto fail;
    }
    t->paths[t->n] = *c;
    t->fds[t->n] = fd;
    if (t->v2 < 0 && (t->v2_dir = v2_directory(fd, *c)) >= 0) t->v2 = t->n;
    t->n++;
  }
  return 0;
fail:
  cgroup_target_close(t);
  return -1;
}

void cgroup_target_close(struct cgroup_target *t) {
  while (t->n > 0) close(t->fds[--t->n]);
  if (t->v2_dir >= 0) close(t->v2_dir);
  t->v2 = -1;
  t->v2_dir = -1;
}

/*
 * Runs in the child: only system calls, nothing that touches shared state but
 * *r (a vfork child shares the helper's memory and stack). `inside`: the index
 * of the cgroup the kernel already put it in, or -1.
 */
static __attribute__((noinline, noreturn)) void child(const struct server_start *s, int inside, volatile struct child_report *r) {
  r->ran = 1;
  const struct cgroup_target *t = s->cgroups;
  for (int i = 0; t && i < t->n; i++) {
    if (i == inside) continue;
    if (write(t->fds[i], "0", 1) != 1) {
      r->err = errno;
      r->cgroup = i;
      _exit(126);
    }
  }
  reset_signals_for_exec();
  if (s->set_umask) umask(s->umask);
  for (int target = 0; target <= 2; target++) {
    if (s->conn == target) fcntl(target, F_SETFD, 0); /* dup2 onto itself keeps close-on-exec */
    else if (dup2(s->conn, target) < 0) {
      r->err = errno;
      r->cgroup = -1;
      _exit(127);
    }
  }
  execve(s->file, s->argv, s->envp);
  r->err = errno;
  r->cgroup = -1;
  _exit(127);
}

/* -1 not tried yet, 0 this kernel cannot create a process inside a cgroup, 1 it can. */
static int kernel_creates_inside = -1;

/* Like vfork (the caller goes on once the child has exec'd or ended), with the child created in the cgroup `dir`. */
static pid_t clone_inside(int dir) {
  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_INTO_CGROUP | CLONE_VFORK;
  a.exit_signal = SIGCHLD;
  a.cgroup = (uint64_t)dir;
  return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

static pid_t create(const struct server_start *s, volatile struct child_report *r, int inside) {
  r->ran = 0;
  r->err = 0;
  r->cgroup = 0;
  /* Not assigned again after vfork: the child shares this frame. */
  const pid_t pid = inside >= 0 ? clone_inside(s->cgroups->v2_dir) : vfork();
  if (pid == 0) child(s, inside, r);
  return pid;
}

pid_t server_start(const struct server_start *s, char *err, size_t errlen) {
  struct cgroup_target *t = s->cgroups;
  volatile struct child_report *r = shared_report();
  int inside = t && t->v2 >= 0 && t->create_inside && kernel_creates_inside != 0 && r != &report_in_helper ? t->v2 : -1;
  pid_t pid = create(s, r, inside);
  if (pid < 0 && inside >= 0 && kernel_creates_inside < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL || errno == EPERM)) {
    /* No clone3, or no CLONE_INTO_CGROUP (before 5.7), or a seccomp profile that refuses clone3
       (EPERM in Docker before 20.10.10): join by writing from now on. */
    kernel_creates_inside = 0;
    pid = create(s, r, inside = -1);
  }
  if (pid < 0) {
    snprintf(err, errlen, "cannot fork: %s", strerror(errno));
    return -1;
  }
  if (inside >= 0) kernel_creates_inside = 1;
  if (!r->ran && inside >= 0) {
    /* Killed as it was created (the cgroup.kill bug above): reaped here, so no exit is reported for it. */
    waitpid(pid, NULL, 0);
    t->create_inside = 0;
    pid = create(s, r, inside = -1);
    if (pid < 0) {
      snprintf(err, errlen, "cannot fork: %s", strerror(errno));
      return -1;
    }
  }
  if (r->err != 0 || !r->ran) {
    /* The child has ended: reap it here, so no exit is reported for a server that never ran. */
    waitpid(pid, NULL, 0);
    if (!r->ran) snprintf(err, errlen, "the server was killed as it was created");
    else if (r->cgroup >= 0) snprintf(err, errlen, "cannot join the cgroup of %s: %s", t->paths[r->cgroup], strerror(r->err));
    else snprintf(err, errlen, "%s", strerror(r->err));
    return -1;
  }
  return pid;
}
