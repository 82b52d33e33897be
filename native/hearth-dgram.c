/*
 * hearth-dgram: receive datagrams on a unix socket and hand them to hearthd.
 *
 * Node has no AF_UNIX SOCK_DGRAM support, yet two protocols hearth speaks need
 * it: sd_notify (NOTIFY_SOCKET) and syslog (/dev/log). This helper binds the
 * socket, asks the kernel for each sender's credentials (SO_PASSCRED), and
 * writes one frame per datagram to stdout:
 *
 *     <pid> <uid> <gid> <length>\n<payload bytes>
 *
 * It exits when its parent dies (PR_SET_PDEATHSIG) or stdout closes, and
 * removes the socket file it created.
 *
 * With --attribute (the syslog socket, and the notify socket of a pool,
 * whose workers are told apart by their ancestry), each frame also says
 * which cgroup the sender was in, read from /proc/PID/cgroup as soon as the
 * datagram is received, before a short-lived sender (logger, hearth-notify)
 * is gone:
 *
 *     <pid> <uid> <gid> <length> <lineage> <cgroup>\n<payload bytes>
 *
 * <lineage> lists the sender's ancestors, parent first, up to hearthd (its
 * parent) or init ("-" for none), so hearthd can find the service among
 * them when the sender is no service's by itself. When the sender has
 * already been reaped, its ancestry comes from the kernel's process events
 * (the proc connector, which needs CAP_NET_ADMIN): every fork is recorded
 * as it happens, so nothing the sender's exit took away is needed, and
 * <cgroup> is then that of its first ancestor still there ("-" when none
 * could be read).
 *
 * usage: hearth-dgram SOCKET_PATH [MODE_OCTAL] [--attribute]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>

static const char *socket_path;

static void cleanup(int sig) {
  if (socket_path) unlink(socket_path);
  _exit(sig == 0 ? 0 : 128 + sig);
}

static int write_all(const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Recent forks, direct-mapped by pid: a slot is overwritten only after
 * pid_max wraps around to it (65536 forks later at the soonest). */
#define FORKS 65536
static struct fork_rec {
  int pid, ppid;
  char exited;
} forks[FORKS];
static int cn_fd = -1;

static void cn_open(void) {
  int s = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (s < 0) return;
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = CN_IDX_PROC;
  sa.nl_pid = (unsigned)getpid();
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    close(s);
    return;
  }
  int big = 4 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0) setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  struct __attribute__((packed)) {
    struct nlmsghdr nl;
    struct cn_msg cn;
    enum proc_cn_mcast_op op;
  } req;
  memset(&req, 0, sizeof req);
  req.nl.nlmsg_len = sizeof req;
  req.nl.nlmsg_type = NLMSG_DONE;
  req.nl.nlmsg_pid = (unsigned)getpid();
  req.cn.id.idx = CN_IDX_PROC;
  req.cn.id.val = CN_VAL_PROC;
  req.cn.len = sizeof(enum proc_cn_mcast_op);
  req.op = PROC_CN_MCAST_LISTEN;
  if (send(s, &req, sizeof req, 0) < 0) {
    close(s);
    return;
  }
  cn_fd = s;
}

/* Records every process event waiting on the connector socket. */
static void cn_drain(void) {
  if (cn_fd < 0) return;
  static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(cn_fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == ENOBUFS) {
        /* Events were lost: a pid whose fork went unseen would keep an older
         * process's parent in its slot, and a pool trusts the lineage to say
         * which worker a notify message speaks for. Forget every record (the
         * living still have /proc) and read on: later events still come. */
        memset(forks, 0, sizeof forks);
        continue;
      }
      return; /* EAGAIN: all read */
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      struct cn_msg *c = NLMSG_DATA(h);
      struct proc_event *e = (struct proc_event *)c->data;
      if (e->what == PROC_EVENT_FORK && e->event_data.fork.child_pid == e->event_data.fork.child_tgid) {
        int child = e->event_data.fork.child_tgid;
        struct fork_rec *r = &forks[child % FORKS];
        r->pid = child;
        r->ppid = e->event_data.fork.parent_tgid;
        r->exited = 0;
      } else if (e->what == PROC_EVENT_EXIT && e->event_data.exit.process_pid == e->event_data.exit.process_tgid) {
        int gone = e->event_data.exit.process_tgid;
        if (forks[gone % FORKS].pid == gone) forks[gone % FORKS].exited = 1;
      }
    }
  }
}

/* /proc/PID/NAME into text (NUL-terminated); 0 when the process or the file is gone. */
static int read_proc(int pid, const char *name, char *text, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, size - 1);
  close(fd);
  if (n <= 0) return 0;
  text[n] = 0;
  return 1;
}

/* The cgroup v2 path of a process (its "0::" line), while /proc still has it. */
static int read_cgroup(int pid, char *out, size_t size) {
  char text[8192];
  if (!read_proc(pid, "cgroup", text, sizeof text)) return 0;
  char *line = strncmp(text, "0::", 3) == 0 ? text : strstr(text, "\n0::");
  if (!line) return 0;
  line += line == text ? 3 : 4;
  size_t i = 0;
  for (; line[i] && line[i] != '\n' && i + 1 < size; i++) out[i] = (unsigned char)line[i] < 0x20 ? '?' : line[i];
  out[i] = 0;
  return i > 0;
}

