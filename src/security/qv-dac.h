/*
 * qv-dac: file ownership for an unprivileged QEMU (libvirt's DAC driver,
 * with everything it changes restored).
 *
 * Labelling a file gives QEMU's user (QvQemuCred) the access it needs and
 * nothing more, decided from what qvirt tracks (no image is read):
 * - QV_DAC_WRITE (a top image, a copy's destination, a commit's base, a
 *   new snapshot overlay): owned by QEMU's uid:gid, as libvirt does;
 * - QV_DAC_READ (backing layers, <readonly/> images): the owner is kept,
 *   the group becomes QEMU's with g+r and g-w: readable, never writable;
 * - a file QEMU can already use as asked is left alone;
 * - an explicit label (<seclabel model='dac'><label>+UID:+GID</label>)
 *   is applied as given; relabel='no' leaves the file alone.
 *
 * What was there before is remembered in libvirt's xattrs, so a host
 * running libvirt too agrees on them: trusted.libvirt.security.dac (the
 * original "+UID:+GID"), ref_dac (how many users hold the label: every
 * label adds one, every restore takes one, the last restores the owner)
 * and timestamp_dac (the host's boot time: xattrs of an earlier boot are
 * stale and wiped).  The original mode, when qvirt changes it, goes in
 * trusted.qvirt.security.mode_dac beside them.  Without xattrs
 * (remember_owner = 0, or a file system without trusted.*) the original
 * is kept in the caller's record (QvDacLabel) and restored from there,
 * except for files other guests may use at the same time (shared: a
 * backing layer, <shareable/>, <readonly/>), which are then never
 * restored, as in libvirt.
 *
 * A QvDacLabel is one held label; its JSON form lets a supervisor that
 * died be replaced by one that restores what the first one labelled.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "security/qv-security-conf.h"

G_BEGIN_DECLS

#define QV_DAC_XATTR_LABEL "trusted.libvirt.security.dac"
#define QV_DAC_XATTR_REF "trusted.libvirt.security.ref_dac"
#define QV_DAC_XATTR_TIMESTAMP "trusted.libvirt.security.timestamp_dac"
#define QV_DAC_XATTR_MODE "trusted.qvirt.security.mode_dac"

typedef enum {
    QV_DAC_READ,
    QV_DAC_WRITE,
    QV_DAC_ACCESS_LAST
} QvDacAccess;

typedef enum {
    QV_DAC_UNTOUCHED,           /* nothing was changed or counted */
    QV_DAC_REMEMBERED,          /* one reference in the file's xattrs */
    QV_DAC_RECORDED,            /* changed; the original is in the record */
    QV_DAC_HOW_LAST
} QvDacHow;

typedef struct {
    char *path;
    QvDacAccess access;
    bool shared;                /* other guests may use it at the same time */
    QvDacHow how;
    uid_t uid;                  /* RECORDED: the original owner and mode */
    gid_t gid;
    mode_t mode;
} QvDacLabel;

void qv_dac_label_free(QvDacLabel *label);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvDacLabel, qv_dac_label_free)

/* What a file is labelled with, for one element of a chain */
typedef struct {
    const char *path;
    QvDacAccess access;
    bool shared;
    bool norelabel;             /* <seclabel model='dac' relabel='no'> */
    const char *label;          /* "+UID:+GID" from <seclabel><label>, or NULL */
} QvDacRequest;

typedef struct {
    const QvQemuCred *cred;     /* borrowed; cred->change false: nothing is done */
    bool dynamic_ownership;
    bool remember_owner;
} QvDac;

/* Label @req->path for QEMU before QEMU opens it; *@out is what to
 * restore (an UNTOUCHED label when nothing was done).  A file that
 * cannot be labelled is an error naming it. */
bool qv_dac_label(const QvDac *dac, const QvDacRequest *req, QvDacLabel **out,
                  GError **error);

/* Revoke @label once QEMU let go of the file: one reference dropped,
 * the original owner and mode back when it was the last.  Needs no
 * configuration (a new supervisor restores what an old one labelled).
 * A file gone meanwhile is not an error. */
bool qv_dac_restore(const QvDacLabel *label, GError **error);

/* Can QEMU (@cred) open each of @reqs as asked, folders included?  Tried
 * for real in a child running as @cred (ACLs count); the error names the
 * file or the folder that stops it, QEMU's user and the fix. */
bool qv_dac_check_access(const QvQemuCred *cred, const QvDacRequest *reqs, size_t nreqs,
                         GError **error);

/* The host's boot time as libvirt writes it in timestamp_dac */
char *qv_dac_boot_timestamp(void);

/* "+UID:+GID" (or "user:group" names) into its numbers */
bool qv_dac_parse_label(const char *s, uid_t *uid, gid_t *gid);

json_object *qv_dac_label_to_json(const QvDacLabel *label);
QvDacLabel *qv_dac_label_from_json(json_object *o);

/* A record of held labels (QvDacLabel) at @path: written atomically, or
 * removed when there is none; loaded (an empty array when missing or
 * unreadable); every label of it restored and the file removed (what a
 * guest whose QEMU and supervisor both died held) */
bool qv_dac_record_save(const char *path, GPtrArray *labels, GError **error);
GPtrArray *qv_dac_record_load(const char *path);
void qv_dac_record_restore(const char *path);

G_END_DECLS
