#ifndef HEARTH_SPAWNER_VECTOR_H
#define HEARTH_SPAWNER_VECTOR_H

#include "json.h"

#define MAX_ARGS 4096 /* argv and env entries, each */

/*
 * A JSON array of strings as a NULL-terminated vector pointing into the
 * parsed line (free only the vector); NULL after replying with the error.
 * need_eq: every entry must be "NAME=value" (env).
 */
char **string_vector(jparser *j, jnode *arr, const char *name, int need_eq, double id);

#endif