/* A process's parent: from the fork records (exact even once it is gone), else /proc. */
static int ppid_of(int pid) {
  struct fork_rec *r = &forks[pid % FORKS];
  if (r->pid == pid && r->ppid > 0) return r->ppid;
  char text[1024];
  if (!read_proc(pid, "stat", text, sizeof text)) return 0;
  /* "pid (comm) state ppid …": comm may hold spaces and parentheses. */
  char *end = strrchr(text, ')');
  int ppid = 0;
  if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1) return 0;
  return ppid;
}

/* Fills cgroup and lineage for a sender (see the header comment): the
 * ancestors up to, not including, hearthd; the cgroup of the sender, or of
 * the first of them still there. */
static void attribute(int pid, char *cgroup, size_t csize, char *lineage, size_t lsize) {
  strcpy(lineage, "-");
  strcpy(cgroup, "-");
  if (pid <= 0) return;
  int found = read_cgroup(pid, cgroup, csize);
  /* Gone already: every fork that led to it was queued before it could send. */
  if (!found) cn_drain();
  int hearthd = (int)getppid();
  size_t used = 0;
  int cur = pid;
  for (int depth = 0; depth < 16; depth++) {
    int up = ppid_of(cur);
    if (up <= 1 || up == hearthd) break;
    int w = snprintf(lineage + used, lsize - used, "%s%d", used ? "," : "", up);
    if (w < 0 || (size_t)w >= lsize - used) break;
    used += (size_t)w;
    cur = up;
    if (found) continue;
    struct fork_rec *r = &forks[cur % FORKS];
    if (r->pid == cur && r->exited) continue;
    found = read_cgroup(cur, cgroup, csize);
  }
  if (used == 0) strcpy(lineage, "-");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hearth-dgram SOCKET_PATH [MODE_OCTAL]\n");
    return 2;
  }
  socket_path = argv[1];
  mode_t mode = argc > 2 && argv[2][0] != '-' ? (mode_t)strtol(argv[2], NULL, 8) : 0600;
  int attributing = 0;
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--attribute") == 0) attributing = 1;

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1; /* parent already gone */
  signal(SIGTERM, cleanup);
  signal(SIGINT, cleanup);
  signal(SIGHUP, cleanup);
  signal(SIGPIPE, cleanup);

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(socket_path) >= sizeof addr.sun_path) {
    fprintf(stderr, "hearth-dgram: socket path too long: %s\n", socket_path);
    return 2;
  }
  strcpy(addr.sun_path, socket_path);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("hearth-dgram: socket");
    return 1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  unlink(socket_path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("hearth-dgram: bind");
    return 1;
  }
  chmod(socket_path, mode);
  if (attributing) cn_open();
  /* Tell the parent we are listening. */
  if (write_all("READY\n", 6) < 0) cleanup(0);

  static char payload[65536];
  /* Room for the credentials and a few passed descriptors (see BARRIER below). */
  union {
    char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(8 * sizeof(int))];
    struct cmsghdr align;
  } control;
  static char cgroup[4096], lineage[512];
  for (;;) {
    if (cn_fd >= 0) {
      /* Keep the fork records current while waiting, so the connector's queue never fills. */
      struct pollfd p[2] = {{fd, POLLIN, 0}, {cn_fd, POLLIN, 0}};
      if (poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        perror("hearth-dgram: poll");
        cleanup(0);
      }
      if (p[1].revents) cn_drain();
      if (!(p[0].revents & POLLIN)) continue;
    }
    struct iovec iov = {payload, sizeof payload};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("hearth-dgram: recvmsg");
      cleanup(0);
    }
    struct ucred cred = {0, (uid_t)-1, (gid_t)-1};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS) memcpy(&cred, CMSG_DATA(c), sizeof cred);
      /* sd_notify's BARRIER=1 passes the write end of a pipe and waits until
       * the receiver closes it. Datagrams come in order, so everything the
       * sender sent before it has been received (and attributed, while the
       * sender was still there) by now: closing is the whole answer. Any
       * other descriptor a sender passes is of no use here either. Ones that
       * did not fit the buffer the kernel has closed already. */
      if (c->cmsg_type == SCM_RIGHTS) {
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
          int passed;
          memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
          close(passed);
        }
      }
    }
    static char header[96 + sizeof cgroup + sizeof lineage];
    int h;
    if (attributing) {
      attribute((int)cred.pid, cgroup, sizeof cgroup, lineage, sizeof lineage);
      h = snprintf(header, sizeof header, "%d %d %d %zd %s %s\n", (int)cred.pid, (int)cred.uid, (int)cred.gid, n, lineage, cgroup);
    } else {
      h = snprintf(header, sizeof header, "%d %d %d %zd\n", (int)cred.pid, (int)cred.uid, (int)cred.gid, n);
    }
    if (write_all(header, (size_t)h) < 0 || write_all(payload, (size_t)n) < 0) cleanup(0);
  }
}
