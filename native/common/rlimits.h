/*
 * Resource limits named as prlimit(1) names them ("nofile=1024:4096"):
 * shared by hearth-cgexec and hearth-spawner, so both read a limit the same way.
 */
#ifndef HEARTH_RLIMITS_H
#define HEARTH_RLIMITS_H

#include <sys/resource.h>

/*
 * Parses "NAME=SOFT:HARD" (SOFT and HARD a number or "unlimited") into the
 * resource and its values; 0 on success, -1 when the text is not one.
 */
int rlimit_parse(const char *spec, int *resource, struct rlimit *rl);

#endif
