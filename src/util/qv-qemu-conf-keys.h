/*
 * qv-qemu-conf-keys: the keys libvirt's qemu.conf may hold (libvirt 9.0's
 * lens, and a few later ones), so that an admin's qemu.conf copied from a
 * libvirt host is read: each qvirt module that reads qemu.conf checks the
 * keys it applies and accepts the other libvirt keys without applying
 * them; a key libvirt does not know either is a mistake and refused.
 */
#pragma once

#include <stdbool.h>

/* @key is one of libvirt's qemu.conf keys */
bool qv_qemu_conf_key_known(const char *key);
