// A thin wrapper around the C library's iconv(3), used for the character repertoires that
// Swift's standard library does not know (ISO 8859-x, TIS 620, EUC-JP, EUC-KR, GB 2312,
// GBK, GB 18030).
//
// A converter owns one conversion descriptor. It is created inside one call of
// `SpecificCharacterSet.decode` / `encode`, used by that call only and closed when the call
// ends, so no descriptor is ever shared between threads (an iconv_t carries shift state and
// must not be used concurrently). The type is deliberately not Sendable.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One iconv conversion descriptor, from `source` to `target` (names as `iconv -l` lists them).
final class IconvConverter {
    let source: String
    let target: String
    private let descriptor: iconv_t

    /// Opens a descriptor; `nil` if the C library does not know one of the names.
    init?(from source: String, to target: String) {
        let opened: iconv_t? = iconv_open(target, source)
        guard let opened, opened != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        self.source = source
        self.target = target
        self.descriptor = opened
    }

    deinit {
        iconv_close(descriptor)
    }

    /// What to do with input the source encoding does not allow.
    enum InvalidInput {
        /// Stop and report failure (for encoding, where nothing may be lost).
        case fail
        /// Emit `replacement` in the output, skip `unit` input bytes and go on (for decoding).
        case replace(with: [UInt8], unit: Int)
    }

    /// Converts all of `input`. Returns `nil` only with `.fail` when some input was invalid
    /// or incomplete.
    func convert(_ input: [UInt8], invalid: InvalidInput) -> [UInt8]? {
        resetState()
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 + 8)
        var chunk = [UInt8](repeating: 0, count: max(64, input.count * 4 + 16))
        var offset = 0
        var failed = false

        input.withUnsafeBufferPointer { inBuffer in
            chunk.withUnsafeMutableBufferPointer { outBuffer in
                guard let inBase = inBuffer.baseAddress, let outBase = outBuffer.baseAddress else { return }
                while offset < input.count {
                    var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: inBase + offset)
                        .assumingMemoryBound(to: CChar.self)
                    var inLeft = input.count - offset
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuffer.count
                    let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let error = errno
                    output.append(contentsOf: UnsafeBufferPointer(start: outBase, count: outBuffer.count - outLeft))
                    offset = input.count - inLeft
                    if result != -1 { break }
                    if error == E2BIG { continue }
                    // EILSEQ (invalid sequence), EINVAL (incomplete at the end) or anything else.
                    switch invalid {
                    case .fail:
                        failed = true
                        return
                    case .replace(let replacement, let unit):
                        output.append(contentsOf: replacement)
                        offset = error == EILSEQ ? min(input.count, offset + max(1, unit)) : input.count
                        resetState()
                    }
                }
                // Flush any pending shift state (none for the encodings used here, but cheap).
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                _ = iconv(descriptor, nil, nil, &outPointer, &outLeft)
                output.append(contentsOf: UnsafeBufferPointer(start: outBase, count: outBuffer.count - outLeft))
            }
        }
        return failed ? nil : output
    }

    private func resetState() {
        _ = iconv(descriptor, nil, nil, nil, nil)
    }
}
