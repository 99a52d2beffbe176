/*
 * qvirt.h: qvirt's public C API.  Shaped after libvirt's so that code
 * written against virDomainDefineXMLFlags, virDomainBlockCopy and
 * friends ports by renaming: the same arguments, the same flag and enum
 * values, the same semantics.  Where libvirt returns a virError, qvirt
 * sets a GError in QVIRT_ERROR (qvirt-error.h): act on its code, show its
 * message, which names the domain, the disk and the job.
 *
 * Calls that return an int return -1 on failure, with @error set.
 * Strings and arrays returned are the caller's: g_free them (domains
 * with qvirt_domain_free).  A QvirtDomain is a handle by name: it stays
 * valid while the connection is open, whatever happens to the domain.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <qvirt/qvirt-error.h>
#include <qvirt/qvirt-version.h>

G_BEGIN_DECLS

typedef struct _QvirtConnect QvirtConnect;
typedef struct _QvirtDomain QvirtDomain;

/*
 * @root: everything under one folder (like qvirt --root), or NULL for the
 * default places (/etc/qvirt, /var/lib/qvirt, /run/qvirt, or XDG)
 *
 * Since: 0.1.0
 */
QvirtConnect *qvirt_connect_open(const char *root, GError **error);
/* Since: 0.1.0 */
void qvirt_connect_close(QvirtConnect *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtConnect, qvirt_connect_close)

/*
 * By name or uuid; QVIRT_ERR_NO_DOMAIN when there is no such domain.
 *
 * Since: 0.1.0
 */
QvirtDomain *qvirt_domain_lookup(QvirtConnect *conn, const char *name,
                                 GError **error);
/*
 * virDomainLookupByName, virDomainLookupByUUIDString (the uuid in its
 * text form); QVIRT_ERR_NO_DOMAIN when there is no such domain.
 *
 * Since: 0.2.0
 */
QvirtDomain *qvirt_domain_lookup_by_name(QvirtConnect *conn, const char *name,
                                         GError **error);
QvirtDomain *qvirt_domain_lookup_by_uuid(QvirtConnect *conn, const char *uuid,
                                         GError **error);
/* Since: 0.1.0 */
void qvirt_domain_free(QvirtDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtDomain, qvirt_domain_free)
/* Since: 0.1.0 */
const char *qvirt_domain_get_name(const QvirtDomain *dom);
/*
 * virDomainGetUUIDString: the canonical text form, valid as long as @dom
 *
 * Since: 0.2.0
 */
const char *qvirt_domain_get_uuid_string(const QvirtDomain *dom);

/* ---- definitions ---- */

/* virDomainDefineFlags */
typedef enum {
    /* libvirt's VIR_DOMAIN_DEFINE_VALIDATE: check against the schema.
     * qvirt always does (what it stores has passed the schema); the flag
     * is accepted so that libvirt code ports unchanged */
    QVIRT_DOMAIN_DEFINE_VALIDATE = 1 << 0,
    /* qvirt's own: compare each <backingStore> chain given in the XML
     * with the images and refuse a mismatch (qvirt define
     * --validate-chains) */
    QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS = 1 << 16,
} QvirtDomainDefineFlags;

/*
 * virDomainDefineXMLFlags: parse, check and store the domain XML @xml,
 * creating the domain or updating the one of that uuid (or, for a
 * document without <uuid>, of that name).  Malformed or invalid XML is
 * QVIRT_ERR_XML.
 *
 * Since: 0.2.0
 */
QvirtDomain *qvirt_domain_define_xml(QvirtConnect *conn, const char *xml,
                                     unsigned int flags, GError **error);

/*
 * virDomainUndefine: remove the definition (images are not touched).  A
 * running domain keeps running on its live definition.
 *
 * Since: 0.2.0
 */
int qvirt_domain_undefine(QvirtDomain *dom, GError **error);

/* virConnectListAllDomainsFlags: within each group (active, persistent,
 * state) the flags given are or-ed; a group with none given does not
 * filter.  Every qvirt domain is persistent. */
typedef enum {
    QVIRT_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0,
    QVIRT_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1,
    QVIRT_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2,
    QVIRT_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3,
    QVIRT_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4,
    QVIRT_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5,
    QVIRT_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6,
    QVIRT_CONNECT_LIST_DOMAINS_OTHER = 1 << 7,
} QvirtConnectListAllDomainsFlags;

/*
 * virConnectListAllDomains: the number of domains, sorted by name, and
 * in *@domains (optional; NULL-terminated, g_free it after freeing each
 * with qvirt_domain_free) their handles.
 *
 * Since: 0.2.0
 */
int qvirt_connect_list_all_domains(QvirtConnect *conn, QvirtDomain ***domains,
                                   unsigned int flags, GError **error);

/* virDomainXMLFlags */
typedef enum {
    /* the stored definition exactly as defined, not the live one */
    QVIRT_DOMAIN_XML_INACTIVE = 1 << 1,
    /* qvirt's own: a <backingChain> per disk, each element of the chain
     * once with its index and its parent's index */
    QVIRT_DOMAIN_XML_FLAT_CHAINS = 1 << 16,
} QvirtDomainXMLFlags;

