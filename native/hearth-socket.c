/*
 * hearth-socket: hold a socket unit's listening sockets for hearthd.
 *
 * Node cannot create every kind of socket a .socket unit may ask for (unix
 * datagram and seqpacket sockets, abstract names), and cannot hand an fd it
 * does not have to a child. This helper creates and holds them; a service's
 * launch chain fetches copies of them (hearth-exec --receive-fds) over a
 * private control socket with SCM_RIGHTS, so the sockets outlive every
 * process of the service, as under systemd.
 *
 * usage: hearth-socket [OPTION]... CONTROL_PATH KIND ADDRESS [KIND ADDRESS]...
 *   KIND     stream | dgram | seqpacket
 *   ADDRESS  /path (unix), @name (abstract), PORT (every address), HOST:PORT, [V6]:PORT
 *   --mode OCTAL       unix socket files' mode (default 0666)
 *   --owner UID:GID    unix socket files' owner
 *   --backlog N        listen backlog (default 4096)
 *   --ipv6-only        an IPv6 socket takes no IPv4 (default: both)
 *   --reuse-port, --free-bind, --remove-on-exit
 * Prints "ready PORT..." (0 for unix sockets) once everything is bound, and
 * "readable" when a connection or datagram waits while armed; reads "arm"
 * lines on stdin. Ends when stdin closes or hearthd dies.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS 64

static int fds[MAX_SOCKETS];
static char *paths[MAX_SOCKETS];
static int count = 0;
static const char *control_path;
static int remove_on_exit = 0;

static void cleanup(int sig) {
  if (control_path) unlink(control_path);
  if (remove_on_exit)
    for (int i = 0; i < count; i++)
      if (paths[i]) unlink(paths[i]);
  _exit(sig == 0 ? 0 : 128 + sig);
}

static int die(const char *what, const char *arg) {
  fprintf(stderr, "hearth-socket: %s %s: %s\n", what, arg, strerror(errno));
  cleanup(0);
  return 1;
}

static int unix_address(struct sockaddr_un *a, socklen_t *len, const char *text) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  size_t n = strlen(text);
  if (n >= sizeof a->sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(a->sun_path, text, n);
  if (text[0] == '@') a->sun_path[0] = '\0';
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (text[0] == '@' ? 0 : 1));
  return 0;
}

/* PORT, HOST:PORT or [V6]:PORT. */
static int inet_address(struct sockaddr_storage *ss, socklen_t *len, const char *text) {
  char host[128] = "";
  const char *port;
  memset(ss, 0, sizeof *ss);
  if (text[0] == '[') {
    const char *end = strchr(text, ']');
    if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof host) return -1;
    memcpy(host, text + 1, (size_t)(end - text - 1));
    port = end + 2;
  } else if (strchr(text, ':')) {
    const char *colon = strrchr(text, ':');
    if ((size_t)(colon - text) >= sizeof host) return -1;
    memcpy(host, text, (size_t)(colon - text));
    port = colon + 1;
  } else port = text;
  int p = atoi(port);
  if (p < 0 || p > 65535) return -1;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  if (host[0] == '\0' || strchr(host, ':')) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)p);
    s6->sin6_addr = in6addr_any;
    if (host[0] && inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) return -1;
    *len = sizeof *s6;
  } else {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)p);
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) return -1;
    *len = sizeof *s4;
  }
  return 0;
}

static int port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return 0;
}

