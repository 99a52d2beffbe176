/*
 * qv-source-opts-xml: the parts of <source> kept in QvSourceOpts, and the
 * nvme and vhostuser sources, read and written in libvirt's form.  The
 * source parser (qv-source-xml-parse.c) and writer (qv-source-xml.c) call
 * these for every <source>, top and backing, so a chain element keeps
 * them too.  Which protocol or disk type each applies to is checked in
 * qv-domain-validate.c, with libvirt's messages.
 */
#pragma once

#include <libxml/tree.h>

#include "storage/qv-source.h"
#include "conf/qv-source-opts-write.h"

G_BEGIN_DECLS

/* fdgroup (file), mode (volume), tls and tlsHostname (nbd), and for nvme
 * and vhostuser their whole <source>: attributes and children */
bool qv_source_opts_parse_attrs(xmlNodePtr node, QvStorageSource *src,
                                const char *ctx, GError **error);

/* One child of <source>: 1 when it is one of ours (<slices>,
 * <reservations>, <cookies>, <ssl>, <readahead>, <timeout>, <initiator>,
 * <identity>), 0 when not, -1 on error */
int qv_source_opts_parse_child(xmlNodePtr c, QvStorageSource *src,
                               const char *ctx, GError **error);

G_END_DECLS
