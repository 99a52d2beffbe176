/*
 * qv-lock-config: the lock manager's configuration, in libvirt's file
 * names and keys so that an admin can copy theirs: qemu.conf
 * (lock_manager), qemu-lockd.conf and qemu-sanlock.conf, read from
 * qvirt's configuration folder (/etc/qvirt, the XDG folder, or ROOT/etc).
 *
 * The syntax is libvirt's (virConf): `key = value` lines, `#` comments,
 * values a "double" or 'single' quoted string, an integer, or a list
 * [ "a", "b" ] spread over lines if need be.  A missing file is the
 * defaults; an unknown key, a value of the wrong type or out of range,
 * a key given twice, or a syntax error is an error naming the file, the
 * line and the key.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef enum {
    QV_LOCK_MANAGER_NOP,
    QV_LOCK_MANAGER_LOCKD,
    QV_LOCK_MANAGER_SANLOCK,
    QV_LOCK_MANAGER_LAST
} QvLockManagerKind;

const char *qv_lock_manager_kind_to_string(QvLockManagerKind kind);
int qv_lock_manager_kind_from_string(const char *s);

/* qemu-lockd.conf */
typedef struct {
    bool auto_disk_leases;          /* default true */
    bool require_lease_for_disks;   /* default !auto_disk_leases */
    char *file_lockspace_dir;       /* NULL: direct locks on the images */
    char *lvm_lockspace_dir;        /* NULL: none */
    char *scsi_lockspace_dir;       /* NULL: none */
} QvLockdConfig;

/* qemu-sanlock.conf */
typedef struct {
    bool auto_disk_leases;          /* default false */
    char *disk_lease_dir;           /* default /var/lib/libvirt/sanlock */
    unsigned int host_id;           /* 0: unset; else 1..2000 */
    bool require_lease_for_disks;   /* default !auto_disk_leases */
    unsigned int io_timeout;        /* seconds; 0: the daemon's default */
    char *user;                     /* owner of created files; NULL: unchanged */
    char *group;                    /* NULL: unchanged */
} QvSanlockConfig;

typedef struct {
    char *config_dir;               /* where the files were looked for */
    QvLockManagerKind manager;      /* qemu.conf lock_manager; default lockd */
    QvLockdConfig lockd;
    QvSanlockConfig sanlock;
} QvLockConfig;

/* Read the three files from @config_dir (each may be missing, as may
 * the folder; a file that cannot be read is an error naming it).  Every
 * file present is checked, not only the chosen manager's, so that a
 * mistake is found before the day it is used.  Messages name the file
 * by its full path. */
QvLockConfig *qv_lock_config_load(const char *config_dir, GError **error);
void qv_lock_config_free(QvLockConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvLockConfig, qv_lock_config_free)

/* The same from one document's text (@len bytes, no NUL needed; @origin
 * names it in messages), for one file: "qemu.conf", "qemu-lockd.conf" or
 * "qemu-sanlock.conf" (for tests and the fuzzer); @cfg holds the defaults
 * beforehand, and is left as it was when the text has an error */
bool qv_lock_config_parse(QvLockConfig *cfg, const char *file, const char *text,
                          size_t len, const char *origin, GError **error);

/* The defaults, with nothing read */
QvLockConfig *qv_lock_config_new_defaults(const char *config_dir);

G_END_DECLS
