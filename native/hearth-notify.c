/*
 * hearth-notify: send an sd_notify message from a shell script, like
 * systemd-notify, for systems without systemd.
 *
 *     hearth-notify [--no-block] --ready [--status=TEXT] [ASSIGNMENT...]
 *     hearth-notify READY=1 STATUS=warming\ up
 *
 * Sends the assignments, newline-separated, to the unix datagram socket named
 * by $NOTIFY_SOCKET ('@' prefix = abstract namespace). Then, unless
 * --no-block, it waits (up to 5 s) until the receiver has taken the message,
 * by sd_notify's barrier: a second datagram, BARRIER=1, passes the write end
 * of a pipe that the receiver closes once it has read everything before it.
 * So this process is still there when the receiver looks at who sent the
 * message: a pool's workers are told apart by the sender's ancestry, which
 * a process already gone no longer shows (without root, that is all there
 * is). Exit 0 on success (a barrier that times out is only warned about: the
 * message was sent), 1 if the socket is unset or the send failed, 2 on bad
 * usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* BARRIER=1 with the write end of a pipe; returns once the receiver has closed it, or after 5 s. */
static void barrier(int fd, const struct sockaddr_un *addr, socklen_t addrlen) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return;
  char text[] = "BARRIER=1";
  struct iovec iov = {text, sizeof text - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = (void *)addr;
  msg.msg_namelen = addrlen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[1], sizeof(int));
  int sent = sendmsg(fd, &msg, 0) >= 0;
  /* Only the receiver's copy may keep the pipe open. */
  close(p[1]);
  if (sent) {
    struct pollfd q = {p[0], 0, 0};
    int r;
    while ((r = poll(&q, 1, 5000)) < 0 && errno == EINTR) {
    }
    if (r == 0) fprintf(stderr, "hearth-notify: sent, but the receiver did not take it within 5 s\n");
  }
  close(p[0]);
}

int main(int argc, char **argv) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) {
    fprintf(stderr, "hearth-notify: NOTIFY_SOCKET is not set\n");
    return 1;
  }
  char msg[8192];
  size_t len = 0;
  int block = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char buf[4200];
    if (strcmp(a, "--no-block") == 0) {
      block = 0;
      continue;
    } else if (strcmp(a, "--ready") == 0) a = "READY=1";
    else if (strcmp(a, "--stopping") == 0) a = "STOPPING=1";
    else if (strcmp(a, "--reloading") == 0) a = "RELOADING=1";
    else if (strncmp(a, "--status=", 9) == 0) {
      snprintf(buf, sizeof buf, "STATUS=%s", a + 9);
      a = buf;
    } else if (strncmp(a, "--pid=", 6) == 0) {
      snprintf(buf, sizeof buf, "MAINPID=%s", a + 6);
      a = buf;
    } else if (!strchr(a, '=') || a[0] == '-') {
      fprintf(stderr, "hearth-notify: not an assignment: %s\n", a);
      return 2;
    }
    size_t n = strlen(a);
    if (len + n + 1 >= sizeof msg) {
      fprintf(stderr, "hearth-notify: message too long\n");
      return 2;
    }
    if (len) msg[len++] = '\n';
    memcpy(msg + len, a, n);
    len += n;
  }
  if (len == 0) {
    fprintf(stderr, "usage: hearth-notify [--no-block] [--ready] [--status=TEXT] [--pid=PID] [KEY=VALUE...]\n");
    return 2;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen >= sizeof addr.sun_path) {
    fprintf(stderr, "hearth-notify: NOTIFY_SOCKET path too long\n");
    return 1;
  }
  memcpy(addr.sun_path, path, plen);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  socklen_t addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, msg, len, 0, (struct sockaddr *)&addr, addrlen) < 0) {
    perror("hearth-notify");
    return 1;
  }
  if (block) barrier(fd, &addr, addrlen);
  return 0;
}
