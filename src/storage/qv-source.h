/*
 * qv-source: the storage source, one struct for any image or device.
 *
 * A source is a file, block device, directory, network export, storage
 * pool volume or quorum.  Its backing stores are an array: a plain image
 * has zero or one, a quorum has one per child, and every child may carry a
 * chain of its own (or be a quorum itself).  A source owns its backing
 * stores.
 */
#pragma once

#include "storage/qv-seclabel.h"
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "storage/qv-encryption.h"
#include "storage/qv-source-opts.h"

G_BEGIN_DECLS

typedef enum {
    QV_STORAGE_NONE,     /* not known yet */
    QV_STORAGE_FILE,
    QV_STORAGE_BLOCK,
    QV_STORAGE_DIR,
    QV_STORAGE_NETWORK,
    QV_STORAGE_VOLUME,
    QV_STORAGE_QUORUM,
    QV_STORAGE_NVME,     /* a host NVMe namespace, by PCI address */
    QV_STORAGE_VHOSTUSER, /* a vhost-user-blk server's socket */

    QV_STORAGE_LAST
} QvStorageType;

typedef enum {
    QV_FORMAT_NONE,      /* not known: must be given or probed */
    QV_FORMAT_RAW,
    QV_FORMAT_ISO,
    QV_FORMAT_QCOW,
    QV_FORMAT_QCOW2,
    QV_FORMAT_QED,
    QV_FORMAT_VMDK,
    QV_FORMAT_VDI,
    QV_FORMAT_VPC,
    QV_FORMAT_VHDX,
    QV_FORMAT_LUKS,
    /* known to libvirt and QEMU; never probed */
    QV_FORMAT_FAT,       /* a dir disk: QEMU's virtual FAT */
    QV_FORMAT_BOCHS,
    QV_FORMAT_CLOOP,
    QV_FORMAT_DMG,
    QV_FORMAT_PLOOP,     /* QEMU's "parallels" */
    QV_FORMAT_VHD,       /* QEMU's "vpc" */

    QV_FORMAT_LAST
} QvFormat;

typedef enum {
    QV_PROTO_NONE,
    QV_PROTO_NBD,
    QV_PROTO_ISCSI,
    QV_PROTO_RBD,
    QV_PROTO_GLUSTER,
    QV_PROTO_HTTP,
    QV_PROTO_HTTPS,
    QV_PROTO_FTP,
    QV_PROTO_FTPS,
    QV_PROTO_SSH,
    QV_PROTO_NFS,

    QV_PROTO_LAST
} QvNetProtocol;

typedef enum {
    QV_TRANSPORT_TCP,
    QV_TRANSPORT_UNIX,
    QV_TRANSPORT_RDMA,

    QV_TRANSPORT_LAST
} QvTransport;

typedef struct {
    char *name;          /* host name or address; NULL for unix */
    unsigned int port;   /* 0: the protocol's default */
    QvTransport transport;
    char *socket;        /* unix socket path */
} QvStorageHost;

/* A quorum's read-pattern */
typedef enum {
    QV_QUORUM_READ_DEFAULT,  /* unset: QEMU's default, quorum */
    QV_QUORUM_READ_QUORUM,   /* read every child, vote */
    QV_QUORUM_READ_FIFO,     /* the first child, the next on error */

    QV_QUORUM_READ_LAST
} QvQuorumReadPattern;

typedef struct _QvStorageSource QvStorageSource;

struct _QvStorageSource {
    QvStorageType type;
    QvFormat format;
    bool format_probed;      /* format was guessed from the content */

    /* file, block, dir: the path; network: the volume/image/export name;
     * volume: the volume name */
    char *path;
    char *pool;              /* volume: its pool */

    /* network */
    QvNetProtocol protocol;
    QvStorageHost *hosts;
    size_t nhosts;
    char *query;             /* http(s)/ftp(s): query string */
    char *snapshot;          /* rbd: snapshot name */
    char *config;            /* rbd: configuration file */
    char *user;              /* ssh/nfs: user name */

    /* network: <auth username=...><secret type= uuid=|usage=/></auth> */
    char *auth_username;
    char *secret_type;       /* "ceph", "iscsi", ... */
    char *secret_uuid;
    char *secret_usage;

