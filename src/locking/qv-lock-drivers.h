/*
 * qv-lock-drivers: the driver tables built into qvirt.
 */
#pragma once

#include "locking/qv-lock-driver.h"
#include "qvirt-config.h"

G_BEGIN_DECLS

extern const QvLockDriver qv_lock_driver_nop;
extern const QvLockDriver qv_lock_driver_lockd;
#if QVIRT_WITH_SANLOCK
extern const QvLockDriver qv_lock_driver_sanlock;
#endif

G_END_DECLS
