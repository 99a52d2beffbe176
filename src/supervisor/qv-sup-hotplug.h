/*
 * qv-sup-hotplug: what qv-sup-hotplug.c (disks plugged in and out) and
 * qv-sup-media.c (media changes) share.
 */
#pragma once

#include "supervisor/qv-supervisor-priv.h"

/* The live disk whose device id is @alias, or NULL */
QvDiskDef *qv_sup_hp_disk_by_alias(QvSupervisor *sup, const char *alias);
/* One device operation at a time (their QMP calls let requests in), and
 * none while a job's start holds extra leases; false with why not */
bool qv_sup_hp_enter_op(QvSupervisor *sup, const char *what, GError **error);
void qv_sup_hp_leave_op(QvSupervisor *sup);
/* The answer: {"dropped": the first line startupPolicy dropped, if any} */
json_object *qv_sup_hp_reply_dropped(GPtrArray *dropped);
/* @disk's chain checked as at start (startupPolicy); *@disk may be
 * replaced; what was dropped goes to @dropped */
bool qv_sup_hp_prepare_disk(QvDiskDef **disk, GPtrArray *dropped, GError **error);
/* The node names of blockdev-add objects @props, top-down */
json_object *qv_sup_hp_names_top_down(json_object *props);
/* The next element index no node name of this guest's life has used */
unsigned int qv_sup_hp_next_index(QvSupervisor *sup);
