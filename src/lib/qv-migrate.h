/*
 * qv-migrate: what the two sides of a migration share.
 *
 * The command that migrates (qvirt_domain_migrate, qv-migrate.c) drives
 * both sides: the source's supervisor over its control socket, and the
 * destination through `qvirt __migrate-incoming [--root ROOT]`, run on
 * this host or through ssh (qv-migrate-dst.c), which speaks the
 * migration protocol on its stdin and stdout: one JSON object per line
 * each way, documented in docs/migration-protocol.md.  Its version is
 * QV_MIGRATE_PROTOCOL; a side that gets another refuses with both.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

G_BEGIN_DECLS

#define QV_MIGRATE_PROTOCOL 1

/* The destination's ports for TCP streams, libvirt's default range */
#define QV_MIGRATE_PORT_MIN 49152
#define QV_MIGRATE_PORT_MAX 49215

/* The destination's side as seen from the migrating command: a process
 * (qvirt __migrate-incoming, locally or through ssh) with a pipe each
 * way, qv-migrate-peer.c */
typedef struct {
    GPid pid;
    int to, from;                /* its stdin, stdout */
    char *errlog;                /* its stderr */
    char *host;                  /* where its streams listen (tcp), or NULL: unix */
    char *what;                  /* "the destination 'URI'" */
    bool answered;               /* the last peer_call got an answer */
} Peer;

/* Start it for @uri (qvirt:///ROOT, qvirt+ssh://...) */
bool qv_migrate_peer_start(const char *uri, Peer *p, GError **error);
/* Close its pipes and reap it (killed if it does not end) */
void qv_migrate_peer_close(Peer *p);
/* What it wrote on stderr, or NULL */
char *qv_migrate_peer_stderr(Peer *p);
/* Prefix @error with its name and what it wrote on stderr */
void qv_migrate_peer_fail(Peer *p, GError **error);
/* Send @msg (stolen) and read the answer; p->answered tells whether
 * one came */
bool qv_migrate_peer_call(Peer *p, json_object *msg, unsigned int timeout_s, json_object **ret,
                          GError **error);

/* `qvirt __migrate-incoming`: the destination's side; @root may be NULL.
 * Returns the exit status. */
int qv_migrate_incoming_main(const char *root, int in_fd, int out_fd);

/* This host's boot id (/proc/sys/kernel/random/boot_id), a new string */
char *qv_migrate_boot_id(void);

G_END_DECLS
