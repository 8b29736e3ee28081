// The engine's configuration: one YAML file (docs/configuration.md) read into these values by
// ConfigurationLoader, which validates it and reports every problem with file, line, column and key path.

import IsthmusStore

/// Everything `isthmus serve` runs: where data lives, what it listens on, whom it knows, how messages flow.
public struct Configuration: Sendable, Equatable {
    /// The data directory: the SQLite store (`isthmus.sqlite`) and the content folder (`content/`).
    public var data = DataSettings()
    public var mllpListeners: [MLLPListener] = []
    public var dicomListeners: [DICOMListener] = []
    /// Folders watched for HL7 files (sources of HL7 channels, like MLLP listeners).
    public var folderListeners: [FolderListener] = []
    public var mllpPeers: [MLLPPeer] = []
    public var dicomPeers: [DICOMPeer] = []
    public var channels: [MessageChannel] = []
    public var retention = Retention()
    public var duplicates = DuplicateSettings()
    /// Orders → worklist, ADT → patients (docs/configuration.md, `workflow`).
    public var workflow = WorkflowSettings()

    public init() {}

    /// What `isthmus serve` runs with no configuration file: data under `./isthmus-data`, an MLLP listener on
    /// 2575 and a DICOM SCP (AE `ISTHMUS`, storage and echo, Modality Worklist, any caller) on 11112, no channels,
    /// the imaging workflow on (orders → worklist, ADT → patients).
    public static var `default`: Configuration {
        var c = Configuration()
        c.mllpListeners = [MLLPListener(name: "mllp", port: 2575)]
        c.dicomListeners = [DICOMListener(name: "dicom", aeTitle: "ISTHMUS", port: 11112)]
        c.workflow.orders = true
        c.workflow.patients = true
        c.workflow.mpps = true
        return c
    }
}

public struct DataSettings: Sendable, Equatable {
    /// Relative paths are taken from the directory `isthmus serve` runs in.
    public var directory = "./isthmus-data"
    /// The store's commit delay (`SQLiteStore.Configuration.groupCommitWait`); nil: the store's default. Not
    /// in the YAML file: set by `isthmus serve --group-commit-wait-us` (hidden, for benchmarks).
    public var groupCommitWait: Duration?
    /// The store's `inlineSyncBelow` (`pipelined`: the writer flushes the WAL itself while flushes are this fast);
    /// nil: the store's default, `.zero`: never. Not in the YAML file: `isthmus serve --inline-sync-below-us`
    /// (hidden, for benchmarks).
    public var inlineSyncBelow: Duration?
    /// How a commit reaches the disk before the engine answers (`data.sync`): `pipelined` (WAL flushed by
    /// overlapping fdatasyncs after each commit, the default) or `full` (SQLite's synchronous=FULL). Both
    /// answer only once the commit is on disk (docs/store.md, "Durability").
    public var sync: SQLiteStore.Configuration.Durability = .pipelined
    /// `data.max-store-size`: a quota on the SQLite database file; a message that would grow it beyond is
    /// answered AE (as on a full disk), everything stored before stays (nil: no quota but the disk's).
    public var maximumStoreSize: Int64?
    public init() {}
    /// The SQLite store file.
    public var storePath: String { directory + "/isthmus.sqlite" }
    /// Where received DICOM instances are kept: `content/<study>/<series>/<sop>.dcm`.
    public var contentDirectory: String { directory + "/content" }
    /// Where C-STORE data sets are streamed while they arrive (same file system as the content folder).
    public var incomingDirectory: String { directory + "/incoming" }
}

/// TLS settings of a listener (its certificate, and the CA its clients' certificates must chain to) or of a
/// peer (the CA its certificate must chain to, and our client certificate).
public struct TLSSettings: Sendable, Equatable {
    /// PEM certificate chain (required for a listener).
    public var certificate: String?
    /// PEM private key of `certificate`.
    public var key: String?
    /// PEM CA bundle: for a listener, client certificates are required and checked against it; for a peer,
    /// the peer's certificate is checked against it (the system roots when absent).
    public var ca: String?
    public init(certificate: String? = nil, key: String? = nil, ca: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.ca = ca
    }
}

/// A folder watched for HL7 files (a "file drop" source): each file's messages go through the same durable intake
/// as MLLP messages; the file is moved to `processed/` once every message in it is accepted (AA), to `error/`
/// otherwise (with the acknowledgments beside it).
public struct FolderListener: Sendable, Equatable {
    public var name: String
    public var path: String
    /// How often the folder is looked at.
    public var pollInterval: Duration = .seconds(1)
    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

public struct MLLPListener: Sendable, Equatable {
    public var name: String
    public var host = "0.0.0.0"
    /// 0 picks a free port (logged at start).
    public var port: Int
    public var tls: TLSSettings?
    /// The largest block accepted, in bytes (a larger one closes its connection).
    public var maximumFrameSize = 16 << 20
    /// A connection without traffic for this long is closed (nil: never).
    public var idleTimeout: Duration? = .seconds(300)
    public init(name: String, host: String = "0.0.0.0", port: Int) {
        self.name = name
        self.host = host
        self.port = port
    }
}

public struct DICOMListener: Sendable, Equatable {
    public var name: String
    /// The called AE title the SCP answers to.
    public var aeTitle: String
    public var host = "0.0.0.0"
    public var port: Int
    public var tls: TLSSettings?
    /// Calling AE titles accepted; empty: any.
    public var allowedCallingAETitles: [String] = []
    public init(name: String, aeTitle: String, host: String = "0.0.0.0", port: Int) {
        self.name = name
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
    }
}

public struct MLLPPeer: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int
    public var tls: TLSSettings?
}

