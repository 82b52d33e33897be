/*
 * A request to start a service's process (a message that carries no
 * connection):
 *
 *   {"id":N,"file":"/abs","argv":[..],"env":["K=V",..],"cwd":"/abs"?,"umask":N?,
 *    "stdio":[IN,OUT,ERR],"rlimits":["nofile=1024:4096",..]?,
 *    "cgroup":"/sys/fs/cgroup/…/NAME.service"?,"joins":["/…/cgroup.procs",..]?}
 *
 * IN, OUT and ERR are null (/dev/null), the absolute path of a FIFO (a
 * service's output pipe: the helper opens it read-write, so hearthd holds no
 * descriptor for a start in flight, however many are), or the number of a
 * descriptor hearthd holds open (a file, never a socket): the helper opens
 * the same file through /proc/HEARTHD/fd/N with the access mode hearthd has.
 * hearthd keeps such a descriptor open until the reply.
 *
 *   reply:  {"id":N,"pid":P}  or  {"id":N,"error":"..."}; the exit comes later
 *           as for per-connection servers.
 */
#ifndef HEARTH_SPAWNER_SERVICE_REQUEST_H
#define HEARTH_SPAWNER_SERVICE_REQUEST_H

#include <stddef.h>
#include <sys/types.h>

#include "json.h"

/* Whether a parsed request is one for a service (it has "stdio"). */
int is_service_request(jparser *j, int req);

enum start_how {
  START_IN_FLIGHT, /* reply when the outcome comes (see in-flight.h), if there is room; else wait for it */
  START_WAITING,   /* wait for the outcome here (no copy of the request could be kept) */
  START_OLD_WAY,   /* a second attempt: fork, join by writing, and wait for the outcome */
};

/*
 * Checks the request, starts the process and replies (now, or when its
 * outcome comes). hearthd: the pid whose descriptors "stdio" names. line:
 * the request's text as it came, before parsing, kept for a second attempt.
 */
void start_service(jparser *j, int req, pid_t hearthd, const char *line, size_t len, enum start_how how);

#endif
