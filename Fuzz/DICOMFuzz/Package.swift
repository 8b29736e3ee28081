// swift-tools-version: 6.0
// libFuzzer harness for the DICOM data set reader. Build and run: see README.md.
import PackageDescription

let package = Package(
    name: "DICOMFuzz",
    dependencies: [.package(name: "Isthmus", path: "../..")],
    targets: [
        .executableTarget(name: "DICOMFuzz", dependencies: [.product(name: "DICOM", package: "Isthmus")]),
    ],
    swiftLanguageModes: [.v6]
)
