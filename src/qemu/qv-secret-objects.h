/*
 * qv-secret-objects: a guest's secrets as QEMU takes them, the way
 * libvirt hands them over: a random 256-bit master key per guest in a
 * 0600 file (-object secret,id=masterKey0,format=raw,file=...), and
 * every secret a disk needs (a LUKS passphrase, a ceph key, an iscsi or
 * http password) AES-256-CBC encrypted with that key and a random IV,
 * passed as -object secret,data=<base64>,keyid=masterKey0,iv=<base64>.
 * No secret is ever on QEMU's command line or in its log as plain text.
 *
 * The object ids follow the node names of qv-blockdev, so the blockdev
 * arguments name them without knowing the values:
 *   vda-f1-encryption-secret0   the key of the format node vda-f1
 *   vda-s1-auth-secret0         the password of the protocol node vda-s1
 */
#pragma once

#include <json-c/json.h>

#include "conf/qv-domain.h"
#include "conf/qv-secret-store.h"

G_BEGIN_DECLS

#define QV_QEMU_MASTER_KEY_ALIAS "masterKey0"
#define QV_QEMU_MASTER_KEY_LEN 32

typedef struct {
    uint8_t key[QV_QEMU_MASTER_KEY_LEN];
    bool have_key;
    json_object *objects;    /* array of -object / object-add arguments, in order */
} QvQemuSecrets;

QvQemuSecrets *qv_qemu_secrets_new(void);
void qv_qemu_secrets_free(QvQemuSecrets *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvQemuSecrets, qv_qemu_secrets_free)

/* A new random master key, written to @path (0600, replaced) */
bool qv_qemu_secrets_new_master_key(QvQemuSecrets *s, const char *path, GError **error);

/* The master key of a running guest, read back from @path (for hotplug) */
bool qv_qemu_secrets_load_master_key(QvQemuSecrets *s, const char *path, GError **error);

/* The -object of the master key: {"qom-type":"secret","id":"masterKey0",...} */
json_object *qv_qemu_master_key_props(const char *path);

/*
 * Look up in @store every secret @disk's chain names (its <encryption>
 * passphrases and network <auth>) and add each one, encrypted with the
 * master key, to s->objects.  A secret that is missing or has no value
 * is an error naming the disk, the image and the uuid or usage.
 */
bool qv_qemu_secrets_add_disk(QvQemuSecrets *s, const QvDiskDef *disk,
                              QvSecretStore *store, GError **error);

/* What a start gives QEMU: a new master key written to @master_key_path,
 * its -object, and the encrypted secret of every disk of @def (an array
 * of -object arguments, new) */
json_object *qv_qemu_secrets_for_start(const QvDomainDef *def, QvSecretStore *store,
                                       const char *master_key_path, GError **error);

/* The ids of the secret objects of @disk (new strings), in add order: what
 * object-del removes after the disk is gone */
GPtrArray *qv_qemu_secret_ids(const QvDiskDef *disk);

/*
 * For qv-blockdev: the secret members of chain element @src's nodes:
 * "key-secret" (luks), "encrypt" (qcow2 with LUKS, rbd with librbd's
 * encryption) on @fmt or @proto, the user and "key-secret" /
 * "password-secret" of a network <auth> on @proto
 */
bool qv_qemu_secrets_blockdev(const QvDiskDef *disk, const QvStorageSource *src,
                              json_object *proto, json_object *fmt, GError **error);

/* QEMU's rules for @src's <encryption> and <auth>: formats QEMU can
 * decrypt, a secret named, a protocol that takes a password */
bool qv_qemu_validate_secrets(const QvDiskDef *disk, const QvStorageSource *src,
                              GError **error);

/* QEMU's message when it cannot open an encrypted image with the key it
 * was given, said for the person who set the secret ("disk 'vda': the
 * passphrase of the secret with uuid '...' does not unlock '...'"), or
 * NULL when @qemu_message is about something else */
char *qv_qemu_secrets_explain(const QvDomainDef *def, const char *qemu_message);

/* Whether @src is opened through an encryption layer QEMU needs a key for */
bool qv_qemu_source_needs_key(const QvStorageSource *src);

G_END_DECLS
