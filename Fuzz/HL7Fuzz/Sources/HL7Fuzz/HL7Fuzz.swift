// libFuzzer entry point: feeds arbitrary bytes to the HL7 ER7 parser and everything built on it, and
// checks invariants (lossless round trip, escape round trip, set-then-get) with preconditions.

import HL7

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    return 0
}

func exercise(_ bytes: [UInt8]) {
    // Escapes: decode(encode(x)) == x for any bytes.
    let enc = EncodingCharacters.standard
    let encoded = Escaping.encode(bytes.prefix(256), encoding: enc, preservingFormatting: false)
    precondition(Escaping.decode(encoded, encoding: enc) == Array(bytes.prefix(256)), "escape round trip")
    _ = Escaping.decode(bytes, encoding: enc)

    // Paths from arbitrary text never crash.
    _ = HL7Path(String(decoding: bytes.prefix(24), as: UTF8.self))

    // Streams and batches.
    _ = MessageStream.messages(bytes)
    if let batch = try? HL7Batch(bytes) {
        precondition(batch.serialized() == bytes, "batch round trip")
        try? batch.validateCounts()
    }

    guard var m = try? Message(bytes) else { return }
    precondition(m.serialized() == bytes, "lossless round trip")
    for seg in m.segments {
        for f in seg.fields {
            _ = f.value
            _ = f.isNull
            for r in f.repetitions.prefix(8) {
                for c in r.components.prefix(8) { _ = c.value; _ = c.children.count }
            }
        }
    }
    _ = HL7JSON.encode(m)
    _ = m.read(XPN.self, at: "PID-5")
    _ = m.read(CX.self, at: "PID-3")
    _ = m.read(TS.self, at: "MSH-7")
    _ = m.timestamp
    _ = m.acknowledgmentMode
    if m.controlID != nil {
        _ = try? m.acknowledgment(.AE, controlID: "F", timestamp: HL7Timestamp(year: 2026),
                                  errors: [AcknowledgmentError(.dataTypeError, at: ErrorLocation(segment: "PID", field: 3))])
    }
    // Set then get gives the value back (when the charset can encode it).
    let v = "a|b^c&d~e\\f"
    if (try? m.set("ZFZ-3(2).2.2", to: v)) != nil {
        precondition(m.value(at: "ZFZ-3(2).2.2") == v, "set/get")
        precondition((try? Message(m.serialized())) != nil, "reparse after set")
    }
}

// SwiftPM links an executable target's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("HL7Fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
