/*
 * qv-security-conf: how QEMU is confined, from qemu.conf with libvirt's
 * keys: user, group, dynamic_ownership, remember_owner, security_driver
 * and seccomp_sandbox.  The lock manager's key (lock_manager) is
 * src/locking's; libvirt's other keys are accepted and not applied; a
 * key libvirt does not know either, a value of the wrong type, or a key
 * given twice is an error naming the file, the line and the key.
 *
 * The QEMU user as it is applied (qv_security_resolve):
 * - run by root with security_driver "dac" (the default): `user` and
 *   `group` (default qvirt-qemu:qvirt-qemu; a name or "+UID"/"+GID"),
 *   with the user's supplementary groups (kvm when it is in it);
 * - run by another user, or security_driver "none": QEMU runs as the
 *   caller and no file is relabelled (what qvirt did before).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define QV_SECURITY_DEFAULT_USER "qvirt-qemu"
#define QV_SECURITY_DEFAULT_GROUP "qvirt-qemu"

typedef enum {
    QV_SECURITY_DRIVER_DAC,
    QV_SECURITY_DRIVER_NONE,
    QV_SECURITY_DRIVER_LAST
} QvSecurityDriver;

const char *qv_security_driver_to_string(QvSecurityDriver d);
int qv_security_driver_from_string(const char *s);

typedef struct {
    char *user;                 /* NULL: the default (as root) */
    char *group;                /* NULL: the user's group, or the default */
    bool dynamic_ownership;     /* default true: files are labelled for QEMU */
    bool remember_owner;        /* default true: the owner kept in xattrs */
    QvSecurityDriver driver;    /* default dac */
    int seccomp_sandbox;        /* -1: QEMU's default (none), 0: off, 1: on (default) */
} QvSecurityConfig;

QvSecurityConfig *qv_security_config_new_defaults(void);
void qv_security_config_free(QvSecurityConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvSecurityConfig, qv_security_config_free)

/* @len bytes of a qemu.conf's text (@origin names it in messages) into
 * @cfg, which is left as it was on error */
bool qv_security_config_parse(QvSecurityConfig *cfg, const char *text, size_t len,
                              const char *origin, GError **error);
/* @config_dir/qemu.conf; a missing file is the defaults */
QvSecurityConfig *qv_security_config_load(const char *config_dir, GError **error);

/* Who QEMU runs as */
typedef struct {
    bool change;                /* false: as the caller, nothing relabelled */
    uid_t uid;
    gid_t gid;
    gid_t *groups;              /* supplementary groups (gid included) */
    int ngroups;
    char *user;                 /* for messages: "qvirt-qemu", "+107" */
    char *group;
} QvQemuCred;

void qv_qemu_cred_free(QvQemuCred *cred);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvQemuCred, qv_qemu_cred_free)

/* The credentials @cfg gives QEMU when run by the effective user; a user
 * or group that does not exist is an error saying how to create it */
QvQemuCred *qv_security_resolve(const QvSecurityConfig *cfg, GError **error);

G_END_DECLS
