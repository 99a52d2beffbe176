/*
 * qv-lock-nop: the driver that locks nothing, for those who say
 * lock_manager = "nop" (libvirt's default; not qvirt's).
 */
#include "locking/qv-lock-drivers.h"

static bool
nop_init(const QvLockConfig *cfg, GError **error)
{
    return true;
}

static bool
nop_new_object(QvLockObject *obj, GError **error)
{
    return true;
}

static bool
nop_add_resource(QvLockObject *obj, const QvLockResource *res, GError **error)
{
    return true;
}

static bool
nop_acquire(QvLockObject *obj, const char *state, unsigned int flags,
            QvLockFailureAction action, GError **error)
{
    return true;
}

static bool
nop_release(QvLockObject *obj, char **state, unsigned int flags, GError **error)
{
    return true;
}

static bool
nop_inquire(QvLockObject *obj, char **state, GError **error)
{
    return true;
}

static void
nop_free_object(QvLockObject *obj)
{
}

const QvLockDriver qv_lock_driver_nop = {
    .size = sizeof(QvLockDriver),
    .abi = QV_LOCK_DRIVER_ABI,
    .name = "nop",
    .init = nop_init,
    .new_object = nop_new_object,
    .add_resource = nop_add_resource,
    .acquire = nop_acquire,
    .release = nop_release,
    .inquire = nop_inquire,
    .free_object = nop_free_object,
};
