/*
 * qv-disk-opts-xml: the <disk> XML of QvDiskOpts and of <driver>, read and
 * written in libvirt's form and order.  qv-disk-xml.c calls these for
 * each part of a <disk>; the rules across fields and disks are in
 * qv-domain-validate.c.
 */
#pragma once

#include <libxml/tree.h>

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/* <disk snapshot model rawio sgio> (type and device are qv-disk-xml's) */
bool qv_disk_opts_parse_disk_attrs(xmlNodePtr node, QvDiskOpts *o, const char *ctx,
                                   GError **error);
void qv_disk_opts_format_disk_attrs(GString *buf, const QvDiskOpts *o);

/* <driver>, all of it: name, type (the source's format), cache, io, ...,
 * <metadata_cache> */
bool qv_disk_parse_driver(xmlNodePtr node, QvDiskDef *disk, const char *ctx,
                          GError **error);
void qv_disk_format_driver(GString *buf, const QvDiskDef *disk, unsigned int indent);

/* <target removable rotation_rate> (dev, bus, tray are qv-disk-xml's) */
bool qv_disk_opts_parse_target(xmlNodePtr node, QvDiskOpts *o, const char *ctx,
                               GError **error);
void qv_disk_opts_format_target_attrs(GString *buf, const QvDiskOpts *o);

/* <transient shareBacking> */
bool qv_disk_opts_parse_transient(xmlNodePtr node, QvDiskOpts *o, const char *ctx,
                                  GError **error);
void qv_disk_opts_format_transient(GString *buf, const QvDiskOpts *o, unsigned int indent);

/* A child of <disk>: 1 when ours (<iotune>, <geometry>, <blockio>, <wwn>,
 * <vendor>, <product>), 0 when not, -1 on error (a second one too) */
int qv_disk_opts_parse_child(xmlNodePtr c, QvDiskOpts *o, const char *ctx, GError **error);

/* The type and drive numbers of <address> (the element itself is kept
 * verbatim by qv-disk-xml); a number that does not parse is left 0 */
void qv_disk_opts_read_address(xmlNodePtr node, QvDiskOpts *o);

/* <geometry> and <blockio> (libvirt writes them before <mirror> and
 * <target>), <iotune> (after <target>), <wwn> <vendor> <product> (after
 * <serial>) */
void qv_disk_opts_format_shape(GString *buf, const QvDiskOpts *o, unsigned int indent);
void qv_disk_opts_format_iotune(GString *buf, const QvDiskOpts *o, unsigned int indent);
void qv_disk_opts_format_ids(GString *buf, const QvDiskOpts *o, unsigned int indent);

G_END_DECLS
