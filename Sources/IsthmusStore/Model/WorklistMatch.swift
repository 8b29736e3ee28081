// PS3.4 K.6.1.2 with IHE RAD TF-2 PIR: a worklist item as a Modality Worklist C-FIND SCP answers
// it, with the record current for its patient (after updates, merges and identifier changes).

/// A worklist item the prefilter selected, with the record current for its patient
/// (`WorkflowStore.currentPatient(_:)` of the item's patient key), both read at the same time.
public struct WorklistMatch: Sendable {
    public var item: WorklistItem
    /// The patient's current record: the item's own patient, or the one it was merged into; nil
    /// when the store has no record of the patient.
    public var currentPatient: StoredPatient?

    public init(item: WorklistItem, currentPatient: StoredPatient?) {
        self.item = item
        self.currentPatient = currentPatient
    }
}