/*
 * virDomainGetXMLDesc: the definition a running domain runs with (with
 * aliases and <mirror>), or for one shut off the stored definition with
 * the chains of its disks read from the images where it does not give
 * them; with INACTIVE the stored definition as defined.
 *
 * Since: 0.2.0
 */
char *qvirt_domain_get_xml_desc(QvirtDomain *dom, unsigned int flags,
                                GError **error);

/* virDomainMetadataType (qvirt has title and description) */
typedef enum {
    QVIRT_DOMAIN_METADATA_DESCRIPTION = 0,
    QVIRT_DOMAIN_METADATA_TITLE = 1,
} QvirtDomainMetadataType;

/*
 * virDomainGetMetadata for @type TITLE or DESCRIPTION of the stored
 * definition (@uri: NULL; @flags: 0); QVIRT_ERR_NOT_FOUND when it has
 * none.
 *
 * Since: 0.2.0
 */
char *qvirt_domain_get_metadata(QvirtDomain *dom, int type, const char *uri,
                                unsigned int flags, GError **error);

/*
 * virDomainGetOSType: "hvm"
 *
 * Since: 0.2.0
 */
char *qvirt_domain_get_os_type(QvirtDomain *dom, GError **error);

/* One disk of the stored definition */
typedef struct {
    char *target;            /* "vda" */
    char *type;              /* "file", "block", "network", "quorum", ... */
    char *device;            /* "disk", "cdrom", ... */
    char *source;            /* path or network address, NULL without a source */
} QvirtDomainDisk;

/*
 * qvirt's own (virsh domblklist reads the XML for it): the disks the
 * guest runs with when it runs (hotplugged ones, media changed), else
 * those of the stored definition; with QVIRT_DOMAIN_XML_INACTIVE always
 * the stored definition's.  In *@disks (free with
 * qvirt_domain_disks_free); returns their number.
 *
 * Since: 0.2.0
 */
int qvirt_domain_get_disks(QvirtDomain *dom, QvirtDomainDisk **disks,
                           unsigned int flags, GError **error);
/* Since: 0.2.0 */
void qvirt_domain_disks_free(QvirtDomainDisk *disks, int ndisks);

/* ---- life cycle ---- */

/* virDomainState: qvirt reports RUNNING, PAUSED and SHUTOFF */
typedef enum {
    QVIRT_DOMAIN_NOSTATE = 0,
    QVIRT_DOMAIN_RUNNING = 1,
    QVIRT_DOMAIN_BLOCKED = 2,
    QVIRT_DOMAIN_PAUSED = 3,
    QVIRT_DOMAIN_SHUTDOWN = 4,
    QVIRT_DOMAIN_SHUTOFF = 5,
    QVIRT_DOMAIN_CRASHED = 6,
    QVIRT_DOMAIN_PMSUSPENDED = 7,
} QvirtDomainState;

/* virDomainRunningReason (the ones qvirt reports) */
typedef enum {
    QVIRT_DOMAIN_RUNNING_UNKNOWN = 0,
    QVIRT_DOMAIN_RUNNING_BOOTED = 1,
    QVIRT_DOMAIN_RUNNING_MIGRATED = 2,   /* since 0.3.0 */
    QVIRT_DOMAIN_RUNNING_UNPAUSED = 5,
} QvirtDomainRunningReason;

/* virDomainPausedReason (the ones qvirt reports) */
typedef enum {
    QVIRT_DOMAIN_PAUSED_UNKNOWN = 0,
    QVIRT_DOMAIN_PAUSED_USER = 1,
    QVIRT_DOMAIN_PAUSED_MIGRATION = 2,   /* since 0.3.0 */
    QVIRT_DOMAIN_PAUSED_IOERROR = 5,     /* a disk's error_policy='stop' */
    QVIRT_DOMAIN_PAUSED_STARTING_UP = 11,
} QvirtDomainPausedReason;

/* virDomainShutoffReason (the ones qvirt reports) */
typedef enum {
    QVIRT_DOMAIN_SHUTOFF_UNKNOWN = 0,
    QVIRT_DOMAIN_SHUTOFF_SHUTDOWN = 1,
    QVIRT_DOMAIN_SHUTOFF_DESTROYED = 2,
    QVIRT_DOMAIN_SHUTOFF_CRASHED = 3,
    QVIRT_DOMAIN_SHUTOFF_MIGRATED = 5,   /* since 0.3.0 */
    QVIRT_DOMAIN_SHUTOFF_FAILED = 6,
} QvirtDomainShutoffReason;

/*
 * virDomainGetState: *@state a QvirtDomainState, *@reason (optional) the
 * reason enum of that state; @flags: 0.  A domain whose supervisor died
 * while QEMU runs gets a new one; one whose QEMU died unsupervised reads
 * as shut off, crashed.
 *
 * Since: 0.2.0
 */
