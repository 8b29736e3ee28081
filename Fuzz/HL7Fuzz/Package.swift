// swift-tools-version: 6.0
// libFuzzer harness for the HL7 ER7 parser. Build and run: see README.md.
import PackageDescription

let package = Package(
    name: "HL7Fuzz",
    dependencies: [.package(name: "Isthmus", path: "../..")],
    targets: [
        .executableTarget(name: "HL7Fuzz", dependencies: [.product(name: "HL7", package: "Isthmus")]),
    ],
    swiftLanguageModes: [.v6]
)
