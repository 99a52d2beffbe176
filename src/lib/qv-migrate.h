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

/* `qvirt __migrate-incoming`: the destination's side; @root may be NULL.
 * Returns the exit status. */
int qv_migrate_incoming_main(const char *root, int in_fd, int out_fd);

/* This host's boot id (/proc/sys/kernel/random/boot_id), a new string */
char *qv_migrate_boot_id(void);

G_END_DECLS
