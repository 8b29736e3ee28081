// `isthmus serve`: the listeners of a configuration, with the store, as one swift-service-lifecycle Service.

import DICOMNetwork
import Foundation
import IsthmusStore
import Logging
import MLLP
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A listener's bound port, reported once every listener is up.
public struct BoundListener: Sendable, Equatable {
    public enum Kind: String, Sendable { case mllp, dicom }
    public var kind: Kind
    public var name: String
    public var port: Int
}

/// Why the engine could not start.
public struct EngineError: Error, CustomStringConvertible {
    public var description: String
}

/// The engine: opens the store, binds every listener, serves until graceful shutdown (SIGTERM/SIGINT through the
/// ServiceGroup), then stops accepting, lets in-flight messages and associations finish (up to `gracePeriod`),
/// closes the store and returns.
public final class Engine: Service, Sendable {
    public let configuration: Configuration
    public let logger: Logger
    public let gracePeriod: Duration
    private let onListening: @Sendable ([BoundListener]) -> Void

    public init(configuration: Configuration, logger: Logger, gracePeriod: Duration = .seconds(10),
                onListening: @escaping @Sendable ([BoundListener]) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.gracePeriod = gracePeriod
        self.onListening = onListening
    }

    public func run() async throws {
        let config = configuration
        let data = config.data
        for dir in [data.directory, data.contentDirectory, data.incomingDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw EngineError(description: "cannot create the data directory \(dir): \(error.localizedDescription)")
            }
        }
        var storeConfiguration = SQLiteStore.Configuration()
        storeConfiguration.duplicateWindow = config.duplicates.hl7Window
        if let wait = data.groupCommitWait { storeConfiguration.groupCommitWait = wait }
        if let below = data.inlineSyncBelow { storeConfiguration.inlineSyncBelow = below == .zero ? nil : below }
        storeConfiguration.durability = data.sync
        if let size = data.maximumStoreSize { storeConfiguration.maxPageCount = Int(max(1, size / 4096)) } // SQLite's default page size
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: data.storePath, contentDirectory: data.contentDirectory, configuration: storeConfiguration)
        } catch {
            throw EngineError(description: "cannot open the store \(data.storePath): \(error)")
        }
        logger.info("store open", metadata: ["path": "\(data.storePath)"])
        if let file = config.workflow.mappingFile { logger.info("site mapping", metadata: ["file": "\(file)"]) }
        let router = ChannelRouter(channels: config.channels)

        var mllp: [(MLLPListener, MLLPServer)] = []
        var dicom: [(DICOMListener, DICOMServer)] = []
        var bound: [BoundListener] = []
        do {
            for l in config.mllpListeners {
                var sc = MLLPServer.Configuration()
                sc.maximumFrameSize = l.maximumFrameSize
                sc.idleTimeout = l.idleTimeout
                if let tls = l.tls, let cert = tls.certificate, let key = tls.key {
                    do {
                        sc.tls = try MLLPTLS.serverContext(certificateChain: cert, privateKey: key, clientCA: tls.ca)
                    } catch {
                        throw EngineError(description: "listener \(l.name): TLS: \(error)")
                    }
                }
                let server: MLLPServer
                do {
                    server = try await MLLPServer.bind(host: l.host, port: l.port, configuration: sc)
                } catch {
                    throw EngineError(description: "listener \(l.name): cannot listen on \(l.host):\(l.port): \(error)")
                }
                mllp.append((l, server))
                bound.append(BoundListener(kind: .mllp, name: l.name, port: server.localPort ?? l.port))
            }
            for l in config.dicomListeners {
                var dc = DICOMServerConfiguration(aeTitle: l.aeTitle, temporaryDirectory: data.incomingDirectory)
                if let tls = l.tls {
                    guard let cert = tls.certificate, let key = tls.key else {
                        throw EngineError(description: "listener \(l.name): TLS needs a certificate and a key")
                    }
                    do {
                        dc.tls = try DICOMTLS.serverContext(certificateChain: cert, privateKey: key, clientCA: tls.ca)
                    } catch {
                        throw EngineError(description: "listener \(l.name): TLS: \(error)")
                    }
                }
                dc.host = l.host
                dc.port = l.port
                dc.echo = true
                if config.workflow.mpps { dc.mpps = StoreMPPSHandler(store: store, settings: config.workflow, logger: logger) }
                if !l.allowedCallingAETitles.isEmpty { dc.policy.allowedCallingAETitles = Set(l.allowedCallingAETitles) }
                dc.storage = DICOMIntake(listener: l.name, store: store, contentDirectory: data.contentDirectory,
                                         policy: config.duplicates.sopInstance, router: router, logger: logger)
                // The archive: C-FIND, C-MOVE and C-GET over the index (docs/archive.md).
                // Modality Worklist from the workflow's items when the workflow reads orders (docs/configuration.md).
                dc.query = StoreQueryHandler(store: store, retrieveAETitle: l.aeTitle,
                                             worklist: config.workflow.orders ? WorklistQueryHandler(store: store) : nil)
                dc.retrieve = StoreRetrieveHandler(store: store, contentDirectory: data.contentDirectory)
                dc.remoteEntities = try config.remoteEntities()
                var scpLogger = logger
                scpLogger[metadataKey: "listener"] = "\(l.name)"
                let server = DICOMServer(configuration: dc, logger: scpLogger)
                let port: Int
                do {
                    port = try await server.start()
                } catch {
                    throw EngineError(description: "listener \(l.name): cannot listen on \(l.host):\(l.port): \(error)")
                }
                dicom.append((l, server))
                bound.append(BoundListener(kind: .dicom, name: l.name, port: port))
            }
        } catch {
            for (_, s) in mllp { try? await s.close() }
            for (_, s) in dicom { await s.shutdown(gracePeriod: .zero) }
            try? await store.close()
            throw error
        }
        for b in bound { logger.info("listening", metadata: ["kind": "\(b.kind.rawValue)", "listener": "\(b.name)", "port": "\(b.port)"]) }
        onListening(bound)

        let delivery: DeliveryService
        do {
            delivery = try DeliveryService(configuration: config, store: store, logger: logger)
        } catch {
            for (_, s) in mllp { try? await s.close() }
            for (_, s) in dicom { await s.shutdown(gracePeriod: .zero) }
            try? await store.close()
            throw error
        }
        let deliveryTask = Task { await delivery.run() }
        // Study-stable notifications (docs/engine.md): queued for the delivery workers like MPPS status messages.
        let studyStableTask = config.workflow.studyStable.map { settings in
            Task { [logger = self.logger] in await StudyStableService(store: store, settings: settings, logger: logger).run() }
        }
        // Watched folders: HL7 files through the same intake as MLLP messages.
        let engineLogger = self.logger
        let folders = config.folderListeners.map { l -> FolderSource in
            var folderLogger = engineLogger
            folderLogger[metadataKey: "listener"] = "\(l.name)"
            let intake = HL7Intake(listener: l.name, store: store, router: router, duplicateWindow: config.duplicates.hl7Window, logger: folderLogger,
                                   workflow: config.workflow.reads(l.name) ? HL7Workflow(settings: config.workflow, store: store, logger: folderLogger) : nil)
            return FolderSource(listener: l, intake: intake, logger: folderLogger)
        }
        for f in folders {
            do {
                try FileManager.default.createDirectory(atPath: f.listener.path, withIntermediateDirectories: true)
            } catch {
                logger.error("cannot create a watched folder", metadata: ["listener": "\(f.listener.name)", "error": "\(error.localizedDescription)"])
            }
        }
        let folderTask = Task {
            await withTaskGroup(of: Void.self) { group in
                for f in folders { group.addTask { await f.run() } }
            }
        }

        let duplicateWindow = config.duplicates.hl7Window
        let logger = self.logger
        let gracePeriod = self.gracePeriod
        await withTaskGroup(of: Void.self) { group in
            for (l, server) in mllp {
                var listenerLogger = logger
                listenerLogger[metadataKey: "listener"] = "\(l.name)"
                let intake = HL7Intake(listener: l.name, store: store, router: router, duplicateWindow: duplicateWindow, logger: listenerLogger,
                                       workflow: config.workflow.reads(l.name) ? HL7Workflow(settings: config.workflow, store: store, logger: listenerLogger) : nil)
                group.addTask {
                    do {
                        try await server.serve(onEventLoop: { payload, loop in intake.handle(payload, on: loop) })
                    } catch {
                        listenerLogger.error("MLLP listener ended: \(error)")
                    }
                }
            }
            let retention = config.retention
            let pruner = retention.isEnabled ? Task { await Self.pruneLoop(store, retention, logger) } : nil
            // Until SIGTERM/SIGINT (or cancellation), then drain.
            try? await gracefulShutdown()
            pruner?.cancel()
            await pruner?.value
            logger.info("stopping: no new connections; finishing in-flight messages and associations")
            await withTaskGroup(of: Void.self) { stopping in
                for (_, s) in mllp { stopping.addTask { await s.shutdown(gracePeriod: gracePeriod) } }
                for (_, s) in dicom { stopping.addTask { await s.shutdown(gracePeriod: gracePeriod) } }
            }
            await group.waitForAll()
        }
        // The file being read finishes; the others wait for the next start.
        folderTask.cancel()
        await folderTask.value
        studyStableTask?.cancel()
        await studyStableTask?.value
        // Deliveries in progress finish; what is still queued stays in the store for the next start.
        deliveryTask.cancel()
        await deliveryTask.value
        if let s = try? await store.statistics() {
            logger.info("store", metadata: ["writes": "\(s.writes)", "commits": "\(s.transactions)", "syncs": "\(s.walSyncs)"])
        }
        do {
            try await store.close()
        } catch {
            logger.error("closing the store: \(error)")
        }
        let frames = mllp.reduce(0) { $0 + $1.1.statistics.frames }
        logger.info("stopped", metadata: ["mllpMessages": "\(frames)"])
    }

    /// Prunes at start, then every `retention.interval`, until cancelled.
    static func pruneLoop(_ store: any Store, _ retention: Retention, _ logger: Logger) async {
        let policy = RetentionPolicy(messageMaxAge: retention.maximumAge, messageMaxBytes: retention.journalMaximumSize,
                                     instanceMaxAge: retention.maximumAge, instanceMaxBytes: retention.maximumSize)
        while !Task.isCancelled {
            do {
                let r = try await store.prune(policy, now: Date())
                logger.info("pruned", metadata: ["messages": "\(r.messagesDeleted)", "instances": "\(r.instancesDeleted)",
                                                 "files": "\(r.filesDeleted)", "bytesFreed": "\(r.bytesFreed)"])
            } catch {
                logger.error("pruning failed: \(error)")
            }
            try? await Task.sleep(for: retention.interval)
        }
    }
}
