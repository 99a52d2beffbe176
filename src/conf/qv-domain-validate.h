/*
 * qv-domain-validate: semantic checks on a parsed domain, after the
 * schema: what a RelaxNG schema cannot say (uniqueness, bounds, which
 * attribute applies to which device), and optionally a comparison of the
 * chains given in XML with what the images say.
 */
#pragma once

#include "conf/qv-domain.h"

G_BEGIN_DECLS

bool qv_domain_validate(const QvDomainDef *def, GError **error);

/* One disk on its own (hotplug); @pos is its 1-based position for messages */
bool qv_disk_validate(const QvDiskDef *disk, size_t pos, GError **error);

/*
 * Two rules the QEMU start path applies again to what it is about to run
 * (src/qemu calls them, so the message at start is the one define gives):
 * a lun needs a block device or an iscsi source; every quorum in the tree
 * of @src (nested ones too) has at least 2 children, each with a source,
 * and a threshold between 1 and their number.  @label: qv_disk_label().
 */
bool qv_disk_validate_lun(const QvDiskDef *disk, const char *label,
                          GError **error);
bool qv_quorum_validate(const QvStorageSource *src, const char *label,
                        GError **error);

/*
 * For every disk whose chain was given in XML, read the images and refuse
 * a mismatch, naming the first element that differs and how.
 */
bool qv_domain_validate_chains(const QvDomainDef *def, GError **error);

/* "disk 'vda'" or, without a target, "disk 3" */
char *qv_disk_label(const QvDiskDef *disk, size_t pos);

G_END_DECLS
