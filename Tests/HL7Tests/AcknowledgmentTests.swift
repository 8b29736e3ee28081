import Testing
@testable import HL7

@Suite struct AcknowledgmentTests {
    let at = HL7Timestamp(year: 2026, month: 3, day: 1, hour: 12, minute: 0, second: 0, utcOffsetMinutes: 0)

    @Test func originalModeAccept() throws {
        let m = try Fixtures.message("orm_o01_v23.hl7")
        #expect(m.acknowledgmentMode == .original)
        #expect(m.wantsAcknowledgment(.AA))
        let ack = try m.acknowledgment(.AA, controlID: "ACK1", timestamp: at)
        let text = String(decoding: ack.serialized(), as: UTF8.self)
        #expect(text == "MSH|^~\\&|PACS|HOSP|RIS|HOSP|20260301120000+0000||ACK^O01|ACK1|P|2.3\rMSA|AA|ORM0001\r")
    }

    @Test func originalModeErrorAndRejectWithV23ErrLayout() throws {
        let m = try Fixtures.message("orm_o01_v23.hl7")
        for code in [AcknowledgmentCode.AE, .AR] {
            let ack = try m.acknowledgment(code, controlID: "ACK2", timestamp: at, text: "bad order",
                                           errors: [AcknowledgmentError(.requiredFieldMissing, at: ErrorLocation(segment: "PID", field: 3))])
            #expect(ack["MSA-1"] == code.rawValue)
            #expect(ack["MSA-2"] == "ORM0001")
            #expect(ack["MSA-3"] == "bad order")
            #expect(ack.er7(at: "ERR") == "ERR|PID^1^3^101&Required field missing&HL70357")
        }
    }

    @Test func v25ErrLayoutWithLocationCodeAndSeverity() throws {
        let m = try Fixtures.message("omi_o23_v251.hl7")
        let ack = try m.acknowledgment(.AE, controlID: "A3", timestamp: at, errors: [
            AcknowledgmentError(.tableValueNotFound, at: ErrorLocation(segment: "ORC", sequence: 1, field: 1, fieldRepetition: 1, component: 1)),
            AcknowledgmentError(.applicationInternalError, severity: .fatal, message: "store unavailable"),
        ])
        #expect(ack["MSH-9.3"] == "ACK")
        #expect(ack["MSH-9.2"] == "O23")
        #expect(ack.count(of: "ERR") == 2)
        #expect(ack.er7(at: "ERR") == "ERR||ORC^1^1^1^1|103^Table value not found^HL70357|E")
        #expect(ack.er7(at: "ERR[2]") == "ERR|||207^Application internal error^HL70357|F||||store unavailable")
        let err = try #require(ack.read(CWE.self, at: "ERR-3"))
        #expect(err.identifier == "103")
        #expect(err.codingSystem == "HL70357")
    }

    @Test func enhancedModeCommitAcks() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        #expect(m.acknowledgmentMode == .enhanced(accept: .always, application: .never))
        #expect(m.wantsAcknowledgment(.CA))
        #expect(m.wantsAcknowledgment(.CR))
        #expect(!m.wantsAcknowledgment(.AA))
        for code in [AcknowledgmentCode.CA, .CE, .CR] {
            let ack = try m.acknowledgment(code, controlID: "C\(code.rawValue)", timestamp: at)
            #expect(ack["MSA-1"] == code.rawValue)
            #expect(ack["MSA-2"] == "MSG00001")
            // Sender and receiver swapped; version and character set copied.
            #expect(ack["MSH-3"] == "IFENG")
            #expect(ack["MSH-5"] == "REGADT")
            #expect(ack["MSH-6"] == "MCM")
            #expect(ack["MSH-12"] == "2.5.1")
            #expect(ack["MSH-18"] == "UNICODE UTF-8")
            #expect(ack["MSH-10"] == "C\(code.rawValue)")
        }
    }

    @Test func errorOnlyAndSuccessOnlyConditions() throws {
        let m = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5|||ER|SU\r".utf8))
        #expect(!m.wantsAcknowledgment(.CA))
        #expect(m.wantsAcknowledgment(.CE))
        #expect(m.wantsAcknowledgment(.AA))
        #expect(!m.wantsAcknowledgment(.AR))
    }

    @Test func v21AckHasPlainMessageType() throws {
        let m = try Fixtures.message("adt_v21.hl7")
        let ack = try m.acknowledgment(.AA, controlID: "X", timestamp: at)
        #expect(ack.er7(at: "MSH-9") == "ACK")
        #expect(ack["MSA-2"] == "V21CTL")
    }

    @Test func missingControlIDIsAnError() throws {
        let m = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01||P|2.5\r".utf8))
        #expect { try m.acknowledgment(.AA, controlID: "X") } throws: {
            let e = $0 as? HL7Error
            return e?.code == .missingValue && e?.field == 10
        }
    }

    @Test func controlIDWithDelimitersIsEscapedInMSA() throws {
        let m = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X\\S\\Y|P|2.5\r".utf8))
        let ack = try m.acknowledgment(.AA, controlID: "Z", timestamp: at)
        #expect(ack.er7(at: "MSA-2") == "X\\S\\Y")
        #expect(ack["MSA-2"] == "X^Y")
    }
}
