// Copying values out of the input buffer. Large values (whole-file reads of multi-frame
// pixel data) are dominated by the kernel's cost of faulting in and zeroing fresh pages one
// 4 KiB page at a time; on Linux, asking for transparent huge pages first cuts that cost.

#if canImport(Glibc)
import Glibc
#endif

enum ByteCopy {
    /// Values at least this large get the huge page advice (below it, malloc's heap serves them).
    static let hugePageThreshold = 4 << 20

    /// A copy of `source` as an array.
    static func array(_ source: UnsafeRawBufferPointer) -> [UInt8] {
        let count = source.count
        guard count >= hugePageThreshold else { return Array(source) }
        return [UInt8](unsafeUninitializedCapacity: count) { dest, initialized in
            let base = UnsafeMutableRawPointer(dest.baseAddress!)
            #if canImport(Glibc)
            // Advise only the whole pages inside the allocation, before they are touched.
            let page = 2 << 20
            let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: base) + count) & ~(page - 1)
            if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(p, end - start, MADV_HUGEPAGE)
            }
            #endif
            base.copyMemory(from: source.baseAddress!, byteCount: count)
            initialized = count
        }
    }
}
