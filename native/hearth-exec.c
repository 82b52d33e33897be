/*
 * hearth-exec: the parts of a service's execution environment that need a
 * system call between fork and exec, then exec.
 *
 * hearthd puts it in a service's launch chain (after joining the cgroup and
 * setting limits, before setpriv switches the user), for systemd units'
 * sandboxing and process settings: a private mount namespace in which paths
 * are made read-only, writable again, hidden or replaced (ProtectSystem=,
 * ProtectHome=, ReadWritePaths=, PrivateTmp= …), the OOM score, SIGPIPE
 * ignored, and a chosen argv[0]. It execs, so the pid stays the service's.
 *
 * usage: hearth-exec [OPTION]... -- PROGRAM [ARG]...
 *   --argv0 NAME            run PROGRAM with argv[0] = NAME
 *   --ignore-sigpipe        SIGPIPE ignored (kept across exec)
 *   --oom-score-adj N       write N to /proc/self/oom_score_adj
 *   --read-only PATH        every mount at or below PATH read-only (not /proc, /sys, /dev)
 *   --read-write PATH       PATH writable again (a bind mount of itself)
 *   --bind SRC:DST          SRC bound over DST, writable
 *   --inaccessible PATH     PATH hidden: an empty mode-000 tmpfs (directories) or /dev/null (files)
 *   --tmpfs PATH            an empty read-only tmpfs over PATH
 *   --receive-fds PATH:FD   fetch the sockets hearth-socket holds (its control
 *                           socket PATH) and place them at FD, FD+1, …
 * A PATH starting with "-" may be missing. Mount options imply a private
 * mount namespace, created once before the first of them, with propagation
 * to the host cut off. Options apply in the order given.
 * Exits 126 when the environment cannot be set up (nothing has run yet),
 * 127 when PROGRAM cannot be executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif

struct hearth_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

static int namespace_ready = 0;

static int fail(const char *what, const char *path) {
  fprintf(stderr, "hearth-exec: %s %s: %s\n", what, path, strerror(errno));
  return -1;
}

static int set_readonly(const char *path, int readonly) {
  struct hearth_mount_attr attr = {0};
  if (readonly) attr.attr_set = MOUNT_ATTR_RDONLY;
  else attr.attr_clr = MOUNT_ATTR_RDONLY;
  return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof attr);
}

static int enter_namespace(void) {
  if (namespace_ready) return 0;
  if (unshare(CLONE_NEWNS) != 0) return fail("cannot create a mount namespace", "");
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) return fail("cannot cut mount propagation from", "/");
  namespace_ready = 1;
  return 0;
}

/*
 * The path an option acts on ("-PATH": missing is fine), with the mount
 * namespace entered. Returns 1 to act on *path, 0 to skip it, -1 on error.
 */
static int target(const char **path, struct stat *st) {
  int optional = (*path)[0] == '-';
  if (optional) (*path)++;
  if (stat(*path, st) != 0) return optional && errno == ENOENT ? 0 : fail("cannot find", *path);
  return enter_namespace() == 0 ? 1 : -1;
}

static int is_api_fs(const char *mp) {
  static const char *api[] = {"/proc", "/sys", "/dev"};
  for (size_t i = 0; i < sizeof api / sizeof api[0]; i++) {
    size_t n = strlen(api[i]);
    if (strncmp(mp, api[i], n) == 0 && (mp[n] == '\0' || mp[n] == '/')) return 1;
  }
  return 0;
}

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else *out++ = *s;
  }
  *out = '\0';
}

static int below(const char *mp, const char *path) {
  size_t n = strlen(path);
  if (strcmp(path, "/") == 0) return 1;
  return strncmp(mp, path, n) == 0 && (mp[n] == '\0' || mp[n] == '/');
}

static int read_only(const char *path) {
  struct stat st;
  int t = target(&path, &st);
  if (t <= 0) return t;
  /* Not a mount of its own yet: make it one, so the flag stays below PATH. */
  if (set_readonly(path, 1) != 0) {
    if (errno != EINVAL) return fail("cannot make read-only", path);
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) return fail("cannot bind", path);
  }
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return fail("cannot read", "/proc/self/mountinfo");
  char line[8192];
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    /* id parent major:minor root MOUNTPOINT … */
    char *save = NULL, *field = strtok_r(line, " ", &save);
    for (int i = 0; field && i < 4; i++) field = strtok_r(NULL, " ", &save);
    if (!field) continue;
    unescape(field);
    if (!below(field, path) || is_api_fs(field)) continue;
    /* A mount hidden under another one cannot be reached by path; the one on top is what counts. */
    if (set_readonly(field, 1) != 0 && errno != EINVAL && errno != ENOENT && errno != EACCES) {
      rc = fail("cannot make read-only", field);
      break;
    }
  }
  fclose(f);
  return rc;
}

/* SRC bound over DST (DST over itself for --read-write), writable there whatever is read-only around it. */
static int bind_writable(const char *src, const char *dst) {
  struct stat st;
  int t = target(&dst, &st);
  if (t <= 0) return t;
  if (mount(src ? src : dst, dst, NULL, MS_BIND | MS_REC, NULL) != 0) return fail("cannot bind over", dst);
  if (set_readonly(dst, 0) != 0) return fail("cannot make writable", dst);
  return 0;
}

