// libFuzzer entry point: feeds arbitrary bytes to the MLLP frame decoder, whole and split into reads at
// positions taken from the input, and checks invariants with preconditions:
// - however the stream is split, the same payloads come out and the same error (if any) ends it;
// - no payload exceeds the maximum frame size, and none contains an end block (0x1C);
// - what the decoder keeps buffered never exceeds the maximum frame size plus the block's delimiters;
// - bytes outside blocks are dropped and counted, never kept;
// - framing any payload without 0x1C and decoding it gives the payload back.

import MLLP
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    return 0
}

struct Outcome: Equatable {
    var payloads: [[UInt8]] = []
    var error: String?
    var discarded = 0
}

/// Decodes `stream` delivered in reads of the given sizes (the last read takes the rest), then signals EOF.
func decode(_ stream: ArraySlice<UInt8>, reads: [Int], maximum: Int) -> Outcome {
    var decoder = MLLPFrameDecoder(maximumFrameSize: maximum)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    var rest = stream
    var sizes = reads[...]
    func drain(last: Bool) throws {
        while true {
            let payload = last ? try decoder.decodeLast(buffer: &buffer, seenEOF: true) : try decoder.decode(buffer: &buffer)
            guard let payload else { break }
            let p = Array(payload.readableBytesView)
            precondition(p.count <= maximum, "payload above the maximum")
            precondition(!p.contains(0x1C), "payload holds an end block")
            outcome.payloads.append(p)
        }
        precondition(buffer.readableBytes <= maximum + 3, "decoder buffers more than a maximum block")
        buffer.discardReadBytes()
    }
    do {
        while !rest.isEmpty {
            let n = max(1, min(sizes.popFirst() ?? rest.count, rest.count))
            buffer.writeBytes(rest.prefix(n))
            rest = rest.dropFirst(n)
            try drain(last: false)
        }
        try drain(last: true)
    } catch let error as MLLPError {
        outcome.error = error.code.name
    } catch {
        preconditionFailure("unexpected error type \(error)")
    }
    outcome.discarded = decoder.discardedBytes
    return outcome
}

func exercise(_ bytes: [UInt8]) {
    guard bytes.count >= 2 else { return }
    // First byte: maximum frame size (1…256); second: a seed for read sizes.
    let maximum = Int(bytes[0]) + 1
    let seed = Int(bytes[1])
    let stream = bytes[2...]
    let whole = decode(stream, reads: [stream.count], maximum: maximum)
    let byByte = decode(stream, reads: Array(repeating: 1, count: stream.count), maximum: maximum)
    var sizes: [Int] = []
    var s = seed &* 2654435761 & 0xFFFF
    var total = 0
    while total < stream.count {
        s = (s &* 1103515245 &+ 12345) & 0x7FFF_FFFF
        let n = 1 + s % 17
        sizes.append(n)
        total += n
    }
    let chunked = decode(stream, reads: sizes, maximum: maximum)
    // The frameTooLarge check may fire earlier in a split stream than in a whole one (before the end block
    // arrives), so payloads before the error must agree, and so must the error.
    precondition(whole.error == byByte.error && whole.error == chunked.error, "error depends on the split")
    precondition(whole.payloads == byByte.payloads && whole.payloads == chunked.payloads, "payloads depend on the split")
    if whole.error == nil {
        precondition(whole.discarded == byByte.discarded && whole.discarded == chunked.discarded, "discard count depends on the split")
    }

    // Round trip: a payload without end blocks, framed, decodes to itself.
    let payload = stream.filter { $0 != 0x1C }
    if payload.count <= maximum {
        let framed = MLLPFrame.frame(payload)
        let back = decode(framed[...], reads: sizes, maximum: maximum)
        precondition(back.error == nil && back.payloads == [payload], "frame round trip")
    }
}

// SwiftPM links an executable target's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("MLLPFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
