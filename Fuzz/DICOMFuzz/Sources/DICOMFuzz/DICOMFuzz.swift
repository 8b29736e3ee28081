// libFuzzer entry point: feeds arbitrary bytes to the DICOM reader (Part 10 and bare data sets in
// every transfer syntax), the JSON and XML readers and the character set decoder, and checks with
// preconditions that whatever was read can be written, and that writing is idempotent:
// write(read(write(read(x)))) == write(read(x)).

import DICOM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    return 0
}

func exercise(_ bytes: [UInt8]) {
    var options = ReadOptions()
    options.maximumInflatedSize = 1 << 20
    options.returnPartialOnError = bytes.first.map { $0 & 1 == 1 } ?? false
    options.resolveUnknownVRs = bytes.count > 1 && bytes[1] & 1 == 1
    checkFile(bytes, options: options)

    // The same bytes after a preamble and meta header for each uncompressed transfer syntax.
    for ts in TransferSyntax.uncompressed.prefix(3) {
        let meta = DICOMFile(dataSet: DataSet(), transferSyntax: ts)
        if let prefix = try? meta.serialized() { checkFile(prefix + bytes, options: options) }
    }

    let text = String(decoding: bytes, as: UTF8.self)
    if let ds = try? DataSet(json: text) { _ = try? ds.jsonString() }
    if let ds = try? DataSet(xml: text) { _ = try? ds.xmlString() }

    // Character sets: the first line names the terms, the rest is decoded.
    if let newline = bytes.firstIndex(of: 0x0A) {
        let cs = SpecificCharacterSet(String(decoding: bytes[..<newline], as: UTF8.self))
        let decoded = cs.decode(bytes[(newline + 1)...], vr: .PN)
        if let encoded = try? cs.encode(decoded, vr: .PN) {
            _ = cs.decode(encoded, vr: .PN)
        }
    }
}

func checkFile(_ bytes: [UInt8], options: ReadOptions) {
    guard let file = try? DICOMFile.read(bytes: bytes, options: options) else { return }
    _ = file.dataSet.dump()
    _ = try? file.dataSet.jsonString()
    _ = try? file.dataSet.xmlString()
    guard let written = try? file.serialized() else { return }
    let reread: DICOMFile
    do {
        reread = try DICOMFile.read(bytes: written)
    } catch {
        preconditionFailure("Isthmus cannot read what it wrote: \(error)")
    }
    precondition(reread.readError == nil)
    guard let again = try? reread.serialized() else { preconditionFailure("cannot write what was read back") }
    precondition(again == written, "writing is not idempotent")
}

// SwiftPM links an executable target's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("DICOMFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
