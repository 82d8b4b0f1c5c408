#if os(Linux)
import CMalloc
import Foundation
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
    ///
    /// glibc's own tunables win: with `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` naming
    /// `glibc.malloc.mmap_threshold` in the environment, the operator's value stays (a fixed
    /// threshold too, since glibc stops adapting once it is set).
    static func fixLargeBlockThreshold() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        if environment["MALLOC_MMAP_THRESHOLD_"] != nil
            || environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.mmap_threshold") == true { return }
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        #endif
    }
}
