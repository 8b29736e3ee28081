// libFuzzer entry point: feeds arbitrary bytes to the PS3.8 PDU decoder as a TCP stream, whole and
// split into reads at positions taken from the input, and checks invariants with preconditions:
// - however the stream is split, the same PDUs come out and the same error (if any) ends it;
// - only DICOMNetworkError is thrown; a declared length above the limit is refused at its header;
// - every PDU read can be written, and writing what was read back gives the same bytes
//   (write(read(write(p))) == write(p));
// - a command PDV that reads as a DIMSE command set re-encodes to bytes that read back the same.
// EncodedPDUs.swift is a link to the annotated test fixtures, used as seeds (PDUFUZZ_SEEDS=DIR).

import DICOMNetwork
import Foundation
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    return 0
}

/// Small, so that long declared lengths hit the limit.
let maximumPDULength = 4096

struct Outcome: Equatable {
    var pdus: [PDU] = []
    var error: String?
}

func decode(_ stream: ArraySlice<UInt8>, reads: [Int]) -> Outcome {
    var decoder = PDUDecoder(maximumPDULength: maximumPDULength)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    var rest = stream
    var sizes = reads[...]
    do {
        while !rest.isEmpty {
            let n = max(1, min(sizes.popFirst() ?? rest.count, rest.count))
            buffer.writeBytes(rest.prefix(n))
            rest = rest.dropFirst(n)
            while let pdu = try decoder.decode(buffer: &buffer) { outcome.pdus.append(pdu) }
            buffer.discardReadBytes()
            // Never more than one PDU (header and limit) buffered.
            precondition(buffer.readableBytes <= PDU.headerLength + maximumPDULength + n, "decoder buffers more than a PDU")
        }
        while let pdu = try decoder.decodeLast(buffer: &buffer, seenEOF: true) { outcome.pdus.append(pdu) }
    } catch let error as DICOMNetworkError {
        outcome.error = "\(error.code)"
    } catch {
        preconditionFailure("unexpected error type \(error)")
    }
    return outcome
}

func written(_ pdu: PDU) -> [UInt8] {
    var b = ByteBuffer()
    pdu.write(to: &b)
    return Array(b.readableBytesView)
}

func exercise(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    let seed = Int(bytes[0])
    let stream = bytes[1...]
    let whole = decode(stream, reads: [stream.count])
    let byByte = decode(stream, reads: Array(repeating: 1, count: min(stream.count, 4096)))
    var sizes: [Int] = []
    var s = seed &* 2654435761 & 0xFFFF
    var total = 0
    while total < stream.count {
        s = (s &* 1103515245 &+ 12345) & 0x7FFF_FFFF
        let n = 1 + s % 97
        sizes.append(n)
        total += n
    }
    let chunked = decode(stream, reads: sizes)
    precondition(whole.error == chunked.error, "error depends on the split")
    precondition(whole.pdus == chunked.pdus, "PDUs depend on the split")
    if stream.count <= 4096 {
        precondition(whole == byByte, "byte-by-byte decoding differs")
    }

    for pdu in whole.pdus {
        let once = written(pdu)
        let again: PDU
        do {
            again = try PDU.read(bytes: once)
        } catch {
            preconditionFailure("cannot read a written PDU: \(error)")
        }
        precondition(written(again) == once, "writing is not idempotent")
        if case .dataTF(let tf) = pdu {
            for pdv in tf.values where pdv.isCommand {
                guard let command = try? DIMSECommand.decode(Array(pdv.data.readableBytesView)),
                      let encoded = try? command.encoded() else { continue }
                guard let back = try? DIMSECommand.decode(encoded), let reencoded = try? back.encoded() else {
                    preconditionFailure("cannot read an encoded command set")
                }
                precondition(reencoded == encoded, "command set encoding is not idempotent")
            }
        }
    }
}

/// PDUFUZZ_SEEDS=DIR: writes the annotated fixtures (and all of them back to back) as seed files.
func writeSeeds(to directory: String) {
    let fixtures: [(String, [UInt8])] = [
        ("associate-rq", EncodedPDUs.associateRQ), ("associate-ac", EncodedPDUs.associateAC),
        ("associate-rj", EncodedPDUs.associateRJ), ("p-data-tf", EncodedPDUs.pDataTF),
        ("release-rq", EncodedPDUs.releaseRQ), ("release-rp", EncodedPDUs.releaseRP), ("abort", EncodedPDUs.abort),
    ]
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // An A-ASSOCIATE-RQ whose user information carries every sub-item type (and an unknown one).
    let rq = EncodedPDUs.associateRQ
    let head = Array(rq[0..<(rq.count - 32)])          // the RQ up to its own 32-byte user information item
    var withAll = head + EncodedPDUs.userInformationRQ
    let length = UInt32(withAll.count - 6)
    withAll[2] = UInt8(length >> 24); withAll[3] = UInt8(length >> 16 & 0xFF); withAll[4] = UInt8(length >> 8 & 0xFF); withAll[5] = UInt8(length & 0xFF)
    var seeds = fixtures + [("associate-rq-user-information", withAll), ("all", fixtures.flatMap { $0.1 })]
    // A P-DATA-TF carrying a C-ECHO-RQ command set.
    var echo = DIMSECommand(field: .cEchoRQ)
    echo.messageID = 1
    echo.affectedSOPClassUID = "1.2.840.10008.1.1"
    if let command = try? echo.encoded() {
        seeds.append(("p-data-echo", written(.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: command))])))))
    }
    for (i, (name, bytes)) in seeds.enumerated() {
        // Byte 0 seeds the read sizes.
        _ = FileManager.default.createFile(atPath: directory + "/seed-\(name)", contents: Data([UInt8(i * 37 & 0xFF)] + bytes))
    }
}

// SwiftPM links an executable target's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("PDUFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["PDUFUZZ_SEEDS"] {
        writeSeeds(to: directory)
        return 0
    }
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
