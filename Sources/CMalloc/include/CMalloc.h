// glibc's allocator settings (malloc.h, which Swift's Glibc module leaves out).
#pragma once
#include <malloc.h>

static inline int mc_malloc_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
static inline int mc_malloc_set_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }
static inline int mc_malloc_trim(void) { return malloc_trim(0); }
