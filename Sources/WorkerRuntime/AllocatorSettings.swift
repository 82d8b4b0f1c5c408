#if os(Linux)
import CMalloc
#endif

/// Process-wide allocator settings for the workers.
enum AllocatorSettings {
    /// Blocks of 128 KiB and more get their own mapping, returned to the system when freed.
    ///
    /// glibc raises this threshold to the size of the largest block freed so far, so after the
    /// first large batch buffer every later one comes from the heap, whose holes are never
    /// given back: a worker's resident memory then grows with the length of a run rather than
    /// with its batch (1M-student benchmark, peak RSS: sink 153–159 → 104–106 MiB, transform
    /// 118–130 → 89–92 MiB).
    static func fixLargeBlockThreshold() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        #endif
    }
}