static int send_fds(int conn) {
  char dummy = 'x';
  struct iovec iov = {&dummy, 1};
  char control[CMSG_SPACE(sizeof(int) * MAX_SOCKETS)];
  memset(control, 0, sizeof control);
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)count);
  return sendmsg(conn, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  mode_t mode = 0666;
  long uid = -1, gid = -1;
  int backlog = 4096, v6only = 0, reuse_port = 0, free_bind = 0;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) mode = (mode_t)strtol(argv[++i], NULL, 8);
    else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc) {
      if (sscanf(argv[++i], "%ld:%ld", &uid, &gid) != 2) return 2;
    } else if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc) backlog = atoi(argv[++i]);
    else if (strcmp(argv[i], "--ipv6-only") == 0) v6only = 1;
    else if (strcmp(argv[i], "--reuse-port") == 0) reuse_port = 1;
    else if (strcmp(argv[i], "--free-bind") == 0) free_bind = 1;
    else if (strcmp(argv[i], "--remove-on-exit") == 0) remove_on_exit = 1;
    else {
      fprintf(stderr, "hearth-socket: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (argc - i < 3 || (argc - i - 1) % 2 != 0) {
    fputs("usage: hearth-socket [OPTION]... CONTROL_PATH KIND ADDRESS [KIND ADDRESS]...\n", stderr);
    return 2;
  }
  control_path = argv[i++];
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1;
  signal(SIGTERM, cleanup);
  signal(SIGINT, cleanup);
  signal(SIGHUP, cleanup);
  signal(SIGPIPE, SIG_IGN);

  for (; i + 1 < argc && count < MAX_SOCKETS; i += 2) {
    const char *kind = argv[i], *address = argv[i + 1];
    int type = strcmp(kind, "stream") == 0 ? SOCK_STREAM : strcmp(kind, "dgram") == 0 ? SOCK_DGRAM : strcmp(kind, "seqpacket") == 0 ? SOCK_SEQPACKET : -1;
    if (type < 0) {
      fprintf(stderr, "hearth-socket: unknown socket kind %s\n", kind);
      cleanup(0);
    }
    int is_unix = address[0] == '/' || address[0] == '@';
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;
    if (is_unix) {
      if (unix_address((struct sockaddr_un *)&ss, &len, address) != 0) return die("bad unix socket address", address);
      fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
      if (fd < 0) return die("cannot create a socket for", address);
      if (address[0] == '/') {
        unlink(address);
        paths[count] = (char *)address;
      }
    } else {
      if (inet_address(&ss, &len, address) != 0) {
        errno = EINVAL;
        return die("bad address", address);
      }
      fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
      if (fd < 0) return die("cannot create a socket for", address);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      if (free_bind) setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
      if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) return die("cannot bind", address);
    if (address[0] == '/') {
      if (chmod(address, mode) != 0) return die("cannot set the mode of", address);
      if ((uid >= 0 || gid >= 0) && chown(address, (uid_t)uid, (gid_t)gid) != 0) return die("cannot set the owner of", address);
    }
    if (type != SOCK_DGRAM && listen(fd, backlog) != 0) return die("cannot listen on", address);
    fds[count++] = fd;
  }

  struct sockaddr_un ctl;
  socklen_t ctl_len;
  if (unix_address(&ctl, &ctl_len, control_path) != 0) return die("bad control path", control_path);
  int control = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(control_path);
  mode_t old = umask(0077);
  if (control < 0 || bind(control, (struct sockaddr *)&ctl, ctl_len) != 0 || listen(control, 64) != 0) return die("cannot open the control socket", control_path);
  umask(old);

  printf("ready");
  for (int k = 0; k < count; k++) printf(" %d", port_of(fds[k]));
  printf("\n");
  fflush(stdout);

  int armed = 1;
  char line[64];
  size_t have = 0;
  for (;;) {
    struct pollfd p[MAX_SOCKETS + 2];
    int n = 0;
    p[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
    p[n++] = (struct pollfd){control, POLLIN, 0};
    if (armed)
      for (int k = 0; k < count; k++) p[n++] = (struct pollfd){fds[k], POLLIN, 0};
    if (poll(p, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return die("poll", "");
    }
    if (p[0].revents) {
      ssize_t r = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
      if (r <= 0) cleanup(0);
      have += (size_t)r;
      line[have] = '\0';
      char *nl;
      while ((nl = strchr(line, '\n'))) {
        if (strncmp(line, "arm", 3) == 0) armed = 1;
        memmove(line, nl + 1, have - (size_t)(nl + 1 - line) + 1);
        have -= (size_t)(nl + 1 - line);
      }
      if (have >= sizeof line - 1) have = 0;
    }
    if (p[1].revents & POLLIN) {
      int conn = accept4(control, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        send_fds(conn);
        close(conn);
      }
    }
    for (int k = 2; k < n; k++) {
      if (p[k].revents & (POLLIN | POLLERR | POLLHUP)) {
        armed = 0;
        fputs("readable\n", stdout);
        fflush(stdout);
        break;
      }
    }
  }
}
