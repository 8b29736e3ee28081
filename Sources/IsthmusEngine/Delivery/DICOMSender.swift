// Delivery of stored DICOM instances to a remote AE by C-STORE (PS3.4 Annex B, SCU side): the entry counts
// as sent on a success or warning status (PS3.4 §B.2.3), is retried on 'out of resources' (A7xx) and
// transport errors, and is a rejection on any other failure status.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusStore
import NIOSSL

/// Sends stored instances to one AE, one association per entry.
public struct DICOMSender: DestinationSender {
    public let host: String
    public let port: Int
    public let calledAETitle: String
    public let callingAETitle: String
    public let contentDirectory: String
    public var timeouts = DICOMTimeouts()
    /// TLS for the association (PS3.15 Annex B), nil: plain TCP.
    public var tls: NIOSSLContext?
    /// The store whose current patient records (PIR) the instances are sent with; nil: sent as stored.
    public var store: (any Store)?

    public init(host: String, port: Int, calledAETitle: String, callingAETitle: String, contentDirectory: String) {
        self.host = host
        self.port = port
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.contentDirectory = contentDirectory
    }

    public func deliver(_ entry: ClaimedEntry) async -> DeliveryOutcome {
        guard entry.kind == .dicom else { return .failed(.unsendable, reason: "a DICOM destination sends stored instances only") }
        guard let relative = entry.metadata["path"] else { return .failed(.unsendable, reason: "the entry names no stored file") }
        let path = contentDirectory + "/" + relative
        var options = ReadOptions()
        options.stopBeforePixelData = true
        let header: DICOMFile
        do {
            header = try DICOMFile.read(contentsOf: path, options: options)
        } catch {
            return .failed(.unsendable, reason: "cannot read the stored file \(relative): \(error)")
        }
        var parameters = AssociationParameters(host: host, port: port, callingAETitle: callingAETitle, calledAETitle: calledAETitle,
                                               presentationContexts: DICOMAssociation.storageContexts(for: [header]))
        parameters.timeouts = timeouts
        parameters.tls = tls
        let association: DICOMAssociation
        do {
            association = try await DICOMAssociation.open(parameters)
        } catch {
            return .failed(.transport, reason: "association with \(calledAETitle): \(error)")
        }
        let status: UInt16
        do {
            var replacements: DataSet?
            if let store, let patient = await CurrentDemographics.currentPatient(
                store, patientID: header.dataSet.string(CurrentDemographics.patientID), issuer: header.dataSet.string(CurrentDemographics.issuerOfPatientID)) {
                replacements = CurrentDemographics.replacements(header: header.dataSet, current: patient)
            }
            status = try await association.store(contentsOf: path, replacing: replacements)
        } catch {
            await association.abort()
            return .failed(.transport, reason: "C-STORE to \(calledAETitle): \(error)")
        }
        try? await association.release()
        let hex = "0x" + String(status, radix: 16, uppercase: true)
        switch status {
        case 0x0000, 0x0001, 0xB000, 0xB006, 0xB007: return .delivered(response: "C-STORE \(hex)")
        case 0xA700 ... 0xA7FF: return .failed(.applicationError, reason: "C-STORE \(hex) (out of resources)")
        default: return .failed(.rejected, reason: "C-STORE \(hex)")
        }
    }
}