int qvirt_domain_get_state(QvirtDomain *dom, int *state, int *reason,
                           unsigned int flags, GError **error);

/*
 * virDomainGetID: qvirt's domain id is the pid of the domain's QEMU;
 * (unsigned int)-1 when the domain is not running.
 *
 * Since: 0.2.0
 */
unsigned int qvirt_domain_get_id(QvirtDomain *dom);

/* virDomainInfo; memory in KiB, cpu_time (ns) is not tracked: 0 */
typedef struct {
    unsigned char state;     /* QvirtDomainState */
    unsigned long max_mem;
    unsigned long memory;
    unsigned short nr_virt_cpu;
    unsigned long long cpu_time;
} QvirtDomainInfo;

/*
 * virDomainGetInfo, from the stored definition and the state
 *
 * Since: 0.2.0
 */
int qvirt_domain_get_info(QvirtDomain *dom, QvirtDomainInfo *info,
                          GError **error);

/* virDomainCreateFlags */
typedef enum {
    QVIRT_DOMAIN_START_PAUSED = 1 << 0,
} QvirtDomainCreateFlags;

/*
 * virDomainCreate, virDomainCreateWithFlags: check every file of every
 * disk's chain, apply the startupPolicy of each disk, start QEMU under a
 * supervisor of its own and return once the guest runs (or with
 * START_PAUSED is paused).  QVIRT_ERR_OPERATION_INVALID when it runs
 * already.
 *
 * Since: 0.2.0
 */
int qvirt_domain_create(QvirtDomain *dom, GError **error);
int qvirt_domain_create_with_flags(QvirtDomain *dom, unsigned int flags,
                                   GError **error);

/* virDomainDestroyFlagsValues */
typedef enum {
    /* send SIGTERM only, never SIGKILL: QVIRT_ERR_TIMEOUT when QEMU has
     * not exited within the grace period */
    QVIRT_DOMAIN_DESTROY_GRACEFUL = 1 << 0,
} QvirtDomainDestroyFlags;

/*
 * virDomainDestroy, virDomainDestroyFlags: SIGTERM to QEMU, SIGKILL when
 * it has not exited after 10 s; returns once QEMU is gone (shut off,
 * reason destroyed).  QVIRT_ERR_OPERATION_INVALID when it is not running.
 *
 * Since: 0.2.0
 */
int qvirt_domain_destroy(QvirtDomain *dom, GError **error);
int qvirt_domain_destroy_flags(QvirtDomain *dom, unsigned int flags,
                               GError **error);
/*
 * qvirt's own: qvirt_domain_destroy_flags with a grace period of
 * @grace_s seconds between SIGTERM and SIGKILL (qvirt destroy --grace)
 *
 * Since: 0.2.0
 */
int qvirt_domain_destroy_grace(QvirtDomain *dom, unsigned int grace_s,
                               unsigned int flags, GError **error);

/*
 * virDomainShutdown: press the ACPI power button and return; the guest
 * OS decides when (and whether) it stops.
 *
 * Since: 0.2.0
 */
int qvirt_domain_shutdown(QvirtDomain *dom, GError **error);

/*
 * virDomainSuspend, virDomainResume: stop and restart the vCPUs
 *
 * Since: 0.2.0
 */
int qvirt_domain_suspend(QvirtDomain *dom, GError **error);
int qvirt_domain_resume(QvirtDomain *dom, GError **error);

/* virDomainBlockInfo, in bytes */
typedef struct {
    unsigned long long capacity;     /* the guest-visible size */
    unsigned long long allocation;   /* host space the top image uses */
    unsigned long long physical;     /* the size of the top image file */
} QvirtDomainBlockInfo;

/*
 * virDomainGetBlockInfo for a running domain, from QEMU; @flags: 0
 *
 * Since: 0.2.0
 */
int qvirt_domain_get_block_info(QvirtDomain *dom, const char *disk,
                                QvirtDomainBlockInfo *info,
                                unsigned int flags, GError **error);

/*
 * virDomainQemuMonitorCommand (libvirt-qemu): send the QMP command @cmd,
 * {"execute": NAME, "arguments": {...}}, through the domain's supervisor,
 * which holds the monitor; *@result is the reply, {"return": ...}.  A QMP
 * error is an error.  @flags: 0 (QMP; there is no HMP flag).  Changes
 * made this way are not tracked.
 *
 * Since: 0.2.0
 */
int qvirt_domain_qemu_monitor_command(QvirtDomain *dom, const char *cmd,
                                      char **result, unsigned int flags,
                                      GError **error);

/* ---- devices: hotplug, unplug, media change ---- */

/* virDomainModificationImpact */
typedef enum {
    /* the live guest when it runs, else the definition */
    QVIRT_DOMAIN_AFFECT_CURRENT = 0,
    QVIRT_DOMAIN_AFFECT_LIVE = 1 << 0,
    QVIRT_DOMAIN_AFFECT_CONFIG = 1 << 1,
} QvirtDomainModificationImpact;

