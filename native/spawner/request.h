/*
 * What every start request to hearth-spawner carries, a server's or a
 * service's: its "id", and the program ("file", "argv", "env", "umask").
 * Read here once, so both kinds check them alike.
 */
#ifndef HEARTH_SPAWNER_REQUEST_H
#define HEARTH_SPAWNER_REQUEST_H

#include <sys/types.h>

#include "json.h"

#define MAX_ARGS 4096 /* argv and env entries, each */

struct program {
  const char *file; /* absolute path */
  char **argv;      /* NULL-terminated, not empty; entries point into the parsed line */
  char **envp;      /* NULL-terminated "NAME=value" */
  int set_umask;
  mode_t umask;
};

/* The request's "id" into *id; 0 after replying (without an id) that it has none. */
int request_id(jparser *j, int req, double *id);

/* The program fields into *p; 0 after replying with the field at fault. Free with program_free either way. */
int read_program(jparser *j, int req, double id, struct program *p);

void program_free(struct program *p);

/*
 * A list field: absent or null (no entries), or an array of at most `max`
 * strings, each accepted by ok(entry, index, ctx). `holds` says what the
 * array holds and `entry` what each entry must be, for the errors
 * ("\"joins\" must be an array of <holds>", "\"joins\"[2] must be <entry>").
 * Returns the count; -1 after replying with the error.
 */
int read_list(jparser *j, jnode *arr, const char *field, const char *holds, const char *entry, int max,
              int (*ok)(const char *s, int i, void *ctx), void *ctx, double id);

#endif
