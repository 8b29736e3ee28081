import Foundation
import HL7

/// Loads test fixtures shipped in `Fixtures/` (see Fixtures/README.md for what each one is).
enum Fixtures {
    static let directory: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func bytes(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { fatalError("missing fixture \(name)") }
        return [UInt8](data)
    }

    static func message(_ name: String) throws -> Message {
        try Message(bytes(name))
    }

    /// The single-message fixtures that must parse and round-trip.
    static let valid = [
        "adt_a01_v251.hl7", "orm_o01_v23.hl7", "omi_o23_v251.hl7", "oru_r01_v251.hl7", "siu_s12_v24.hl7",
        "mdm_t02_v26.hl7", "adt_a04_v28_truncation.hl7", "adt_zsegments.hl7", "adt_latin1.hl7", "adt_utf8.hl7",
        "adt_8859_2.hl7", "adt_a01_lf.hl7", "adt_a01_crlf.hl7", "adt_v21.hl7", "custom_delimiters.hl7",
        "malformed/deep_nesting.hl7",
    ]
}