/* virDomainDeviceModifyFlags: the impact above, and */
typedef enum {
    /* update-device of a removable disk: eject even when the guest
     * locked the tray */
    QVIRT_DOMAIN_DEVICE_MODIFY_FORCE = 1 << 2,
} QvirtDomainDeviceModifyFlags;

/*
 * virDomainAttachDeviceFlags for disks: @xml is one <disk> element.
 * With AFFECT_LIVE the disk is plugged into the running guest: its chain
 * checked (startupPolicy) and opened node by node, its leases taken
 * first, then its front end added; on any failure nothing stays.  With
 * AFFECT_CONFIG it is added to the definition.  Both: the definition is
 * written only when the live attach worked.  Refusals as libvirt's
 * (a target in use, a bus that cannot be hotplugged).
 *
 * Since: 0.2.0
 */
int qvirt_domain_attach_device_flags(QvirtDomain *dom, const char *xml,
                                     unsigned int flags, GError **error);

/*
 * virDomainDetachDeviceFlags for disks: the disk of @xml's target.
 * Live: device_del, then the disk's nodes and leases go once QEMU says
 * the device is gone.  Returns 0 when it is gone, 1 when the unplug was
 * requested but the guest has not released the device within 5 s (the
 * supervisor finishes when it does; libvirt returns 0 then too), -1 on
 * error.  Refused while a block job runs on the disk.
 *
 * Since: 0.2.0
 */
int qvirt_domain_detach_device_flags(QvirtDomain *dom, const char *xml,
                                     unsigned int flags, GError **error);

/*
 * virDomainDetachDeviceAlias: the same, for the disk whose <alias> is
 * @alias ("ua-data", "scsi0-0-0-1"); live detaches never wait (1 when
 * not yet gone, as above)
 *
 * Since: 0.2.0
 */
int qvirt_domain_detach_device_alias(QvirtDomain *dom, const char *alias,
                                     unsigned int flags, GError **error);

/*
 * virDomainUpdateDeviceFlags for disks: @xml is the disk (by target)
 * with its new <source>, or without one to eject.  For a cdrom or floppy
 * this is a media change (live: tray opened, old medium removed and its
 * nodes deleted, the new chain opened and inserted, tray closed).  Other
 * fields cannot change, as in libvirt.  DEVICE_MODIFY_FORCE: open a tray
 * the guest locked.
 *
 * Since: 0.2.0
 */
int qvirt_domain_update_device_flags(QvirtDomain *dom, const char *xml,
                                     unsigned int flags, GError **error);

/* ---- block jobs ---- */

/* virDomainBlockJobType */
typedef enum {
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN = 0,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL = 1,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY = 2,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT = 3,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4,
    /* qvirt's own (libvirt's 5 is BACKUP): a quorum child filled from
     * the quorum before it joins the vote, a child rebuilt in its slot,
     * the whole quorum read through the vote (Since: 0.3.0) */
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_ADD = 5,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_REPLACE = 6,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB = 7,

    QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST
} QvirtDomainBlockJobType;

/* virDomainBlockRebaseFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW = 1 << 0,
    QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT = 1 << 1,
    QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW = 1 << 2,
    QVIRT_DOMAIN_BLOCK_REBASE_COPY = 1 << 3,
    QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE = 1 << 4,
    QVIRT_DOMAIN_BLOCK_REBASE_COPY_DEV = 1 << 5,
    QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES = 1 << 6,
} QvirtDomainBlockRebaseFlags;

/* virDomainBlockCopyFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_COPY_SHALLOW = 1 << 0,
    QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT = 1 << 1,
    QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB = 1 << 2,
    QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES = 1 << 3,
} QvirtDomainBlockCopyFlags;

/* virDomainBlockCommitFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW = 1 << 0,
    QVIRT_DOMAIN_BLOCK_COMMIT_DELETE = 1 << 1,
    QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE = 1 << 2,
    QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE = 1 << 3,
    QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES = 1 << 4,
} QvirtDomainBlockCommitFlags;

/* virDomainBlockPullFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES = 1 << 6,
} QvirtDomainBlockPullFlags;

/* virDomainBlockJobAbortFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC = 1 << 0,
    QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT = 1 << 1,
} QvirtDomainBlockJobAbortFlags;

/* virDomainBlockJobInfoFlags / SetSpeedFlags */
typedef enum {
    QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES = 1 << 0,
} QvirtDomainBlockJobInfoFlags;
typedef enum {
    QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES = 1 << 0,
} QvirtDomainBlockJobSetSpeedFlags;

/* virDomainBlockJobInfo: bandwidth in MiB/s, or bytes/s with
 * QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES; cur == end when a copy or
 * active commit is ready to pivot */
typedef struct {
    int type;                /* QvirtDomainBlockJobType */
    unsigned long bandwidth;
    unsigned long long cur;
    unsigned long long end;
} QvirtDomainBlockJobInfo;

