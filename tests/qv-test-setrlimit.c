/*
 * qv-test-setrlimit: an LD_PRELOAD library for the sanlock daemons of
 * the tests.  The daemon raises RLIMIT_MEMLOCK at start and exits when
 * it cannot, which needs CAP_SYS_RESOURCE, which a container lacks:
 * here a setrlimit() the kernel refuses for want of privilege succeeds
 * without changing anything.  Lowering a limit still works.
 */
/* both names are defined: the 64-bit one must not hide the other */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <stddef.h>
#include <sys/resource.h>

static int
set_limit(int resource, const struct rlimit64 *rlim)
{
    if (prlimit64(0, resource, rlim, NULL) == 0 || errno == EPERM)
        return 0;
    return -1;
}

int
setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
    struct rlimit64 r = { .rlim_cur = rlim->rlim_cur, .rlim_max = rlim->rlim_max };

    if (rlim->rlim_cur == RLIM_INFINITY)
        r.rlim_cur = RLIM64_INFINITY;
    if (rlim->rlim_max == RLIM_INFINITY)
        r.rlim_max = RLIM64_INFINITY;
    return set_limit(resource, &r);
}

int
setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rlim)
{
    return set_limit(resource, rlim);
}
