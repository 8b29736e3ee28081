// HL7 v2.8 §2.5: the delimiter index against a byte-at-a-time reference, with segment terminators, tabs,
// ESC and field separators at every position of an eight-byte word (the scan reads words).
import Testing
@testable import HL7

@Suite struct ER7IndexScanTests {
    /// Slot starts of `bytes` found one byte at a time: each segment's start, then one past each field separator.
    static func referenceSlots(_ bytes: [UInt8], fs: UInt8) -> [Int32] {
        var slots: [Int32] = []
        var i = 0
        while i < bytes.count {
            while i < bytes.count, bytes[i] == 0x0D || bytes[i] == 0x0A || bytes[i] == 0x1C { i += 1 }
            guard i < bytes.count else { break }
            slots.append(Int32(i))
            while i < bytes.count, bytes[i] != 0x0D, bytes[i] != 0x0A, bytes[i] != 0x1C {
                if bytes[i] == fs { slots.append(Int32(i + 1)) }
                i += 1
            }
            slots.append(Int32(i + 1))
        }
        return slots
    }

    @Test func wordScanMatchesByteReference() throws {
        var state: UInt64 = 0x1D_E7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let fillers: [[UInt8]] = [[], Array("A".utf8), Array("AB^C".utf8), Array("x\t".utf8), [0x1B, 0x24, 0x42],
                                  Array("12345678".utf8), Array("é~&\\".utf8), Array("||".utf8)]
        let terminators: [[UInt8]] = [[0x0D], [0x0A], [0x0D, 0x0A], [0x0D, 0x0D]]
        for _ in 0 ..< 2000 {
            var bytes = Array("MSH|^~\\&|APP".utf8)
            for _ in 0 ..< next(5) { bytes += [0x7C] + fillers[next(fillers.count)] }
            for _ in 0 ..< next(6) {
                bytes += terminators[next(terminators.count)]
                bytes += Array(["PID", "OBX", "ZZ1"][next(3)].utf8)
                for _ in 0 ..< next(9) { bytes += [0x7C] + fillers[next(fillers.count)] + fillers[next(fillers.count)] }
            }
            if next(2) == 0 { bytes += terminators[next(terminators.count)] }
            let m = try Message(bytes)
            #expect(m.index.slots == Self.referenceSlots(bytes, fs: 0x7C), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }
}