/* Typed parameters of virDomainBlockCopy */
#define QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH "bandwidth"     /* bytes/s */
#define QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY "granularity" /* bytes, power of 2 */
#define QVIRT_DOMAIN_BLOCK_COPY_BUF_SIZE "buf-size"       /* bytes */

typedef struct {
    const char *field;
    unsigned long long value;
} QvirtTypedParameter;

/*
 * DISK in all calls below: a target name ("vda"), "vda[N]" (the element
 * with index N of the live XML), or the path of any image of the chain.
 * A disk that has a block job already is QVIRT_ERR_BUSY; a job that is
 * not there, or not ready to pivot, QVIRT_ERR_OPERATION_INVALID.
 */
/* Since: 0.1.0 (each call of this group) */
int qvirt_domain_block_rebase(QvirtDomain *dom, const char *disk,
                              const char *base, unsigned long bandwidth,
                              unsigned int flags, GError **error);
int qvirt_domain_block_copy(QvirtDomain *dom, const char *disk,
                            const char *destxml,
                            const QvirtTypedParameter *params, int nparams,
                            unsigned int flags, GError **error);
int qvirt_domain_block_pull(QvirtDomain *dom, const char *disk,
                            unsigned long bandwidth, unsigned int flags,
                            GError **error);
int qvirt_domain_block_commit(QvirtDomain *dom, const char *disk,
                              const char *base, const char *top,
                              unsigned long bandwidth, unsigned int flags,
                              GError **error);
int qvirt_domain_block_job_abort(QvirtDomain *dom, const char *disk,
                                 unsigned int flags, GError **error);
/* 1 with @info filled while a job runs, 0 when there is none, -1 */
int qvirt_domain_get_block_job_info(QvirtDomain *dom, const char *disk,
                                    QvirtDomainBlockJobInfo *info,
                                    unsigned int flags, GError **error);
int qvirt_domain_block_job_set_speed(QvirtDomain *dom, const char *disk,
                                     unsigned long bandwidth,
                                     unsigned int flags, GError **error);

/*
 * qvirt's own: wait until the job on @disk is ready (a copy or an active
 * commit: 1) or has ended (0; -1 with the job's error if it failed), at
 * most @timeout_ms (0: 10 minutes; then -1 with a timeout error, the job
 * untouched; QVIRT_ERR_TIMEOUT since 0.2.0).  What libvirt users do
 * with the BLOCK_JOB events.
 *
 * Since: 0.1.0
 */
int qvirt_domain_block_job_wait(QvirtDomain *dom, const char *disk,
                                unsigned int timeout_ms, GError **error);

/* ---- quorum disks (qvirt's own) ---- */

/*
 * The children of the quorum @disk ("vdb", or "vdb[N]" naming a nested
 * quorum) with their health, as JSON text (new string): {"disk", "index",
 * "node", "threshold", "children": [{"position", "index", "node",
 * "source", "format", "depth", "health"?}], "error"?, "scrub"?, "job"?};
 * a health or error entry is {"event", "type", "error"?, "nospace"?,
 * "time", "sector", "count"}, the last one seen (QEMU throttles these
 * events, so they are never counted).
 *
 * Since: 0.2.0
 */
char *qvirt_domain_block_quorum_info(QvirtDomain *dom, const char *disk,
                                     unsigned int flags, GError **error);

/*
 * Add a child to a running quorum.  @childxml is one <backingStore>
 * element (type, <format>, <source>, optionally its own <backingStore>
 * chain; without one the chain is read from the image; without <format>
 * the image must probe as raw).  The child is filled from the quorum
 * first (a QUORUM_ADD block job: qvirt_domain_block_job_wait and
 * qvirt_domain_get_block_job_info follow it) and joins the vote only
 * once it holds the quorum's data.  Returns once the job has started.
 *
 * Since: 0.2.0
 */
int qvirt_domain_block_quorum_add(QvirtDomain *dom, const char *disk,
                                  const char *childxml, unsigned int flags,
                                  GError **error);

/*
 * Remove the child @child (its position "0", "1", ..., "vdb[N]" of an
 * element of its chain, or a path in it); refused when fewer children
 * than the vote threshold, or than 2, would be left.
 *
 * Since: 0.2.0
 */
int qvirt_domain_block_quorum_remove(QvirtDomain *dom, const char *disk,
                                     const char *child, unsigned int flags,
                                     GError **error);

/*
 * Rebuild the child @child on @childxml (as for add) while the guest
 * runs: a QUORUM_REPLACE job mirrors the quorum onto the new child and
 * puts it in the old one's slot; the old child's nodes and lease go.
 *
 * Since: 0.2.0
 */
int qvirt_domain_block_quorum_replace(QvirtDomain *dom, const char *disk,
                                      const char *child, const char *childxml,
                                      unsigned int flags, GError **error);

/*
 * Read the whole quorum through the vote (a QUORUM_SCRUB job); every
 * child outvoted meanwhile is in qvirt_domain_block_quorum_info's
 * "scrub" member ("state", "bad": [{"node", "type", "sector", "count"}]).
 *
 * Since: 0.2.0
 */
