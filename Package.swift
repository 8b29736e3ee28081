// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Isthmus",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "DICOM", targets: ["DICOM"]),
        .library(name: "HL7", targets: ["HL7"]),
        .library(name: "MLLP", targets: ["MLLP"]),
        .library(name: "DICOMNetwork", targets: ["DICOMNetwork"]),
        .library(name: "IsthmusStore", targets: ["IsthmusStore"]),
        .library(name: "IsthmusEngine", targets: ["IsthmusEngine"]),
        .library(name: "Mapping", targets: ["Mapping"]),
        .library(name: "YAMLReading", targets: ["YAMLReading"]),
        .executable(name: "isthmus", targets: ["isthmus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
    ],
    targets: [
        // zlib, for the Deflated Explicit VR Little Endian transfer syntax.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "DICOM", dependencies: ["CZlib"]),
        .target(name: "HL7"),
        // TLS configurations from PEM files, shared by MLLP, DICOM and the HTTP destination.
        .target(name: "TLSFiles", dependencies: [.product(name: "NIOSSL", package: "swift-nio-ssl")]),
        .target(
            name: "MLLP",
            dependencies: [
                "HL7", "TLSFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "DICOMNetwork",
            dependencies: [
                "DICOM", "TLSFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The durable store: message journal, outbound queues, DICOM archive index (SQLite via GRDB).
        .target(name: "IsthmusStore", dependencies: ["DICOM", "HL7", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // YAML read with line/column issues and typo hints: the configuration and the site mapping files.
        .target(name: "YAMLReading", dependencies: [.product(name: "Yams", package: "Yams")]),
        // HL7 ⇄ DICOM mapping tables (IHE Scheduled Workflow, PIR) and the YAML site mapping files over them.
        .target(name: "Mapping", dependencies: ["DICOM", "HL7", "YAMLReading", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")]),
        // The engine: configuration, `isthmus serve` (listeners under service-lifecycle), the durable intake paths.
        .target(
            name: "IsthmusEngine",
            dependencies: [
                "DICOM", "HL7", "MLLP", "DICOMNetwork", "IsthmusStore", "Mapping", "YAMLReading", "TLSFiles",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "isthmus",
            dependencies: [
                "DICOM", "HL7", "MLLP", "DICOMNetwork", "IsthmusStore", "IsthmusEngine", "Mapping",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Peers (DCMTK, pydicom, python-hl7, …) and process helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DICOMTests", dependencies: ["DICOM", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HL7Tests", dependencies: ["HL7"], resources: [.copy("Fixtures")]),
        // A child process for the store's kill -9 test and its benchmark (Scripts/bench-store.sh).
        .executableTarget(name: "isthmus-store-writer", dependencies: ["IsthmusStore", "DICOM"], path: "Tests/StoreWriter"),
        .testTarget(name: "IsthmusStoreTests", dependencies: ["IsthmusStore", "DICOM", "HL7", "TestSupport"]),
        .testTarget(
            name: "IsthmusEngineTests",
            dependencies: [
                "IsthmusEngine", "IsthmusStore", "MLLP", "HL7", "DICOM", "DICOMNetwork", "Mapping", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MappingTests", dependencies: ["Mapping", "DICOM", "HL7", "TestSupport"]),
        .testTarget(name: "YAMLReadingTests", dependencies: ["YAMLReading", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "DICOMNetworkTests",
            dependencies: [
                "DICOMNetwork", "DICOM", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "MLLPTests",
            dependencies: [
                "MLLP", "HL7", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
