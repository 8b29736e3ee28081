// Delivery to an HTTP endpoint (a webhook, docs/delivery.md): each entry is POSTed with async-http-client.
// HL7 goes as ER7 (`x-application/hl7-v2+er7`) or as the JSON form of the message (`application/json`), after the
// channel's transforms; DICOM as the stored Part 10 file (`application/dicom`), streamed from disk. A 2xx answer
// counts as delivered; 408, 429 and 5xx are retried like transport errors; any other answer is a rejection.

import AsyncHTTPClient
import DICOM
import DICOMNetwork
import Foundation
import HL7
import IsthmusStore
import NIOCore
import NIOHTTP1
import NIOConcurrencyHelpers
import NIOSSL
import TLSFiles

/// POSTs entries to one URL.
public struct HTTPSender: DestinationSender {
    public let endpoint: HTTPEndpoint
    let transforms: [Transform]
    let contentDirectory: String
    private let client: ClientHolder
    /// The store whose current patient records (PIR) DICOM instances are sent with; nil: sent as stored.
    public var store: (any Store)?

    /// - Throws: when the TLS files of `endpoint` cannot be read.
    public init(endpoint: HTTPEndpoint, contentDirectory: String, transforms: [Transform] = []) throws {
        self.endpoint = endpoint
        self.contentDirectory = contentDirectory
        self.transforms = transforms
        client = ClientHolder(tls: try endpoint.tls.map(Self.tlsConfiguration))
    }

    public func deliver(_ entry: ClaimedEntry) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for (name, value) in endpoint.headers.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "X-Isthmus-Message-ID", value: "\(entry.messageID)")
        request.headers.replaceOrAdd(name: "X-Isthmus-Entry-ID", value: "\(entry.id)")
        request.headers.replaceOrAdd(name: "X-Isthmus-Attempt", value: "\(entry.attempts + 1)")
        var file: FileHandle?
        var rewritten: String?
        defer {
            try? file?.close()
            if let rewritten { unlink(rewritten) }
        }
        switch entry.kind {
        case .hl7:
            let message: Message
            do {
                message = try Transformer.apply(transforms, to: try Message(entry.payload))
            } catch {
                return .failed(.unsendable, reason: "cannot prepare the message: \(error)")
            }
            if let id = message.controlID { request.headers.replaceOrAdd(name: "X-Isthmus-Control-ID", value: id) }
            switch endpoint.format {
            case .er7:
                request.headers.replaceOrAdd(name: "Content-Type", value: "x-application/hl7-v2+er7")
                request.body = .bytes(ByteBuffer(bytes: message.serialized()))
            case .json:
                request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: HL7JSON.encode(message)))
            }
        case .dicom:
            guard let relative = entry.metadata["path"] else { return .failed(.unsendable, reason: "the entry names no stored file") }
            var path = contentDirectory + "/" + relative
            // The patient's current demographics (PIR) when they differ from the file's: a rewritten copy is
            // sent, the stored file is not changed (docs/archive.md).
            if let store, let header = try? DICOMFile.read(contentsOf: path, options: { var o = ReadOptions(); o.stopBeforePixelData = true; return o }()),
               let patient = await CurrentDemographics.currentPatient(store, patientID: header.dataSet.string(CurrentDemographics.patientID),
                                                                       issuer: header.dataSet.string(CurrentDemographics.issuerOfPatientID)),
               let replacements = CurrentDemographics.replacements(header: header.dataSet, current: patient) {
                do {
                    path = try InstanceRewrite.rewrittenCopy(of: path, replacements: replacements)
                    rewritten = path
                } catch {
                    return .failed(.unsendable, reason: "cannot apply the current demographics to \(relative): \(error)")
                }
            }
            guard let handle = FileHandle(forReadingAtPath: path),
                  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
            else {
                return .failed(.unsendable, reason: "the stored file is gone")
            }
            file = handle
            if let uid = entry.metadata["sopInstanceUID"] { request.headers.replaceOrAdd(name: "X-Isthmus-SOP-Instance-UID", value: uid) }
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/dicom")
            request.body = .stream(FileChunks(handle: handle), length: .known(size))
        }
        let status: HTTPResponseStatus
        do {
            let response = try await client.get().execute(request, timeout: .nanoseconds(Int64(endpoint.timeout.components.seconds) * 1_000_000_000
                + endpoint.timeout.components.attoseconds / 1_000_000_000))
            status = response.status
            // Drained (bounded), so the connection can be reused; the body itself is not kept (it may echo PHI).
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where error == .bodyLengthMismatch {
            return .failed(.transport, reason: "POST: the stored file changed size while being sent")
        } catch {
            return .failed(.transport, reason: "POST: \(error)")
        }
        switch status.code {
        case 200 ..< 300: return .delivered(response: "HTTP \(status.code)")
        case 408, 429, 500 ..< 600: return .failed(.transport, reason: "HTTP \(status.code) \(status.reasonPhrase)")
        default: return .failed(.rejected, reason: "HTTP \(status.code) \(status.reasonPhrase)")
        }
    }

    public func close() async { await client.shutdown() }

    static func tlsConfiguration(_ t: TLSSettings) throws -> TLSConfiguration {
        try TLSFiles.clientConfiguration(ca: t.ca, certificateChain: t.certificate, privateKey: t.key)
    }
}

/// The sender's HTTP client, made on first use (connection pool kept between deliveries) and shut down when the
/// worker stops.
private final class ClientHolder: Sendable {
    private let tls: TLSConfiguration?
    private let client = NIOLockedValueBox<HTTPClient?>(nil)

    init(tls: TLSConfiguration?) { self.tls = tls }

    func get() -> HTTPClient {
        client.withLockedValue { c in
            if let c { return c }
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = tls
            configuration.redirectConfiguration = .disallow
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            c = made
            return made
        }
    }

    func shutdown() async {
        let c = client.withLockedValue { c in
            defer { c = nil }
            return c
        }
        try? await c?.shutdown()
    }
}

/// A file read in 64 KiB chunks, for streaming request bodies: memory stays bounded whatever the instance size.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 64 * 1024), !data.isEmpty else { return nil }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}
