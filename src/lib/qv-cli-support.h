/*
 * qv-cli-support: what the qvirt CLI needs beyond the public API, and
 * only that: the facts a person at the terminal is told that a program
 * has no use for (which file an error is in, whether a define created or
 * updated, what was kept but not applied, what a start dropped), the
 * recorded event log, and the supervisor process itself, which is the
 * qvirt executable run as `qvirt __supervise`.
 *
 * Like qvirt.h it includes no project header, so the CLI sees nothing of
 * the layers below src/lib (tests/check-layers.py checks both).
 */
#pragma once

#include <stdbool.h>

#include <qvirt/qvirt.h>

G_BEGIN_DECLS

/*
 * Whether a supervisor the CLI starts is a fork of it that runs the
 * supervisor directly (saves an exec and a second start-up), instead of
 * `qvirt __supervise`.  Only for a process without other threads that
 * holds nothing a supervisor must not inherit: the CLI.
 */
void qv_cli_fork_supervisors(bool on);

/* The domain XML in @path ('-': standard input), at most 64 MiB */
char *qv_cli_read_xml_file(const char *path, GError **error);

/*
 * qvirt_domain_define_xml with the file the XML came from (@origin) in
 * its errors; *@created: a new domain, not an update; *@kept (new string
 * or NULL): what is kept as written but not applied, one note a line.
 */
QvirtDomain *qv_cli_define_xml(QvirtConnect *conn, const char *xml,
                               const char *origin, unsigned int flags,
                               bool *created, char **kept, GError **error);

/* Every check of a define (QVIRT_DOMAIN_DEFINE_* @flags), storing nothing */
bool qv_cli_validate_xml(const char *xml, const char *origin,
                         unsigned int flags, GError **error);

/* qvirt_domain_create_with_flags, and in *@dropped (NULL-terminated,
 * g_strfreev) what the startup policies dropped, one line each */
int qv_cli_create(QvirtDomain *dom, unsigned int flags, char ***dropped,
                  GError **error);

/* The file of QMP events of the domain's last run, one JSON object a line */
char *qv_cli_events_path(QvirtDomain *dom);

/* The number of <lease>s of the stored definition, or -1 */
int qv_cli_lease_count(QvirtDomain *dom, GError **error);

/* The leases the QEMU of running domain @dom holds, as its supervisor
 * tells them: a JSON object (new string) with driver, host, qemu_pid,
 * released (paused: none held), state and leases [{key, what, mode,
 * fd, ...}] */
char *qv_cli_lock_status(QvirtDomain *dom, GError **error);

/*
 * virt-sanlock-cleanup for the lease folder of @conn's qemu-sanlock.conf:
 * every lease no host holds is removed (taken, then unlinked while
 * held); with @dry_run none is.  *@removed and *@kept (NULL-terminated,
 * g_strfreev) get the lease files.  An error when qvirt is built
 * without sanlock.
 */
bool qv_cli_sanlock_cleanup(QvirtConnect *conn, bool dry_run, char ***removed,
                            char ***kept, GError **error);

/*
 * The supervisor of domain @name (`qvirt __supervise`): @mode "start" or
 * "reattach"; the report goes to @report_fd.  Returns the process's exit
 * status, or -1 with @error set when the arguments are wrong.
 */
int qv_cli_supervise(const char *root, const char *name, const char *mode,
                     bool paused, int report_fd, GError **error);

G_END_DECLS
