/*
 * hearth-notify: send an sd_notify message from a shell script, like
 * systemd-notify, for systems without systemd.
 *
 *     hearth-notify --ready [--status=TEXT] [ASSIGNMENT...]
 *     hearth-notify READY=1 STATUS=warming\ up
 *
 * Sends the assignments, newline-separated, to the unix datagram socket named
 * by $NOTIFY_SOCKET ('@' prefix = abstract namespace). Exit 0 on success, 1 if
 * the socket is unset or the send failed, 2 on bad usage.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) {
    fprintf(stderr, "hearth-notify: NOTIFY_SOCKET is not set\n");
    return 1;
  }
  char msg[8192];
  size_t len = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char buf[4200];
    if (strcmp(a, "--ready") == 0) a = "READY=1";
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
    fprintf(stderr, "usage: hearth-notify [--ready] [--status=TEXT] [--pid=PID] [KEY=VALUE...]\n");
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
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, msg, len, 0, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen)) < 0) {
    perror("hearth-notify");
    return 1;
  }
  return 0;
}
