import Foundation
import Testing
@testable import DICOM

/// Inputs the fuzzer (Fuzz/DICOMFuzz) found, each run through the harness's invariants: what
/// is read can be written, re-read, and written again to the same bytes.
@Suite struct FuzzRegressionTests {
    static var inputs: [String] {
        let dir = Bundle.module.resourcePath! + "/Fixtures/fuzz"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    @Test(arguments: FuzzRegressionTests.inputs)
    func fuzzerFindingHoldsTheInvariants(path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for partial in [false, true] {
            for resolve in [false, true] {
                var options = ReadOptions()
                options.maximumInflatedSize = 1 << 20
                options.returnPartialOnError = partial
                options.resolveUnknownVRs = resolve
                FuzzRegressionTests.check(bytes, options: options)
                for ts in TransferSyntax.uncompressed.prefix(3) {
                    let prefix = try DICOMFile(dataSet: DataSet(), transferSyntax: ts).serialized()
                    FuzzRegressionTests.check(prefix + bytes, options: options)
                }
            }
        }
    }

    static func check(_ bytes: [UInt8], options: ReadOptions, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let file = try? DICOMFile.read(bytes: bytes, options: options) else { return }
        _ = file.dataSet.dump()
        _ = try? file.dataSet.jsonString()
        _ = try? file.dataSet.xmlString()
        guard let written = try? file.serialized() else { return }
        do {
            let reread = try DICOMFile.read(bytes: written)
            #expect(reread.readError == nil, sourceLocation: sourceLocation)
            let again = try reread.serialized()
            #expect(again == written, "writing is not idempotent", sourceLocation: sourceLocation)
        } catch {
            Issue.record("cannot read what was written: \(error)", sourceLocation: sourceLocation)
        }
    }
}
