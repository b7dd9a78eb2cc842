// Landlock (Linux 5.13+): an unprivileged process gives up the files it will
// not need. glibc has no wrappers for its three system calls, and Swift
// cannot call the variadic syscall(2), so they are wrapped here. The access
// bits are the kernel's ABI (include/uapi/linux/landlock.h), spelled out so
// an older header does not narrow what a newer kernel enforces.
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef O_PATH
#define O_PATH 010000000
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct microcast_landlock_ruleset_attr {
    uint64_t handled_access_fs;
};

struct microcast_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/// The Landlock ABI version the kernel offers; below 1 when it offers none.
static inline int microcast_landlock_abi(void) {
    return (int)syscall(SYS_landlock_create_ruleset, (void *)0, (size_t)0, (uint32_t)1);
}

/// A new ruleset handling `handled` access rights; a file descriptor, or -1.
static inline int microcast_landlock_create(uint64_t handled) {
    struct microcast_landlock_ruleset_attr attr = {.handled_access_fs = handled};
    return (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), (uint32_t)0);
}

/// Allows `allowed` beneath the directory (or on the file) open as `parent`; 0 or -1.
static inline int microcast_landlock_allow(int ruleset, int parent, uint64_t allowed) {
    struct microcast_landlock_path_beneath_attr attr = {.allowed_access = allowed, .parent_fd = parent};
    return (int)syscall(SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &attr, (uint32_t)0);
}

/// Binds this thread, and every thread and process it starts from now on, to the ruleset; 0 or -1.
static inline int microcast_landlock_restrict(int ruleset) {
    return (int)syscall(SYS_landlock_restrict_self, ruleset, (uint32_t)0);
}

/// Opens `path` only to name it in a rule (O_PATH); a file descriptor, or -1.
static inline int microcast_open_for_rule(const char *path) {
    return open(path, O_PATH | O_CLOEXEC);
}

/// Sets no_new_privs (prctl is variadic, so Swift cannot call it); 0 or -1.
static inline int microcast_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
