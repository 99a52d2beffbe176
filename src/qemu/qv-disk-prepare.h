/*
 * qv-disk-prepare: get a guest's disks ready for QEMU: resolve every chain
 * that was not given (by reading the images), check that every file of
 * every chain exists, and apply each disk's startupPolicy.
 *
 * The check happens before QEMU starts so that a missing backing file is
 * reported by name, with the image that needs it, instead of QEMU's error
 * about the top image.
 */
#pragma once

#include "conf/qv-domain.h"

G_BEGIN_DECLS

typedef enum {
    QV_START_COLD,       /* a fresh start */
    QV_START_RESTORE,    /* from a saved state */
    QV_START_MIGRATE,    /* incoming migration */

    QV_START_LAST
} QvStartReason;

/*
 * Prepare @def's disks in place.  A disk whose files are missing is:
 *  - mandatory (the default): an error, naming the missing file and the
 *    image that needs it;
 *  - requisite: an error on a cold start; dropped on restore and
 *    migration;
 *  - optional: dropped (a hard disk) or started empty (cdrom, floppy).
 * Every drop appends a line to @dropped ("disk 'vdb' dropped: ...").
 * Other problems (a corrupt header, a loop, an unsafe guessed format) are
 * errors whatever the policy.
 */
bool qv_disks_prepare(QvDomainDef *def, QvStartReason reason,
                      GPtrArray *dropped, GError **error);

G_END_DECLS
