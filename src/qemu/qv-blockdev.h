/*
 * qv-blockdev: the QEMU block graph of a disk, as blockdev-add arguments.
 *
 * Every element of a disk's chain gets two nodes, a protocol node (file,
 * host_device, nbd, ...) and a format node (qcow2, raw, ...), each with a
 * deterministic node name so that block jobs, queries and the start-up
 * check can address any layer.  A quorum gets one node whose children
 * are the top format nodes of their own chains.
 *
 * Node names: "<dst>-s<index>" (protocol) and "<dst>-f<index>" (format,
 * or the quorum node itself), where index is the element's index in the
 * domain (qv_domain_assign_indexes: unique, assigned top-down at start,
 * kept for the life of the guest, the N of libvirt's vda[N]), so a name
 * never changes when a snapshot or a job moves the element in its chain:
 *     vda-f1 (qcow2) file vda-s1, backing vda-f2 (file vda-s2) ...
 *     vdb-f4 (quorum) children vdb-f5, vdb-f7, vdb-f8
 * A disk with copy_on_read='on' gets a copy-on-read filter "<dst>-cor"
 * above its top node.
 */
#pragma once

#include <json-c/json.h>

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/* QEMU refuses node names longer than this */
#define QV_BLOCKDEV_NODE_NAME_MAX 31

/* The name of the node of the element with @index: the format node
 * when @format, else the protocol node */
char *qv_blockdev_node_name(const char *dst, unsigned int index, bool format);

/*
 * The node the disk's front end attaches to (drive=), or NULL for a disk
 * without media (an empty cdrom or floppy).
 */
char *qv_blockdev_top_node(const QvDiskDef *disk);

/* True when the disk has media to open (a source that is not empty) */
bool qv_blockdev_disk_has_media(const QvDiskDef *disk);

/*
 * The blockdev-add arguments for the whole disk: a JSON array of objects
 * in the order they must be added (every node after the nodes it refers
 * to, so bottom-up).  An empty array for a disk without media.
 */
json_object *qv_blockdev_props(const QvDiskDef *disk, GError **error);

/*
 * The same for a QEMU that runs in the folder @cwd (absolute; NULL: no
 * folder is assumed): a chain element reached by a relative backing
 * string resolved against @cwd is opened by that string itself.
 *
 * Why: QEMU compares each image's backing string with the filename of
 * the node given as its backing; when they differ it takes the backing
 * as overridden and names the node json:{...} with the options of the
 * whole chain below, and every layer above then differs too.  Refreshing
 * those names costs QEMU O(depth^2) work per node added (a relative chain
 * of 200 explicit layers opened in 4.8 s instead of 0.6 s; 1,000 layers
 * took more than ten minutes).  Opening the image by the very string its
 * overlay names, from the overlay's folder, keeps every name plain.
 */
json_object *qv_blockdev_props_cwd(const QvDiskDef *disk, const char *cwd,
                                   GError **error);

/*
 * The folder QEMU should run in for @def: the one most relative backing
 * strings of its chains are resolved against (a chain usually sits in one
 * folder), or NULL when no chain has a relative string.
 */
char *qv_blockdev_pick_cwd(const QvDomainDef *def);

/*
 * The blockdev-add arguments for the chain from @top down, for a disk
 * QEMU runs already (a copy's destination, a snapshot's overlay): @top is
 * opened writable as the disk's new top; at @stop (an element QEMU has
 * open already, or NULL) the walk ends and the element above it links to
 * its node.
 */
json_object *qv_blockdev_chain_props(const QvDiskDef *disk,
                                     const QvStorageSource *top,
                                     const QvStorageSource *stop,
                                     const char *cwd, GError **error);

/*
 * The node names to blockdev-del, in order, to drop the elements from
 * @top down to @stop (excluded; NULL: the whole chain): each format node
 * before its protocol node, an overlay before its backing.
 */
json_object *qv_blockdev_del_list(const QvDiskDef *disk,
                                  const QvStorageSource *top,
                                  const QvStorageSource *stop);

/* QEMU's driver for format @f, or NULL when it has none qvirt can use;
 * *@cow: the format can have a backing store */
const char *qv_blockdev_format_driver(QvFormat f, bool *cow);

/* The node names in @props (as returned above), in order (borrowed) */
GPtrArray *qv_blockdev_node_names(json_object *props);

G_END_DECLS
