/*
 * qvirt.h: qvirt's public C API.  Shaped after libvirt's so that code
 * written against virDomainBlockCopy and friends ports by renaming:
 * the same arguments, the same flag values, the same semantics.  Errors
 * are GErrors (domain QV_ERROR) whose messages name the domain, the disk
 * and the job.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _QvirtConnect QvirtConnect;
typedef struct _QvirtDomain QvirtDomain;

/* @root: everything under one folder (like qvirt --root), or NULL for the
 * default places (/etc/qvirt, /var/lib/qvirt, /run/qvirt, or XDG) */
QvirtConnect *qvirt_connect_open(const char *root, GError **error);
void qvirt_connect_close(QvirtConnect *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtConnect, qvirt_connect_close)

/* By name or uuid */
QvirtDomain *qvirt_domain_lookup(QvirtConnect *conn, const char *name,
                                 GError **error);
void qvirt_domain_free(QvirtDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvirtDomain, qvirt_domain_free)
const char *qvirt_domain_get_name(const QvirtDomain *dom);

/* virDomainBlockJobType */
typedef enum {
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN = 0,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL = 1,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY = 2,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT = 3,
    QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4,

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
 */
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
 * untouched).  What libvirt users do with the BLOCK_JOB events.
 */
int qvirt_domain_block_job_wait(QvirtDomain *dom, const char *disk,
                                unsigned int timeout_ms, GError **error);

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
 */
int qvirt_domain_snapshot_create_xml(QvirtDomain *dom, const char *xml,
                                     unsigned int flags, GError **error);

G_END_DECLS
