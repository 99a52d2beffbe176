/*
 * qv-supervisor: the per-guest supervisor process.
 *
 * One supervisor per running guest, run as `qvirt __supervise`.  It holds
 * run/NAME.lock for as long as it lives (so two starts cannot both run
 * the guest), starts QEMU as its child in a session of QEMU's own (so
 * QEMU outlives it), verifies QEMU's block graph, holds the QMP
 * connection, records events, answers the CLI on run/NAME.sock, and when
 * QEMU exits records why and removes the run files.  In reattach mode it
 * takes over a QEMU whose supervisor died, watching it with a pidfd.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    QV_SUPERVISE_START,
    QV_SUPERVISE_REATTACH,
    QV_SUPERVISE_INCOMING,   /* a migration's destination (qv-sup-incoming.c) */

    QV_SUPERVISE_LAST
} QvSuperviseMode;

/* "start", "reattach", "incoming" */
const char *qv_supervise_mode_to_string(QvSuperviseMode mode);
int qv_supervise_mode_from_string(const char *s);

typedef struct {
    const char *root;        /* --root, or NULL */
    const char *name;
    QvSuperviseMode mode;
    bool paused;
    int report_fd;           /* where the one report goes; -1: nowhere */
} QvSuperviseArgs;

/* Run the supervisor; returns the process exit status */
int qv_supervisor_main(const QvSuperviseArgs *args);

G_END_DECLS
