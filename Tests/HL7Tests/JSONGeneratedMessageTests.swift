// The JSON writer on generated messages: random delimiters, escapes (valid, malformed, formatting), nulls,
// tabs, ESC, valid and invalid UTF-8 and Latin-1 bytes under every character-set family, segments without
// fields, unterminated last segments. (While the writer was rewritten this test also compared every output
// byte for byte with the previous writer; see docs/hl7.md, "JSON form".)
import Foundation
import Testing
@testable import HL7

@Suite struct JSONGeneratedMessageTests {
    @Test func generatedMessagesGiveValidDeterministicJSON() throws {
        var g = MessageGenerator(seed: 0x15_7A_05)
        var checked = 0
        for _ in 0 ..< 1500 {
            let bytes = g.message()
            guard let m = try? Message(bytes) else { continue }
            let json = HL7JSON.encode(m)
            guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
                Issue.record("not JSON for \(String(decoding: bytes, as: UTF8.self).debugDescription) \(bytes.filter { $0 >= 0x80 }): \(String(decoding: json, as: UTF8.self))")
                return
            }
            let segments = try #require(object["segments"] as? [[String: Any]])
            #expect(segments.map { $0["id"] as? String } == m.segments.map(\.id))
            #expect(HL7JSON.encode(try Message(bytes)) == json)
            checked += 1
        }
        #expect(checked > 1000)
    }
}
/// Deterministic generator of ER7 messages stressing the JSON writer.
struct MessageGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let delimiterSets: [[UInt8]] = [Array("|^~\\&".utf8), Array("|^~\\&#".utf8), Array("#$*@%".utf8), Array("|^~\\".utf8),
                                          Array("|^~".utf8), Array("|^".utf8), Array("!@/+-".utf8)]
    static let charsets = ["", "ASCII", "UNICODE UTF-8", "UTF-8", "8859/1", "8859/15", "8859/2", "8859/5", "ISO IR6~ISO IR87",
                           "ISO IR87", "GB18030", "BOGUS", "UNICODE UTF-8~8859/1"]

    mutating func message() -> [UInt8] {
        let d = Self.delimiterSets[int(Self.delimiterSets.count)]
        let fs = d[0]
        let enc = Array(d.dropFirst())
        let charset = Self.charsets[int(Self.charsets.count)]
        var out: [UInt8] = Array("MSH".utf8) + [fs] + enc
        let mshFields = 16 + int(6)
        for k in 3 ... mshFields {
            out.append(fs)
            if k == 18 {
                // The repetition separator of this message in place of `~`.
                out += charset.utf8.map { $0 == 0x7E ? (enc.count > 1 ? enc[1] : fs) : $0 }
            } else if int(3) > 0 {
                out += field(enc, fs)
            }
        }
        let ids = ["PID", "OBX", "NTE", "ZXY", "Z01", "EVN", "BHS", "FHS", "MSH", "AB1"]
        for _ in 0 ..< 1 + int(6) {
            out.append(int(4) == 0 ? 0x0A : 0x0D)
            out += Array(ids[int(ids.count)].utf8)
            let n = int(14)
            for _ in 0 ..< n {
                out.append(fs)
                if int(4) > 0 { out += field(enc, fs) }
            }
            if int(5) == 0 { out += [fs, fs, fs] }
        }
        if int(2) == 0 { out.append(0x0D) }
        return out
    }

    mutating func field(_ enc: [UInt8], _ fs: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0 ..< int(7) { out += piece(enc, fs) }
        return out
    }

    mutating func piece(_ enc: [UInt8], _ fs: UInt8) -> [UInt8] {
        let esc: UInt8? = enc.count > 2 ? enc[2] : nil
        func e(_ body: String) -> [UInt8] { esc.map { [$0] + Array(body.utf8) + [$0] } ?? Array(body.utf8) }
        switch int(40) {
        case 0 ..< 8: return Array(["ABC", "x", "Doe", "12.5", "O'BRIEN", "a b", "2026"][int(7)].utf8)
        case 8 ..< 12: return enc.isEmpty ? [] : [enc[int(enc.count)]]
        case 12: return Array("\"\"".utf8)
        case 13: return Array("\"".utf8)
        case 14: return [0x09]
        case 15: return [0x1B] + Array("$B".utf8)
        case 16: return Array("é".utf8)
        case 17: return Array("山田".utf8)
        case 18: return Array("😀€".utf8)
        case 19: return [UInt8(0x80 + int(128))]
        case 20: return [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF, 0xFE]][int(6)]
        case 21: return e(["F", "S", "T", "R", "E", "P"][int(6)])
        case 22: return e(["X0D0A", "X41", "XC3A9", "XE9", "X07", "X", "Xzz", "X1", "X00", "X1B2442", "XF09F9880", "xe9"][int(12)])
        case 23: return e([".br", "H", "N", "Zabc", ".sp2", ".in+4", ".ce", "Q", ""][int(9)])
        case 24: return e(["C2842", "M2442", "M242842", "C28", "M24"][int(5)])
        case 25: return esc.map { [$0] } ?? []
        case 26: return Array("\\".utf8)
        case 27: return Array("/\\u0041".utf8)
        case 28: return Array("<b>&amp;</b>".utf8)
        case 29: return [0x7F]
        default: return Array(["1", "Z", "-", " ", ".", ""][int(6)].utf8)
        }
    }
}
