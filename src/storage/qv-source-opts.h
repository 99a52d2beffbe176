/*
 * qv-source-opts: the parts of a storage source that libvirt's <source>
 * carries beyond where the data is: a storage slice, the NBD TLS
 * settings, HTTP(S) cookies and curl options, the iSCSI initiator, the
 * NFS identity's group, persistent reservations, a file's fd group, a
 * volume's mode, and what an NVMe or vhost-user source names.  Kept by
 * value in QvStorageSource (src->opts); this file owns their copy,
 * comparison and release.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/* libvirt's virTristateBool: absent, "yes", "no" */
typedef enum {
    QV_YESNO_ABSENT,
    QV_YESNO_YES,
    QV_YESNO_NO,

    QV_YESNO_LAST
} QvYesNo;

typedef struct {
    char *name;
    char *value;
} QvCookie;

typedef struct {
    /* <slices><slice type='storage' offset size/></slices> */
    bool has_slice;
    uint64_t slice_offset;
    uint64_t slice_size;

    char *fdgroup;           /* file: <source fdgroup> */
    char *volume_mode;       /* volume: "host" or "direct" */

    /* nbd */
    QvYesNo tls;
    char *tls_hostname;

    /* http(s), ftp(s) */
    QvCookie *cookies;
    size_t ncookies;
    QvYesNo ssl_verify;      /* https, ftps: <ssl verify> */
    uint64_t readahead;      /* bytes; 0: unset */
    uint64_t timeout;        /* seconds; 0: unset */

    char *initiator_iqn;     /* iscsi: <initiator><iqn name/> */
    char *nfs_group;         /* nfs: <identity group> (user is src->user) */

    /* <reservations managed><source type='unix' path mode/></reservations> */
    bool has_reservations;
    QvYesNo pr_managed;
    char *pr_path;
    char *pr_mode;           /* "server", "client" */

    /* nvme: <source type='pci' namespace managed><address .../></source> */
    uint64_t nvme_namespace;
    QvYesNo nvme_managed;
    bool has_pci_address;
    unsigned int pci_domain, pci_bus, pci_slot, pci_function;

    /* vhostuser: <source type='unix' path><reconnect enabled timeout/></source>
     * (the path is src->path) */
    QvYesNo reconnect;
    uint64_t reconnect_timeout;
    bool has_reconnect_timeout;
} QvSourceOpts;

void qv_source_opts_clear(QvSourceOpts *o);
/* @dst is a shallow copy of @src: give it its own strings */
void qv_source_opts_deepen(QvSourceOpts *dst);
bool qv_source_opts_equal(const QvSourceOpts *a, const QvSourceOpts *b);
void qv_source_opts_add_cookie(QvSourceOpts *o, const char *name, const char *value);

const char *qv_yesno_to_string(QvYesNo v);
int qv_yesno_from_string(const char *s);

G_END_DECLS
