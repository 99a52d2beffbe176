/*
 * qv-paths: where qvirt keeps its files.
 *
 * Three roots: configuration (definitions), state (status, logs) and run
 * (sockets, pid files).  With a root folder (--root, or $QVIRT_ROOT) all
 * three live under it, which is how tests and simulated hosts run side
 * by side; otherwise root uses /etc, /var/lib and /run, and other users
 * the XDG folders.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *config_dir;
    char *state_dir;
    char *run_dir;
} QvPaths;

/* @root: NULL for $QVIRT_ROOT or the defaults; a relative root is taken
 * from the current folder.  Nothing is created. */
QvPaths *qv_paths_new(const char *root, GError **error);
void qv_paths_free(QvPaths *paths);

/* The root folder @paths live under (new string), or NULL when they are
 * the defaults (found again from the same environment) */
char *qv_paths_root(const QvPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvPaths, qv_paths_free)

G_END_DECLS
