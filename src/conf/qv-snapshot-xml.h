/*
 * qv-snapshot-xml: libvirt's <domainsnapshot> <-> QvSnapshotDef, for the
 * subset disk-only snapshots use: <name>, <description>, <state>,
 * <creationTime> and <disks> with one <disk name snapshot type> each,
 * holding <driver type> and <source>.
 *
 * The other elements libvirt's domainsnapshot schema knows (<memory>,
 * <parent>, <domain>, <inactiveDomain>, <active>, <cookie>) are kept
 * verbatim and written back, as the domain parser keeps what it does not
 * model; anything else is refused, naming the element, since qvirt ships
 * no snapshot schema to do it.  The formatter escapes every value, and
 * what it writes is valid against libvirt's domainsnapshot.rng.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/qv-source.h"

G_BEGIN_DECLS

/* A disk's snapshot attribute (libvirt's virDomainSnapshotLocation) */
typedef enum {
    QV_SNAPSHOT_LOCATION_DEFAULT,    /* not said */
    QV_SNAPSHOT_LOCATION_NO,
    QV_SNAPSHOT_LOCATION_INTERNAL,
    QV_SNAPSHOT_LOCATION_EXTERNAL,
    QV_SNAPSHOT_LOCATION_MANUAL,

    QV_SNAPSHOT_LOCATION_LAST
} QvSnapshotLocation;

/* <state>: the domain's state when the snapshot was taken */
typedef enum {
    QV_SNAPSHOT_STATE_NONE,          /* not said */
    QV_SNAPSHOT_STATE_RUNNING,
    QV_SNAPSHOT_STATE_BLOCKED,
    QV_SNAPSHOT_STATE_PAUSED,
    QV_SNAPSHOT_STATE_SHUTDOWN,
    QV_SNAPSHOT_STATE_SHUTOFF,
    QV_SNAPSHOT_STATE_CRASHED,
    QV_SNAPSHOT_STATE_DISK_SNAPSHOT,

    QV_SNAPSHOT_STATE_LAST
} QvSnapshotState;

const char *qv_snapshot_location_to_string(QvSnapshotLocation v);
int qv_snapshot_location_from_string(const char *s);
const char *qv_snapshot_state_to_string(QvSnapshotState v);
int qv_snapshot_state_from_string(const char *s);

typedef struct {
    char *name;                  /* the disk's target ("vda") */
    QvSnapshotLocation snapshot;
    /* the overlay: type (file or block), path (NULL when not
     * given) and format (<driver type>, QV_FORMAT_NONE when not given) */
    QvStorageSource *src;
} QvSnapshotDiskDef;

typedef struct {
    char *name;                  /* NULL when not given */
    char *description;           /* NULL when not given */
    QvSnapshotState state;
    bool has_creation_time;
    int64_t creation_time;       /* seconds since the epoch */
    QvSnapshotDiskDef **disks;
    size_t ndisks;
    char **kept;                 /* libvirt's other elements, verbatim */
    size_t nkept;
} QvSnapshotDef;

QvSnapshotDef *qv_snapshot_def_new(void);
void qv_snapshot_def_free(QvSnapshotDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvSnapshotDef, qv_snapshot_def_free)

/* A disk called @name with a file source of no path and no format */
QvSnapshotDiskDef *qv_snapshot_disk_def_new(const char *name,
                                            QvSnapshotLocation snapshot);
void qv_snapshot_disk_def_free(QvSnapshotDiskDef *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvSnapshotDiskDef, qv_snapshot_disk_def_free)

/* Append *@disk (stolen) to @def */
void qv_snapshot_add_disk(QvSnapshotDef *def, QvSnapshotDiskDef **disk);

/* The disk called @name, or NULL */
const QvSnapshotDiskDef *qv_snapshot_find_disk(const QvSnapshotDef *def,
                                               const char *name);

/*
 * Parse a <domainsnapshot> document.  @origin names it in every message
 * ("the snapshot XML: disk 'vda': unknown snapshot mode 'x' (...)");
 * errors are QV_ERR_XML.
 */
QvSnapshotDef *qv_snapshot_parse_xml(const char *xml, const char *origin,
                                     GError **error);
QvSnapshotDef *qv_snapshot_parse_file(const char *path, GError **error);

/* The document, every value escaped */
char *qv_snapshot_format_xml(const QvSnapshotDef *def);

G_END_DECLS
