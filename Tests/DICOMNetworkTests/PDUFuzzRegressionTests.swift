// Inputs found by Fuzz/PDUFuzz, replayed: each decoded PDU, written, reads back and writes the
// same bytes again (write(read(write(p))) == write(p)), whatever the split of the stream.

import Foundation
import NIOCore
import Testing
@testable import DICOMNetwork

@Suite struct PDUFuzzRegressionTests {
    /// Fuzz inputs (base64; byte 0 seeds the read split in the harness, the rest is the stream).
    static let findings: [String] = [
        // An A-ASSOCIATE-RQ then a corrupted A-ASSOCIATE-AC.
        "KAEAAAAArwcBAABBTlktU0NQICAgICAgICAgRUNIT1NDVSAgICAgICAgIAAAAAAABQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAFTAuMi44NDAuMTAwMDguMy4xIDEuMS4AAC4BMAAAAAAAETEuMi44NDAuMTAwMDguMS4xQAAAETEuMi44NDAuMTAwMDguMS4yUAAAHFEAAAQAAEAAUgAABTEuMi4zVQAAB0lTVEhNVVMCAAAAAMkAAf////////8AUCAgICAgICAgIEVDSE9TQ1UgICAgICAgICAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACzAAAAAAAAABAAABUxLjIuODQwLjEwMDA4LjMuMS4xLjEhAAAZAQAAAEAAABExLjIuODQwLjEwMDA4LjEuMiEAABkDAAMAQAAAETEuMi44NDAuMTAwMDguMS4yUAAALlEAAAQAAQAAUgAABTEuMi4zUwAABBABAAFVAAAHSVNUSE1VU1kAAAYABE9LQVkDAAAAAAQAAQEHBAAAAAASAAAABgED0t6tvu8AAAAEAQABAgUAAAAABAAAAAAGAAAAAAQAAAAABwAAAAAEAAACAg==",
    ]

    static func written(_ pdu: PDU) -> [UInt8] {
        var b = ByteBuffer()
        pdu.write(to: &b)
        return Array(b.readableBytesView)
    }

    @Test(arguments: 0..<findings.count) func writingWhatWasReadIsIdempotent(_ index: Int) throws {
        let input = [UInt8](Data(base64Encoded: Self.findings[index])!)
        var decoder = PDUDecoder(maximumPDULength: 4096)
        var buffer = ByteBuffer(bytes: input.dropFirst())
        var pdus: [PDU] = []
        do {
            while let pdu = try decoder.decode(buffer: &buffer) { pdus.append(pdu) }
        } catch {
            // A bad PDU later in the stream ends it with a DICOMNetworkError; the ones before count.
            #expect(error is DICOMNetworkError)
        }
        #expect(!pdus.isEmpty)
        for pdu in pdus {
            let once = Self.written(pdu)
            let again = try PDU.read(bytes: once)
            let twice = Self.written(again)
            if twice != once, let i = Array(zip(once, twice)).firstIndex(where: { $0.0 != $0.1 }) ?? (twice.count != once.count ? min(once.count, twice.count) - 1 : nil) {
                Issue.record("first difference at byte \(i): \(once[max(0, i - 8)..<min(once.count, i + 24)].map { String($0, radix: 16) }) vs \(twice[max(0, i - 8)..<min(twice.count, i + 24)].map { String($0, radix: 16) })")
            }
            #expect(twice == once)
        }
    }
}