    /* <encryption> as the definition gives it (NULL: none); what the
     * image itself says is encrypted/encryption below */
    QvEncryption *enc;

    bool readonly;

    /* Sizes in bytes; *_known tells whether they were read */
    uint64_t capacity;
    uint64_t allocation;
    uint64_t physical;
    bool sizes_known;

    /* What this image's own metadata says */
    char *backing_name;      /* backing string exactly as written in the header */
    QvFormat backing_format; /* format named by the header, NONE if absent */
    char *data_file;         /* qcow2 external data file, as written */
    bool data_file_raw;      /* qcow2 data-file-raw bit */
    bool encrypted;
    char *encryption;        /* "aes", "luks", or NULL */
    unsigned int format_version; /* qcow2 2/3, luks 1/2, ... 0 if n/a */
    uint64_t incompat_unknown;   /* qcow2 incompatible bits qvirt does not know */

    /* The string this element was reached by, when it is relative */
    char *relpath;

    /* Identity for loop detection (files and block devices) */
    dev_t dev;
    ino_t ino;
    bool have_identity;

    unsigned int index;      /* libvirt's index attribute, 0 when unset */

    /* Backing stores.  backing_known is true when the list is complete:
     * a plain image with nbacking == 0 and backing_known has no backing;
     * with !backing_known the chain below was not (or could not be) read. */
    QvStorageSource **backing;
    size_t nbacking;
    bool backing_known;

    unsigned int threshold;  /* quorum: votes needed */
    /* quorum options, qvirt's attributes of <threshold> (QEMU's
     * read-pattern, rewrite-corrupted, blkverify); fixed while QEMU has
     * the quorum open: it cannot reopen one */
    QvQuorumReadPattern read_pattern;
    int rewrite_corrupted;   /* 0: unset, 1: on, 2: off (QvTristate's values) */
    int blkverify;           /* the same */

    /* <seclabel> elements of its <source> (storage/qv-seclabel.h) */
    QvSecLabelDef *seclabels;
    size_t nseclabels;
    QvSourceOpts opts;       /* slices, tls, cookies, ... (qv-source-opts.h) */
};

/* The model='dac' <seclabel> of @src, or NULL */
const QvSecLabelDef *qv_source_dac_seclabel(const QvStorageSource *src);

/* "quorum", "fifo"; *_from_string -1 when unknown */
const char *qv_quorum_read_pattern_to_string(QvQuorumReadPattern p);
int qv_quorum_read_pattern_from_string(const char *s);

QvStorageSource *qv_source_new(QvStorageType type);
void qv_source_free(QvStorageSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvStorageSource, qv_source_free)

/* Deep copy, backing stores included */
QvStorageSource *qv_source_copy(const QvStorageSource *src);

/* Deep comparison of every field, backing stores included */
bool qv_source_equal(const QvStorageSource *a, const QvStorageSource *b);

/* Append @child (stolen) to @src's backing stores */
void qv_source_add_backing(QvStorageSource *src, QvStorageSource **child);

/* Append a host (fields are copied) */
void qv_source_add_host(QvStorageSource *src, const char *name,
                        unsigned int port, QvTransport transport,
                        const char *socket);

/* Number of elements in the tree rooted at @src (itself included) */
size_t qv_source_count(const QvStorageSource *src);

/* "path" for local sources, "proto://host/name" style text for network */
char *qv_source_describe(const QvStorageSource *src);

bool qv_source_is_local(const QvStorageSource *src);

/* True when any <auth> part is set */
bool qv_source_has_auth(const QvStorageSource *src);

/* String tables; *_from_string returns -1 when unknown */
const char *qv_storage_type_to_string(QvStorageType t);
int qv_storage_type_from_string(const char *s);
const char *qv_format_to_string(QvFormat f);
int qv_format_from_string(const char *s);
const char *qv_protocol_to_string(QvNetProtocol p);
int qv_protocol_from_string(const char *s);
unsigned int qv_protocol_default_port(QvNetProtocol p);
const char *qv_transport_to_string(QvTransport t);
int qv_transport_from_string(const char *s);

G_END_DECLS
