/*
 * hearth-init: the PID 1 (or subreaper) under hearthd.
 *
 * Node reaps only the children it spawned itself, so orphans re-parented to a
 * Node PID 1 would stay zombies forever. bin/hearthd execs this helper when it
 * finds itself PID 1 (or is asked to be a subreaper): it starts hearthd as its
 * only direct child, reaps every other process re-parented to it, forwards
 * the signals a container runtime sends (TERM, INT, HUP, QUIT, USR1, USR2) to
 * hearthd, and exits with hearthd's own exit status. hearthd's children stay
 * hearthd's children, so their exit statuses are never stolen.
 *
 * usage: hearth-init [--subreaper] -- PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

int main(int argc, char **argv) {
  int i = 1, subreaper = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--subreaper") == 0) subreaper = 1;
    else if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else {
      fprintf(stderr, "hearth-init: unknown option %s\nusage: hearth-init [--subreaper] -- PROGRAM [ARGS...]\n", argv[i]);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "usage: hearth-init [--subreaper] -- PROGRAM [ARGS...]\n");
    return 2;
  }
  if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) perror("hearth-init: PR_SET_CHILD_SUBREAPER");

  /* Block the forwarded signals; sigwaitinfo() takes them synchronously below. */
  sigset_t set, old;
  sigemptyset(&set);
  for (size_t s = 0; s < NFORWARDED; s++) sigaddset(&set, forwarded[s]);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &old);

  pid_t child = fork();
  if (child < 0) {
    perror("hearth-init: fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[i], argv + i);
    fprintf(stderr, "hearth-init: cannot run %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("hearth-init: sigwaitinfo");
      return 1;
    }
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    /* Reap everything that has ended: hearthd itself and any orphan. */
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) {
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
      }
    }
  }
}
