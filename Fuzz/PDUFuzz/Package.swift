// swift-tools-version: 6.0
// libFuzzer harness for the DICOM upper-layer PDU decoder. Build and run: see README.md.
import PackageDescription

let package = Package(
    name: "PDUFuzz",
    dependencies: [
        .package(name: "Isthmus", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .executableTarget(name: "PDUFuzz", dependencies: [
            .product(name: "DICOMNetwork", package: "Isthmus"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
