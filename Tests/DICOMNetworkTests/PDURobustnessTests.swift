// PS3.8 §9.3: whatever the bytes, reading a PDU decodes or throws DICOMNetworkError — never a
// crash, never an allocation by a declared length.

import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite struct PDURobustnessTests {
    static let fixtures = [EncodedPDUs.associateRQ, EncodedPDUs.associateAC, EncodedPDUs.associateRJ, EncodedPDUs.pDataTF,
                           EncodedPDUs.releaseRQ, EncodedPDUs.releaseRP, EncodedPDUs.abort]

    /// Every single-byte change of every fixture (to 00, FF and the byte + 1), and every
    /// truncation, read whole and through the stream decoder.
    @Test func everyMutationDecodesOrThrows() {
        var decoded = 0, refused = 0
        for fixture in Self.fixtures {
            var variants: [[UInt8]] = (0..<fixture.count).map { Array(fixture[..<$0]) }
            for i in fixture.indices {
                for v: UInt8 in [0x00, 0xFF, fixture[i] &+ 1] {
                    var m = fixture
                    m[i] = v
                    variants.append(m)
                }
            }
            for bytes in variants {
                do {
                    let pdu = try PDU.read(bytes: bytes)
                    decoded += 1
                    // What was read writes back and reads again to the same value.
                    #expect(try PDU.read(bytes: pdu.bytes) == pdu, "\(bytes)")
                } catch {
                    refused += 1
                }
                var decoder = PDUDecoder(maximumPDULength: 1 << 16)
                var buffer = ByteBuffer(bytes: bytes)
                _ = try? decoder.decode(buffer: &buffer)
            }
        }
        #expect(decoded > 0 && refused > 0)
    }

    /// Pseudo-random byte strings (a fixed-seed generator: the same cases every run).
    @Test func randomBytes() {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for _ in 0..<5000 {
            let type = UInt8(next() % 9)
            let length = Int(next() % 120)
            var bytes: [UInt8] = [type, 0, 0, 0, 0, UInt8(length)]
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: next())) }
            _ = try? PDU.read(bytes: bytes)
        }
    }
}
