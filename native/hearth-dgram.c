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
 * usage: hearth-dgram SOCKET_PATH [MODE_OCTAL]
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

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hearth-dgram SOCKET_PATH [MODE_OCTAL]\n");
    return 2;
  }
  socket_path = argv[1];
  mode_t mode = argc > 2 ? (mode_t)strtol(argv[2], NULL, 8) : 0600;

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
  /* Tell the parent we are listening. */
  if (write_all("READY\n", 6) < 0) cleanup(0);

  static char payload[65536];
  char control[CMSG_SPACE(sizeof(struct ucred))];
  for (;;) {
    struct iovec iov = {payload, sizeof payload};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("hearth-dgram: recvmsg");
      cleanup(0);
    }
    struct ucred cred = {0, (uid_t)-1, (gid_t)-1};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) memcpy(&cred, CMSG_DATA(c), sizeof cred);
    }
    char header[96];
    int h = snprintf(header, sizeof header, "%d %d %d %zd\n", (int)cred.pid, (int)cred.uid, (int)cred.gid, n);
    if (write_all(header, (size_t)h) < 0 || write_all(payload, (size_t)n) < 0) cleanup(0);
  }
}
