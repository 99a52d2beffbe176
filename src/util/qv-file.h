/*
 * qv-file: file helpers every stored document goes through: atomic
 * replacement, advisory locks, bounded reads, private logs, folder
 * creation.
 *
 * Errors name the file; failures never leave a partial file behind.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * Replace @path with @len bytes of @data, with permissions @mode: a
 * temporary file ".BASENAME.XXXXXX.tmp" in the same folder is written,
 * fsync'ed and renamed over @path, then the folder is fsync'ed.  On any
 * failure the temporary file is removed and @path is left as it was.
 */
bool qv_file_write_atomic(const char *path, const char *data, size_t len,
                          mode_t mode, GError **error);

/* The same without the fsyncs, for state that means nothing after the
 * host goes down (what a running QEMU holds): a reader still sees the
 * old file or the new one, never a part */
bool qv_file_replace(const char *path, const char *data, size_t len, mode_t mode,
                     GError **error);

/*
 * Open (creating it if needed) the lock file @path and flock() it, shared
 * or @exclusive; when !@wait, fail at once if another process holds it.
 * Returns the fd (close it to release) or -1.
 */
int qv_file_lock(const char *path, bool exclusive, bool wait, GError **error);

/* Read all of @path (at most @max bytes, else an error) into a new
 * NUL-terminated *@data; *@len (optional) gets its length */
bool qv_file_read_all(const char *path, char **data, size_t *len, size_t max,
                      GError **error);

/*
 * Open @path for writing with @flags (O_APPEND or O_TRUNC; O_CLOEXEC is
 * added), creating it private to its owner (0600): a guest's logs and
 * state can hold its secrets.  A file left with a wider mode (by an older
 * qvirt) is made private too.  Returns the fd, or -1 with errno set.
 */
int qv_file_open_private(const char *path, int flags);

/* fsync the folder @dir, making a rename or unlink in it durable */
bool qv_file_sync_dir(const char *dir, GError **error);

/* Create @path and its missing parents with @mode; an existing folder is fine */
bool qv_mkdir_p(const char *path, mode_t mode, GError **error);

G_END_DECLS