int qvirt_domain_block_quorum_scrub(QvirtDomain *dom, const char *disk,
                                    unsigned int flags, GError **error);

/* virDomainDiskErrorCode */
typedef enum {
    QVIRT_DOMAIN_DISK_ERROR_NONE = 0,
    QVIRT_DOMAIN_DISK_ERROR_UNSPEC = 1,
    QVIRT_DOMAIN_DISK_ERROR_NO_SPACE = 2,
} QvirtDomainDiskErrorCode;

/* One disk's or quorum child's last error */
typedef struct {
    char *disk;              /* "vda", or "vdb[N]" for a quorum child */
    int error;               /* QvirtDomainDiskErrorCode */
    char *detail;            /* "write: No space left on device at sector 0 (8 sectors)" */
} QvirtDomainDiskError;

/*
 * virDomainGetDiskErrors: the disks (and quorum children) whose last I/O
 * failed, from BLOCK_IO_ERROR, QUORUM_FAILURE and QUORUM_REPORT_BAD;
 * *@errors (new, free with qvirt_domain_disk_errors_free) has the
 * returned count of entries.  -1 on error.
 *
 * Since: 0.2.0
 */
int qvirt_domain_get_disk_errors(QvirtDomain *dom, QvirtDomainDiskError **errors,
                                 unsigned int flags, GError **error);
void qvirt_domain_disk_errors_free(QvirtDomainDiskError *errors, int n);

/* virDomainSnapshotCreateFlags (the ones qvirt implements) */
typedef enum {
    QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 1 << 2,
    QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4,
    QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 1 << 5,
    QVIRT_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 1 << 7,
} QvirtDomainSnapshotCreateFlags;

/*
 * virDomainSnapshotCreateXML for disk-only snapshots of a running guest
 * (DISK_ONLY is required; every disk switches in one transaction, so
 * ATOMIC always holds).  @xml: <domainsnapshot><name>N</name><disks>
 * <disk name='vda' snapshot='external'><source file='/path'/></disk>
 * <disk name='vdb' snapshot='no'/></disks></domainsnapshot>; disks not
 * listed get an overlay next to their top image named after the snapshot.
 * QVIRT_ERR_BUSY while a block job runs on a disk.
 *
 * Since: 0.1.0
 */
int qvirt_domain_snapshot_create_xml(QvirtDomain *dom, const char *xml,
                                     unsigned int flags, GError **error);

/* ---- secrets ---- */

/*
 * A secret of the store (virsh secret-*): libvirt's secret XML, its value
 * kept 0600 under the config folder (an ephemeral one under the run
 * folder).  Disks name secrets in <encryption> and <auth>; start hands
 * their values to QEMU encrypted, never as plain text.
 */
typedef struct _QvirtSecret QvirtSecret;

/* virSecretUsageType, same values */
typedef enum {
    QVIRT_SECRET_USAGE_TYPE_NONE = 0,
    QVIRT_SECRET_USAGE_TYPE_VOLUME = 1,
    QVIRT_SECRET_USAGE_TYPE_CEPH = 2,
    QVIRT_SECRET_USAGE_TYPE_ISCSI = 3,
    QVIRT_SECRET_USAGE_TYPE_TLS = 4,
    QVIRT_SECRET_USAGE_TYPE_VTPM = 5,
} QvirtSecretUsageType;

/*
 * virSecretDefineXML (@flags: 0): create or update the secret of that
 * uuid (generated when the XML has none).  QVIRT_ERR_XML for bad XML,
 * QVIRT_ERR_INVALID_ARG for a usage another secret has.
 *
 * Since: 0.2.0
 */
QvirtSecret *qvirt_secret_define_xml(QvirtConnect *conn, const char *xml,
                                     unsigned int flags, GError **error);
/*
 * virSecretLookupByUUIDString, virSecretLookupByUsage (@usage_type a
 * QvirtSecretUsageType; @usage_id the volume path, ceph or TLS name,
 * iscsi target); QVIRT_ERR_NOT_FOUND when there is none.
 *
 * Since: 0.2.0
 */
QvirtSecret *qvirt_secret_lookup_by_uuid_string(QvirtConnect *conn, const char *uuid,
                                                GError **error);
QvirtSecret *qvirt_secret_lookup_by_usage(QvirtConnect *conn, int usage_type,
                                          const char *usage_id, GError **error);
/* Since: 0.2.0 */
void qvirt_secret_free(QvirtSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtSecret, qvirt_secret_free)
/* Valid as long as @secret; Since: 0.2.0 */
const char *qvirt_secret_get_uuid_string(const QvirtSecret *secret);
int qvirt_secret_get_usage_type(const QvirtSecret *secret);
const char *qvirt_secret_get_usage_id(const QvirtSecret *secret);

/* virSecretGetXMLDesc (@flags: 0); Since: 0.2.0 */
char *qvirt_secret_get_xml_desc(QvirtSecret *secret, unsigned int flags, GError **error);

