/*
 * qv-seclabel-xml: libvirt's per-element <seclabel> inside a disk's
 * <source> and each <backingStore>'s (storage/qv-seclabel.h), read and
 * written back as given:
 *   <seclabel model='dac' relabel='no'/>
 *   <seclabel model='dac' relabel='yes'><label>+107:+107</label></seclabel>
 * As libvirt: relabel='no' takes no <label>; otherwise a <label> is
 * required (labelskip='yes' is status output, kept); a dac label is
 * "+UID:+GID" or "USER:GROUP" names; one <seclabel> per model.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "storage/qv-source.h"

G_BEGIN_DECLS

/* Parse one <seclabel> element into @src's list; @ctx prefixes messages */
bool qv_seclabel_xml_parse(xmlNodePtr node, QvStorageSource *src, const char *ctx,
                           GError **error);
/* (written by conf/qv-source-xml.c, which needs no libxml2) */

G_END_DECLS
