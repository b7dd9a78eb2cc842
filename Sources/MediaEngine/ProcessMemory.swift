import CMalloc

/// glibc's allocator, set for a process that decodes large images and sound
/// on many threads: the server without media children, and each media child. Measured with `bench backlog` (200 photos of 4096 × 4096):
/// with glibc's defaults resident memory grew with every photo, from 589 MB
/// after 10 to 1237 MB after 200, though each job frees what it took.
public enum ProcessMemory {
    /// Call once, before the pools start.
    public static func configure() {
        // Pixel buffers of a megabyte or more come from mmap and go back to
        // the system when freed. By default glibc raises this threshold after
        // the first such free (up to 32 MB), and from then on keeps every
        // image buffer in its heaps, where freed pages stay resident.
        _ = mc_malloc_set_mmap_threshold(1 << 20)
        // Every thread that allocates (event loops, both pools, libvips's,
        // libaom's and x264's workers) would otherwise get an arena of its
        // own, up to eight per core, each holding on to what it freed.
        _ = mc_malloc_set_arena_max(2)
    }

    /// Hands freed heap pages back to the system; after each media job, and after each answer of a media child.
    public static func trim() {
        _ = mc_malloc_trim()
    }
}