/* virSecretSetValue (@flags: 0): @size bytes of @value; Since: 0.2.0 */
int qvirt_secret_set_value(QvirtSecret *secret, const unsigned char *value, size_t size,
                           unsigned int flags, GError **error);

/*
 * virSecretGetValue (@flags: 0): the value (g_free it, best after
 * wiping) and its size.  A private secret's value is refused
 * (QVIRT_ERR_OPERATION_INVALID), as libvirt does; QVIRT_ERR_NOT_FOUND
 * when it has none.
 *
 * Since: 0.2.0
 */
unsigned char *qvirt_secret_get_value(QvirtSecret *secret, size_t *size, unsigned int flags,
                                      GError **error);

/* virSecretUndefine: the definition and the value; Since: 0.2.0 */
int qvirt_secret_undefine(QvirtSecret *secret, GError **error);

/* virConnectListAllSecretsFlags: within each pair, the flags given are or-ed */
typedef enum {
    QVIRT_CONNECT_LIST_SECRETS_EPHEMERAL = 1 << 0,
    QVIRT_CONNECT_LIST_SECRETS_NO_EPHEMERAL = 1 << 1,
    QVIRT_CONNECT_LIST_SECRETS_PRIVATE = 1 << 2,
    QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE = 1 << 3,
} QvirtConnectListAllSecretsFlags;

/*
 * virConnectListAllSecrets: the number of secrets, sorted by uuid, and in
 * *@secrets (optional; NULL-terminated, g_free it after freeing each)
 * their handles.
 *
 * Since: 0.2.0
 */
int qvirt_connect_list_all_secrets(QvirtConnect *conn, QvirtSecret ***secrets,
                                   unsigned int flags, GError **error);

/* ---- images ---- */

typedef struct _QvirtChain QvirtChain;

/*
 * qvirt's own: read the backing chain of the image @path natively from
 * the image headers (qemu-img is never run).  @format: "qcow2", "raw",
 * ..., or NULL to guess it (a guessed image that names a backing file is
 * refused: a raw disk can hold any header); @flags: 0.
 *
 * Since: 0.2.0
 */
QvirtChain *qvirt_chain_open(const char *path, const char *format,
                             unsigned int flags, GError **error);
/* Since: 0.2.0 */
void qvirt_chain_free(QvirtChain *chain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtChain, qvirt_chain_free)

/* What qvirt_chain_format writes */
typedef enum {
    QVIRT_CHAIN_FORMAT_TEXT = 0,     /* for people, one block per element */
    QVIRT_CHAIN_FORMAT_JSON = 1,     /* {"elements": [...]}, each with index and parent */
    QVIRT_CHAIN_FORMAT_XML = 2,      /* <disk> with <source> and nested <backingStore> */
} QvirtChainFormat;

typedef enum {
    /* TEXT: a table, one line per element with its parent's index;
     * XML: <chain><element index= parent=>...; JSON is flat already */
    QVIRT_CHAIN_FORMAT_FLAT = 1 << 0,
} QvirtChainFormatFlags;

/*
 * The chain as @format (a QvirtChainFormat), a new string
 *
 * Since: 0.2.0
 */
char *qvirt_chain_format(const QvirtChain *chain, int format,
                         unsigned int flags, GError **error);

/* ---- migration ---- */

/* virDomainMigrateFlags: libvirt's values, the ones qvirt takes */
typedef enum {
    QVIRT_MIGRATE_LIVE = 1 << 0,             /* the guest runs while memory is copied */
    QVIRT_MIGRATE_PERSIST_DEST = 1 << 3,     /* defined on the destination afterwards */
    QVIRT_MIGRATE_UNDEFINE_SOURCE = 1 << 4,  /* undefined here afterwards */
    QVIRT_MIGRATE_PAUSED = 1 << 5,           /* paused on the destination */
    QVIRT_MIGRATE_NON_SHARED_DISK = 1 << 6,  /* copy every disk (--copy-storage-all) */
    QVIRT_MIGRATE_NON_SHARED_INC = 1 << 7,   /* copy the top images (--copy-storage-inc) */
    QVIRT_MIGRATE_UNSAFE = 1 << 9,           /* skip the safety checks */
    QVIRT_MIGRATE_OFFLINE = 1 << 10,         /* only the definition moves */
    QVIRT_MIGRATE_ABORT_ON_ERROR = 1 << 12,  /* an I/O error (or the timeout) aborts */
    QVIRT_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES = 1 << 18, /* the copy converges */
} QvirtDomainMigrateFlags;

/* virDomainJobType */
typedef enum {
    QVIRT_DOMAIN_JOB_NONE = 0,
    QVIRT_DOMAIN_JOB_UNBOUNDED = 2,
} QvirtDomainJobType;

/* virDomainJobInfo: sizes in bytes, time in ms; data_* is the sum of
 * mem_* (the guest's RAM) and file_* (the disks copied) */