public struct DICOMPeer: Sendable, Equatable {
    public var name: String
    public var aeTitle: String
    public var host: String
    public var port: Int
    public var tls: TLSSettings?
}

/// A channel: messages from one listener, kept when its filter matches, transformed, queued for its destinations.
public struct MessageChannel: Sendable, Equatable {
    public var name: String
    /// The name of an MLLP or DICOM listener.
    public var source: String
    /// nil: every message.
    public var filter: Filter?
    public var transforms: [Transform] = []
    public var destinations: [Destination] = []
}

/// A declarative filter: conditions on HL7 paths or DICOM attributes, combined with all/any/not.
public indirect enum Filter: Sendable, Equatable {
    case all([Filter])
    case any([Filter])
    case not(Filter)
    case condition(Condition)

    public struct Condition: Sendable, Equatable {
        /// What is tested.
        public var subject: Subject
        public var test: Test
    }

    public enum Subject: Sendable, Equatable {
        /// An HL7 path, e.g. `MSH-9.1` or `PID-3(2).1`.
        case hl7(String)
        /// A DICOM attribute: a tag `(GGGG,EEEE)` / `GGGGEEEE` or a dictionary keyword (`Modality`).
        case dicomTag(String)
        /// The calling AE title of the association.
        case callingAETitle
        /// The SOP Class UID of the instance.
        case sopClass
    }

    public enum Test: Sendable, Equatable {
        case equals(String)
        case oneOf([String])
        /// The pattern (Swift `Regex` syntax), matched against the whole value.
        case matches(String)
        /// `exists: true` — valued; `exists: false` — absent or empty.
        case exists(Bool)
    }
}

/// One declarative transform step, applied by the delivery workers before sending (docs/delivery.md).
public enum Transform: Sendable, Equatable {
    case set(path: String, value: String)
    case copy(from: String, to: String)
    case delete(path: String)
    /// Replaces the value at `path` by `table[value]` (or `default`, or leaves it when neither applies).
    case map(path: String, table: [String: String], default: String?)
    case dropSegments(String)
}

/// Where a channel sends what it keeps. `name` is the queue's name (unique in its channel).
public struct Destination: Sendable, Equatable {
    public var name: String
    public var kind: Kind
    public enum Kind: Sendable, Equatable {
        /// A known MLLP peer, by name.
        case mllp(peer: String)
        /// A known DICOM AE, by name (C-STORE).
        case dicom(peer: String)
        /// Files written to a folder.
        case folder(path: String)
        /// An HTTP POST of each message (a webhook).
        case http(HTTPEndpoint)
    }
}

/// A webhook: where and how an `http` destination POSTs each entry (docs/delivery.md).
public struct HTTPEndpoint: Sendable, Equatable {
    /// How an HL7 message is sent.
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// The ER7 bytes (after the channel's transforms), `Content-Type: x-application/hl7-v2+er7`.
        case er7
        /// The documented JSON form of the message (docs/hl7.md), `Content-Type: application/json`.
        case json
    }

    /// An `http://` or `https://` URL.
    public var url: String
    /// Extra request headers (e.g. `Authorization`), `${NAME}` in a value already expanded from the environment.
    public var headers: [String: String] = [:]
    public var format: Format = .er7
    /// How long one POST may take, connection included.
    public var timeout: Duration = .seconds(30)
    /// For `https://`: the CA the server's certificate must chain to (system roots when absent) and a client
    /// certificate to present.
    public var tls: TLSSettings?

    public init(url: String) { self.url = url }
}

/// Pruning of journal entries and stored instances, run by the engine at start and then every `interval`
/// (never an entry with a delivery still pending).
public struct Retention: Sendable, Equatable {
    /// Journal entries and DICOM instances older than this are pruned (nil: kept).
    public var maximumAge: Duration?
    /// The content folder (DICOM instances) is pruned, oldest first, above this many bytes (nil: no limit).
    public var maximumSize: Int64?
    /// The HL7 journal is pruned, oldest first, above this many bytes of messages (nil: no limit).
    public var journalMaximumSize: Int64?
    /// How often pruning runs.
    public var interval: Duration = .seconds(3600)
    public init() {}

    /// Whether any limit is set.
    public var isEnabled: Bool { maximumAge != nil || maximumSize != nil || journalMaximumSize != nil }
}

/// What a repeated SOP Instance UID does.
public enum SOPDuplicatePolicy: String, Sendable, Equatable, CaseIterable {
    /// Keep the stored instance, answer success, do not index again.
    case ignore
    /// Replace the stored file and its index entry.
    case replace
    /// Answer failure 0111H (Duplicate SOP Instance, PS3.7 Annex C) and keep the stored instance.
    case reject
}

public struct DuplicateSettings: Sendable, Equatable {
    /// A message with the same sender (MSH-3/MSH-4) and MSH-10 within this window is acknowledged, not enqueued again.
    public var hl7Window: Duration = .seconds(24 * 3600)
    public var sopInstance: SOPDuplicatePolicy = .ignore
    public init() {}
}
