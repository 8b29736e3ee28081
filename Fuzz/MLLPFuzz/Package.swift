// swift-tools-version: 6.0
// libFuzzer harness for the MLLP frame decoder. Build and run: see README.md.
import PackageDescription

let package = Package(
    name: "MLLPFuzz",
    dependencies: [
        .package(name: "Isthmus", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .executableTarget(name: "MLLPFuzz", dependencies: [
            .product(name: "MLLP", package: "Isthmus"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
