/*
 * qv-uuid: UUIDs in libvirt's text forms (hex digits with '-' anywhere
 * between them, blanks around), written as lowercase 8-4-4-4-12.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

#define QV_UUID_STRING_LEN 37

/* @s in canonical form into @out; false when it is not a UUID */
bool qv_uuid_canonical(const char *s, char out[QV_UUID_STRING_LEN]);

G_END_DECLS
