/*
 * hearth-spawner's replies to hearthd: collected in a buffer and written to
 * the IPC channel without ever blocking (ack() tries at once: Node waits for
 * it). A spawner blocked on a busy hearthd would stop reaping: its children
 * would pile up as zombies, and hearthd's stops would wait on them.
 */
#ifndef HEARTH_SPAWNER_REPLY_H
#define HEARTH_SPAWNER_REPLY_H

#include <stddef.h>
#include <sys/types.h>

/* The channel replies go to (NODE_CHANNEL_FD). */
void reply_channel(int fd);

void out_raw(const char *s, size_t n);
/* A string literal, its length counted by the compiler. */
#define OUT_LIT(s) out_raw(s, sizeof s - 1)
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A JSON string literal; the text may come from a request, so all of it is escaped. */
void out_json_string(const char *s);

/* {"id":ID,"error":MESSAGE}, or {"error":MESSAGE} without an id. */
void reply_error(double id, int has_id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* {"cmd":CMD}, written at once. */
void ack(const char *cmd);

/* Request `id` started process `pid`: {"id":N,"pid":P}. */
void report_started(double id, pid_t pid);

/* A child's exit, as waitpid(2) gave it: {"pid":P,"code":C,"signal":null} or {"pid":P,"code":null,"signal":S}. */
void report_exit(pid_t pid, int status);

/* Writes what the channel takes now; the rest stays for the next call. Exits quietly when hearthd is gone. */
void flush_some(void);
/* Whether anything waits to be written (then poll the channel for POLLOUT). */
int out_pending(void);

#endif