static int bind_over(const char *spec) {
  const char *colon = strchr(spec, ':');
  if (!colon) {
    errno = EINVAL;
    return fail("--bind needs SRC:DST, got", spec);
  }
  char src[4096];
  size_t n = (size_t)(colon - spec);
  if (n >= sizeof src) {
    errno = ENAMETOOLONG;
    return fail("bad --bind", spec);
  }
  memcpy(src, spec, n);
  src[n] = '\0';
  return bind_writable(src, colon + 1);
}

static int inaccessible(const char *path) {
  struct stat st;
  int t = target(&path, &st);
  if (t <= 0) return t;
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k") != 0) return fail("cannot hide", path);
    return 0;
  }
  if (mount("/dev/null", path, NULL, MS_BIND, NULL) != 0) return fail("cannot hide", path);
  return 0;
}

static int empty_tmpfs(const char *path) {
  struct stat st;
  int t = target(&path, &st);
  if (t <= 0) return t;
  if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=4k") != 0) return fail("cannot mount a tmpfs over", path);
  return 0;
}

static int oom_score(const char *value) {
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open", "/proc/self/oom_score_adj");
  ssize_t n = write(fd, value, strlen(value));
  int err = errno;
  close(fd);
  if (n < 0 && (err == EACCES || err == EPERM)) {
    /* A host without CAP_SYS_RESOURCE (a container): systemd goes on without the score too; say so in the unit's log. */
    fprintf(stderr, "hearth-exec: oom_score_adj left unchanged (not %s): %s; continuing, as systemd does in containers\n", value, strerror(err));
    return 0;
  }
  errno = err;
  if (n < 0) return fail("cannot set oom_score_adj to", value);
  return 0;
}

/* The sockets of a socket unit, from the hearth-socket that holds them, at FD and up (inherited across exec). */
static int receive_fds(const char *spec) {
  const char *colon = strrchr(spec, ':');
  if (!colon) {
    errno = EINVAL;
    return fail("--receive-fds needs PATH:FD, got", spec);
  }
  int first = atoi(colon + 1);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  size_t n = (size_t)(colon - spec);
  if (n >= sizeof a.sun_path || first < 3) {
    errno = EINVAL;
    return fail("bad --receive-fds", spec);
  }
  memcpy(a.sun_path, spec, n);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) return fail("cannot reach the socket holder at", a.sun_path);
  char byte;
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int) * 64)];
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) <= 0) return fail("no sockets from", a.sun_path);
  close(s);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return fail("no sockets from", a.sun_path);
  }
  int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
  int received[64];
  memcpy(received, CMSG_DATA(c), sizeof(int) * (size_t)got);
  /* Move them out of the way first, so placing one never closes another. */
  for (int k = 0; k < got; k++) {
    int moved = fcntl(received[k], F_DUPFD_CLOEXEC, first + got);
    close(received[k]);
    received[k] = moved;
  }
  for (int k = 0; k < got; k++) {
    if (dup2(received[k], first + k) < 0) return fail("cannot place a socket for", spec);
    close(received[k]);
  }
  return 0;
}

static const char usage[] = "usage: hearth-exec [--argv0 NAME] [--ignore-sigpipe] [--oom-score-adj N] [--read-only|--read-write|--inaccessible|--tmpfs PATH] [--bind SRC:DST] ... -- PROGRAM [ARG]...\n";

int main(int argc, char **argv) {
  const char *argv0 = NULL;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--ignore-sigpipe") == 0) {
      signal(SIGPIPE, SIG_IGN);
      continue;
    }
    if (i + 1 >= argc) {
      fputs(usage, stderr);
      return 2;
    }
    const char *arg = argv[++i];
    int rc;
    if (strcmp(opt, "--argv0") == 0) {
      argv0 = arg;
      rc = 0;
    } else if (strcmp(opt, "--oom-score-adj") == 0) rc = oom_score(arg);
    else if (strcmp(opt, "--read-only") == 0) rc = read_only(arg);
    else if (strcmp(opt, "--read-write") == 0) rc = bind_writable(NULL, arg);
    else if (strcmp(opt, "--bind") == 0) rc = bind_over(arg);
    else if (strcmp(opt, "--inaccessible") == 0) rc = inaccessible(arg);
    else if (strcmp(opt, "--tmpfs") == 0) rc = empty_tmpfs(arg);
    else if (strcmp(opt, "--receive-fds") == 0) rc = receive_fds(arg);
    else {
      fprintf(stderr, "hearth-exec: unknown option %s\n%s", opt, usage);
      return 2;
    }
    if (rc != 0) return 126;
  }
  if (i + 1 >= argc) {
    fputs(usage, stderr);
    return 2;
  }
  char *program = argv[i + 1];
  if (argv0) argv[i + 1] = (char *)argv0;
  execvp(program, argv + i + 1);
  fprintf(stderr, "hearth-exec: cannot run %s: %s\n", program, strerror(errno));
  return 127;
}
