// The delivery stage of `isthmus serve`: one worker per channel destination (queue `CHANNEL/DESTINATION`),
// each with the sender its destination kind needs.

import Foundation
import IsthmusStore
import Logging
import DICOMNetwork
import MLLP
import NIOSSL

/// Builds and runs the delivery workers of a configuration.
public struct DeliveryService: Sendable {
    public let workers: [DeliveryWorker]

    /// A worker for every destination of every channel.
    /// - Parameters:
    ///   - callingAETitle: our AE title in associations to DICOM destinations.
    public init(configuration: Configuration, store: any Store, policy: RetryPolicy = RetryPolicy(), logger: Logger) throws {
        var workers: [DeliveryWorker] = []
        let callingAE = configuration.dicomListeners.first?.aeTitle ?? "ISTHMUS"
        let content = configuration.data.contentDirectory
        // Every channel destination, and the workflow's procedure status destinations (queues `workflow/NAME`).
        var queues: [(channel: MessageChannel, destination: Destination)] = []
        for channel in configuration.channels {
            for destination in channel.destinations { queues.append((channel, destination)) }
        }
        // (The study-stable destinations too; one queue per name.)
        let workflow = MessageChannel(name: "workflow", source: "")
        for destination in configuration.workflow.deliveryDestinations { queues.append((workflow, destination)) }
        for (channel, destination) in queues {
            let queue = ChannelRouter.queueName(channel: channel.name, destination: destination.name)
            let sender: any DestinationSender
            switch destination.kind {
            case .mllp(let peerName):
                guard let peer = configuration.mllpPeers.first(where: { $0.name == peerName }) else {
                    throw EngineError(description: "channel \(channel.name): destination \(destination.name): no MLLP peer named \(peerName)")
                }
                var tls: NIOSSLContext?
                if let t = peer.tls {
                    do {
                        tls = try MLLPTLS.clientContext(ca: t.ca, certificateChain: t.certificate, privateKey: t.key)
                    } catch {
                        throw EngineError(description: "MLLP peer \(peer.name): TLS: \(error)")
                    }
                }
                sender = MLLPSender(host: peer.host, port: peer.port, tls: tls, serverHostname: peer.tls == nil ? nil : peer.host,
                                    transforms: channel.transforms)
            case .dicom(let peerName):
                guard let peer = configuration.dicomPeers.first(where: { $0.name == peerName }) else {
                    throw EngineError(description: "channel \(channel.name): destination \(destination.name): no DICOM peer named \(peerName)")
                }
                var dicomSender = DICOMSender(host: peer.host, port: peer.port, calledAETitle: peer.aeTitle, callingAETitle: callingAE, contentDirectory: content)
                dicomSender.store = store
                if let t = peer.tls {
                    do {
                        dicomSender.tls = try DICOMTLS.clientContext(ca: t.ca, certificateChain: t.certificate, privateKey: t.key, verifyHostname: false)
                    } catch {
                        throw EngineError(description: "DICOM peer \(peer.name): TLS: \(error)")
                    }
                }
                sender = dicomSender
            case .folder(let path):
                sender = FolderSender(directory: path, contentDirectory: content, transforms: channel.transforms)
            case .http(let endpoint):
                do {
                    var http = try HTTPSender(endpoint: endpoint, contentDirectory: content, transforms: channel.transforms)
                    http.store = store
                    sender = http
                } catch {
                    throw EngineError(description: "channel \(channel.name): destination \(destination.name): TLS: \(error)")
                }
            }
            workers.append(DeliveryWorker(queue: queue, store: store, sender: sender, policy: policy, logger: logger))
        }
        self.workers = workers
    }

    /// Runs every worker until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for w in workers { group.addTask { await w.run() } }
        }
    }
}