typedef struct {
    int type;                            /* QvirtDomainJobType */
    unsigned long long time_elapsed;
    unsigned long long data_total, data_processed, data_remaining;
    unsigned long long mem_total, mem_processed, mem_remaining;
    unsigned long long file_total, file_processed, file_remaining;
    const char *phase;                   /* qvirt's own: "storage", "memory",
                                          * "switchover", "cancelling" */
} QvirtDomainJobInfo;

/* What a migration that worked measured (QEMU's figures) */
typedef struct {
    unsigned long long total_ms;         /* the whole call */
    unsigned long long memory_ms;        /* QEMU's total-time of the RAM phase */
    unsigned long long downtime_ms;      /* QEMU's downtime */
    unsigned long long disk_bytes;       /* copied by the mirrors */
    unsigned long long memory_bytes;     /* RAM transferred */
} QvirtMigrateResult;

typedef void (*QvirtMigrateProgressFunc)(QvirtDomain *dom, const QvirtDomainJobInfo *info,
                                         void *opaque);

/* virDomainMigrateToURI3's parameters that qvirt takes; every member
 * may be NULL or 0 */
typedef struct {
    const char *dest_xml;                /* the destination's definition (--xml) */
    const char *dest_name;               /* another name there (--dname) */
    const char *const *migrate_disks;    /* NULL-terminated targets to copy; NULL: every
                                          * writable disk */
    const char *migrate_uri;             /* the RAM stream: tcp://HOST[:PORT], unix:PATH */
    const char *disks_uri;               /* the NBD server: tcp://HOST[:PORT], unix:PATH */
    unsigned long long bandwidth;        /* MiB/s; 0: the domain's migrate-setspeed */
    unsigned int timeout_s;              /* suspend (ABORT_ON_ERROR: abort) the guest
                                          * after this long; 0: never */
    QvirtMigrateProgressFunc progress;   /* about twice a second while it runs */
    void *opaque;
    QvirtMigrateResult *result;          /* filled when it worked */
} QvirtMigrateParams;

/*
 * Move @dom to @dest_uri: qvirt:///ROOT (another root on this host) or
 * qvirt+ssh://[USER@]HOST[:PORT][/ROOT][?keyfile=F&known_hosts=F&
 * no_verify=1&command=PATH] (qvirt's destination side run through ssh).
 * Any failure before the end leaves the guest running here, with its
 * leases, and nothing behind on the destination.
 *
 * Since: 0.3.0
 */
int qvirt_domain_migrate(QvirtDomain *dom, const char *dest_uri,
                         const QvirtMigrateParams *params, unsigned int flags,
                         GError **error);
/* virDomainGetJobInfo: the migration under way (type NONE: none); the
 * phase string is static.  Since: 0.3.0 */
int qvirt_domain_get_job_info(QvirtDomain *dom, QvirtDomainJobInfo *info, GError **error);
/* virDomainAbortJob: the migration under way.  Since: 0.3.0 */
int qvirt_domain_abort_job(QvirtDomain *dom, GError **error);
/* virDomainMigrateSetMaxSpeed / GetMaxSpeed: MiB/s, 0: unlimited; for
 * the migration under way and the next ones of the running guest.
 * Since: 0.3.0 */
int qvirt_domain_migrate_set_max_speed(QvirtDomain *dom, unsigned long bandwidth,
                                       unsigned int flags, GError **error);
int qvirt_domain_migrate_get_max_speed(QvirtDomain *dom, unsigned long *bandwidth,
                                       unsigned int flags, GError **error);

/* ---- block I/O tuning (virsh blkdeviotune) ---- */

/* virDomainSetBlockIoTune's typed parameters: libvirt's names, values
 * in bytes/s, operations/s, bytes and seconds; 0 lifts a limit */
#define QVIRT_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC "total_bytes_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC "read_bytes_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC "write_bytes_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC "total_iops_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC "read_iops_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC "write_iops_sec"
#define QVIRT_DOMAIN_BLOCK_IOTUNE_SIZE_IOPS_SEC "size_iops_sec"
/* ... and each of the six with "_max" and "_max_length" appended */

/*
 * Change the <iotune> of @disk (a target name): the settings of
 * @params, merged with what it has as libvirt does (a total given
 * clears the read and write of its kind, and the other way round);
 * @group_name (may be NULL: unchanged; "": none).  QVIRT_DOMAIN_AFFECT_*
 * as for devices: LIVE (block_set_io_throttle), CONFIG (the
 * definition), CURRENT.
 *
 * Since: 0.3.0
 */
int qvirt_domain_set_block_io_tune(QvirtDomain *dom, const char *disk,
                                   const QvirtTypedParameter *params, int nparams,
                                   const char *group_name, unsigned int flags,
                                   GError **error);
/* Every setting of @disk into *@params (g_free; the field names are
 * static) and *@nparams, its group into *@group_name (g_free, NULL when
 * none); the live definition's, or with AFFECT_CONFIG the stored one's.
 * Since: 0.3.0 */
int qvirt_domain_get_block_io_tune(QvirtDomain *dom, const char *disk,
                                   QvirtTypedParameter **params, int *nparams,
                                   char **group_name, unsigned int flags, GError **error);

G_END_DECLS
