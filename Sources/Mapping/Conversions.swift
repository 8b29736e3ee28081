// ../shared/standards/hl7-dicom-mapping.md §2 Datatype conversions: XPN/XCN → PN, TS → DA/TM,
// sex (HL7 table 0001), priority, MSH-18 → Specific Character Set (0008,0005) — and back.

import DICOM
import HL7

/// The value conversions of the mapping tables, usable on their own.
public enum Conversions {
    // MARK: Names

    /// HL7 XPN (family ^ given ^ middle ^ suffix ^ prefix ^ degree) → DICOM PN (family ^ given ^ middle ^
    /// prefix ^ suffix): components 4 and 5 swap; the FN type keeps only its surname; trailing empty
    /// components are dropped; the explicit null `""` becomes empty.
    public static func personName(fromXPN e: Element) -> String {
        if e.isNull { return "" }
        let x = XPN(e)
        return pn([x.familyName, x.givenName, x.secondNames, x.prefix, x.suffix])
    }

    /// HL7 XCN (ID ^ family ^ given ^ middle ^ suffix ^ prefix …) → DICOM PN.
    public static func personName(fromXCN e: Element) -> String {
        if e.isNull { return "" }
        let x = XCN(e)
        return pn([x.familyName, x.givenName, x.secondNames, x.prefix, x.suffix])
    }

    /// DICOM PN (alphabetic group) → HL7 XPN: family ^ given ^ middle ^ suffix ^ prefix.
    public static func xpn(fromPersonName value: String) -> [String] {
        let name = PersonName(value).alphabetic
        var parts = [name.familyName, name.givenName, name.middleName, name.nameSuffix, name.namePrefix]
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        return parts
    }

    static func pn(_ parts: [String?]) -> String {
        var p = parts.map { v -> String in
            guard let v, v != "\"\"" else { return "" }
            return v
        }
        while let last = p.last, last.isEmpty { p.removeLast() }
        return p.joined(separator: "^")
    }

    // MARK: Dates and times

    /// The DA part of an HL7 TS/DTM (`YYYY[MM[DD…]]`): the first 8 characters, partial precision kept
    /// partial (a year stays a year). Nil for an empty or unreadable value.
    public static func date(fromTS text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t != "\"\"", let ts = try? HL7Timestamp(parsing: t) else { return nil }
        var s = pad(ts.year, 4)
        if let m = ts.month { s += pad(m, 2) } else { return s }
        if let d = ts.day { s += pad(d, 2) }
        return s
    }

    /// The TM part of an HL7 TS/DTM: characters 9–14 plus the fraction. Nil when the value has no time.
    public static func time(fromTS text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t != "\"\"", let ts = try? HL7Timestamp(parsing: t), let h = ts.hour else { return nil }
        var s = pad(h, 2)
        guard let mi = ts.minute else { return s }
        s += pad(mi, 2)
        guard let sec = ts.second else { return s }
        s += pad(sec, 2)
        if let f = ts.fraction, !f.isEmpty { s += "." + String(f.prefix(6)) }
        return s
    }

    /// The UTC offset of an HL7 TS/DTM as DICOM Timezone Offset From UTC (0008,0201), `+HHMM`/`-HHMM`.
    public static func timezoneOffset(fromTS text: String) -> String? {
        guard let ts = try? HL7Timestamp(parsing: text.trimmingCharacters(in: .whitespaces)), let off = ts.utcOffsetMinutes else { return nil }
        let a = abs(off)
        return (off < 0 ? "-" : "+") + pad(a / 60, 2) + pad(a % 60, 2)
    }

    /// DICOM DA (+ optional TM) → HL7 TS `YYYYMMDD[HHMM[SS[.S]]]`.
    public static func timestamp(date: String?, time: String?) -> String? {
        guard let d = date?.trimmingCharacters(in: .whitespaces), !d.isEmpty else { return nil }
        let tm = (time ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
        return d + tm
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // MARK: Value tables

    /// HL7 table 0001 (administrative sex) → (0010,0040): M→M, F→F, O/A/N→O, U or absent → empty.
    public static let sex: [String: String] = ["M": "M", "F": "F", "O": "O", "A": "O", "N": "O", "U": ""]

    /// Priority (ORC-7.6 / OBR-27.6 / TQ1-9) → Requested Procedure Priority (0040,1003).
    public static let priority: [String: String] = ["S": "STAT", "A": "HIGH", "P": "HIGH", "C": "HIGH", "R": "ROUTINE", "T": "MEDIUM"]

    /// MSH-18 → Specific Character Set (0008,0005); ASCII maps to the default repertoire (absent).
    public static let characterSets: [String: String] = [
        "ASCII": "", "8859/1": "ISO_IR 100", "8859/2": "ISO_IR 101", "8859/3": "ISO_IR 109", "8859/4": "ISO_IR 110",
        "8859/5": "ISO_IR 144", "8859/6": "ISO_IR 127", "8859/7": "ISO_IR 126", "8859/8": "ISO_IR 138",
        "8859/9": "ISO_IR 148", "8859/15": "ISO_IR 203", "ISO IR14": "ISO_IR 13", "ISO IR87": "ISO 2022 IR 87",
        "ISO IR159": "ISO 2022 IR 159", "KS X 1001": "ISO 2022 IR 149", "UNICODE UTF-8": "ISO_IR 192",
        "GB 18030-2000": "GB18030",
    ]

    /// The inverse of ``characterSets`` (first HL7 name for each DICOM term).
    public static let msh18ForDICOM: [String: String] = {
        var out: [String: String] = [:]
        for (k, v) in characterSets where !v.isEmpty && out[v] == nil { out[v] = k }
        out["ISO_IR 100"] = "8859/1"
        return out
    }()

    /// DICOM modality codes (PS3.3 C.7.3.1.1.1) accepted as they are from OBR-24 / IPC-5.
    public static let dicomModalities: Set<String> = [
        "AR", "AS", "ASMT", "AU", "BDUS", "BI", "BMD", "CD", "CF", "CP", "CR", "CS", "CT", "DD", "DF", "DG", "DM", "DOC",
        "DS", "DX", "EC", "ECG", "EPS", "ES", "FA", "FID", "FS", "GM", "HC", "HD", "IO", "IOL", "IVOCT", "IVUS", "KER",
        "KO", "LEN", "LP", "LS", "MA", "MG", "MR", "MS", "NM", "OAM", "OCT", "OP", "OPM", "OPR", "OPT", "OPV", "OSS",
        "OT", "PLAN", "PR", "PT", "PX", "REG", "RESP", "RF", "RG", "RTDOSE", "RTIMAGE", "RTPLAN", "RTRECORD",
        "RTSTRUCT", "RWV", "SEG", "SM", "SMR", "SR", "SRF", "ST", "STAIN", "TG", "US", "VA", "VF", "XA", "XC",
    ]

    /// HL7 table 0074 (diagnostic service section) codes that are not DICOM modalities → a modality.
    public static let modality: [String: String] = [
        "RAD": "CR", "RX": "CR", "XRC": "RF", "CUS": "US", "MRI": "MR", "NMR": "MR", "NMS": "NM", "VUS": "US",
        "OUS": "US", "CTH": "CT", "PET": "PT", "MAM": "MG", "MMG": "MG", "ANG": "XA", "CATH": "XA", "IR": "XA",
    ]
}

import Foundation
