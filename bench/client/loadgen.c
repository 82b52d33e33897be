/*
 * loadgen: a small loopback load client for hearth's benchmarks, in C so the
 * client is never what limits the numbers (bench/run.mjs checks its CPU use).
 *
 *   loadgen conn PORT SECONDS [SEND_BYTES]   connect, send, read to EOF, close; repeat
 *   loadgen thru PORT BYTES                  one connection: send BYTES, read them back
 *   loadgen http PORT SECONDS CONNS [close]  keep-alive GET / on CONNS connections, or a new
 *                                            connection per request with "close"; a request
 *                                            without a whole 200 answer is a failure
 *
 * Prints one JSON line: {"ok":N,"failed":N,"seconds":S,"bytes":B,"cpu":C}
 * Only ever connects to 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One keep-alive HTTP client connection of the http mode. */
struct hconn {
  int fd;
  size_t have;
  int waiting; /* a request is out, its answer not complete */
  char in[8192];
};

static const char KEEP_ALIVE[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char CLOSE[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
static const char *request = KEEP_ALIVE;
static size_t request_len = sizeof KEEP_ALIVE - 1;

static int hconn_open(struct hconn *c, int port) {
  c->fd = dial(port);
  c->have = 0;
  c->waiting = 0;
  if (c->fd < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (write(c->fd, request, request_len) != (ssize_t)request_len) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  c->waiting = 1;
  return 0;
}

/* Length of a complete response at the start of buf, 0 if incomplete, -1 if not a 200. */
static long http_complete(const char *buf, size_t n, int *close_after) {
  const char *end = memmem(buf, n, "\r\n\r\n", 4);
  if (!end) return 0;
  if (n < 12 || memcmp(buf + 9, "200", 3) != 0) return -1;
  size_t head = (size_t)(end - buf) + 4;
  const char *cl = memmem(buf, head, "ontent-Length:", 14);
  if (!cl) cl = memmem(buf, head, "ontent-length:", 14);
  long body = cl ? atol(cl + 14) : 0;
  *close_after = memmem(buf, head, "onnection: close", 16) != NULL;
  return head + body <= n ? (long)(head + body) : 0;
}

static int http_mode(int port, double seconds, int conns) {
  struct hconn *cs = calloc((size_t)conns, sizeof *cs);
  struct pollfd *ps = calloc((size_t)conns, sizeof *ps);
  long ok = 0, failed = 0;
  double t0 = now(), end = t0 + seconds;
  for (int i = 0; i < conns; i++)
    if (hconn_open(&cs[i], port) < 0) failed++;
  while (now() < end) {
    for (int i = 0; i < conns; i++) {
      if (cs[i].fd < 0 && hconn_open(&cs[i], port) < 0) {
        failed++;
        usleep(1000); /* a refused connect is counted once per millisecond, not spun on */
      }
      ps[i].fd = cs[i].fd;
      ps[i].events = POLLIN;
      ps[i].revents = 0;
    }
    if (poll(ps, (nfds_t)conns, 100) <= 0) continue;
    for (int i = 0; i < conns; i++) {
      struct hconn *c = &cs[i];
      if (c->fd < 0 || !(ps[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(c->fd, c->in + c->have, sizeof c->in - c->have);
      if (n <= 0) {
        if (c->waiting) failed++; /* closed or reset with a request unanswered */
        close(c->fd);
        c->fd = -1;
        continue;
      }
      c->have += (size_t)n;
      int close_after = 0;
      long len = http_complete(c->in, c->have, &close_after);
      if (len == 0 && c->have < sizeof c->in) continue;
      if (len <= 0) {
        failed++;
        close(c->fd);
        c->fd = -1;
        continue;
      }
      ok++;
      c->waiting = 0;
      memmove(c->in, c->in + len, c->have - (size_t)len);
      c->have -= (size_t)len;
      if (close_after) {
        close(c->fd);
        c->fd = -1;
      } else if (write(c->fd, request, request_len) == (ssize_t)request_len) {
        c->waiting = 1;
      } else {
        failed++;
        close(c->fd);
        c->fd = -1;
      }
    }
  }
  printf("{\"ok\":%ld,\"failed\":%ld,\"seconds\":%.4f,\"bytes\":0,\"cpu\":%.4f}\n", ok, failed, now() - t0, cpu());
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: loadgen conn PORT SECONDS [SEND_BYTES] | loadgen thru PORT BYTES | loadgen http PORT SECONDS CONNS\n");
    return 2;
  }
  int port = atoi(argv[2]);
  static char buf[1 << 16];
  memset(buf, 'x', sizeof buf);
  buf[sizeof buf - 1] = '\n';
  if (strcmp(argv[1], "conn") == 0) {
    double seconds = atof(argv[3]);
    int send_bytes = argc > 4 ? atoi(argv[4]) : 0;
    long ok = 0, failed = 0, bytes = 0;
    double t0 = now(), end = t0 + seconds;
    while (now() < end) {
      int fd = dial(port);
      if (fd < 0) {
        failed++;
        continue;
      }
      if (send_bytes > 0) {
        buf[send_bytes - 1] = '\n';
        if (write(fd, buf, (size_t)send_bytes) != send_bytes) {
          failed++;
          close(fd);
          continue;
        }
        buf[send_bytes - 1] = 'x';
        shutdown(fd, SHUT_WR);
      }
      long got = 0;
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf - 1)) > 0) got += n;
      memset(buf, 'x', 64);
      close(fd);
      if (n < 0 || got == 0) failed++;
      else {
        ok++;
        bytes += got;
      }
    }
    printf("{\"ok\":%ld,\"failed\":%ld,\"seconds\":%.4f,\"bytes\":%ld,\"cpu\":%.4f}\n", ok, failed, now() - t0, bytes, cpu());
    return 0;
  }
  if (strcmp(argv[1], "thru") == 0) {
    long total = atol(argv[3]);
    int fd = dial(port);
    if (fd < 0) {
      perror("loadgen: connect");
      return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    long sent = 0, got = 0;
    double t0 = now();
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    while (got < total) {
      p.events = POLLIN | (sent < total ? POLLOUT : 0);
      if (poll(&p, 1, 10000) <= 0) break;
      if ((p.revents & POLLOUT) && sent < total) {
        long chunk = total - sent < (long)sizeof buf ? total - sent : (long)sizeof buf;
        ssize_t n = write(fd, buf, (size_t)chunk);
        if (n > 0) sent += n;
        if (sent >= total) shutdown(fd, SHUT_WR);
      }
      if (p.revents & (POLLIN | POLLHUP)) {
        static char in[1 << 16];
        ssize_t n = read(fd, in, sizeof in);
        if (n <= 0) break;
        got += n;
      }
    }
    double secs = now() - t0;
    close(fd);
    printf("{\"ok\":%d,\"failed\":%d,\"seconds\":%.4f,\"bytes\":%ld,\"cpu\":%.4f}\n", got == total, got != total, secs, got, cpu());
    return got == total ? 0 : 1;
  }
  if (strcmp(argv[1], "http") == 0) {
    if (argc > 5 && strcmp(argv[5], "close") == 0) {
      request = CLOSE;
      request_len = sizeof CLOSE - 1;
    }
    return http_mode(port, atof(argv[3]), argc > 4 ? atoi(argv[4]) : 8);
  }
  fprintf(stderr, "loadgen: unknown mode %s\n", argv[1]);
  return 2;
}
