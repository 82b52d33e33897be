/*
 * loadgen: a small loopback load client for hearth's benchmarks, in C so the
 * client is never what limits the numbers (bench/run.mjs checks its CPU use).
 *
 *   loadgen conn PORT SECONDS [SEND_BYTES]   connect, send, read to EOF, close; repeat
 *   loadgen thru PORT BYTES                  one connection: send BYTES, read them back
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

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: loadgen conn PORT SECONDS [SEND_BYTES] | loadgen thru PORT BYTES\n");
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
  fprintf(stderr, "loadgen: unknown mode %s\n", argv[1]);
  return 2;
}
