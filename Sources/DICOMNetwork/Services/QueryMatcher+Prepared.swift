// PS3.4 §C.2.2.2 attribute matching and §C.4.1.1.3.2 (the keys a response carries), with the
// identifier read once: a C-FIND SCP matches one identifier against many records.

import DICOM

extension QueryMatcher {
    /// An identifier read once — its match keys' values decoded and trimmed, universal keys set
    /// aside, sequence item keys prepared the same way — for matching many records.
    /// `matches(_:)` and `response(_:)` answer what `QueryMatcher.matches(_:_:)` and
    /// `QueryMatcher.response(_:_:)` answer for the same identifier (they use it).
    public struct PreparedQuery: Sendable {
        private enum Key: Sendable {
            /// Single value, list of UIDs, wildcard or range (the non-empty values of the key).
            case values(Tag, VR, [String])
            /// Sequence matching: one of the record's items must match the key's first item.
            case sequence(Tag, PreparedQuery)
        }

        /// The identifier: the keys a response carries.
        public let identifier: DataSet
        /// The keys to match (universal matching left out: it matches every record).
        private let keys: [Key]
        /// The first item of each of the identifier's sequences that has a non-empty one.
        private let itemQueries: [Tag: PreparedQuery]

        public init(_ identifier: DataSet) {
            var keys: [Key] = []
            var itemQueries: [Tag: PreparedQuery] = [:]
            for key in identifier where key.tag.group > 0x0002 && key.tag != .specificCharacterSet {
                if key.vr == .SQ {
                    guard let item = key.items?.first, !item.dataSet.isEmpty else { continue }  // universal
                    let sub = PreparedQuery(item.dataSet)
                    itemQueries[key.tag] = sub
                    if isMatchKey(key.tag) { keys.append(.sequence(key.tag, sub)) }
                    continue
                }
                guard isMatchKey(key.tag) else { continue }
                let values = (identifier.strings(key.tag) ?? []).map(trim).filter { !$0.isEmpty }
                if !values.isEmpty { keys.append(.values(key.tag, key.vr, values)) }  // else universal
            }
            self.identifier = identifier
            self.keys = keys
            self.itemQueries = itemQueries
        }

        /// Whether `record` matches every key.
        public func matches(_ record: DataSet) -> Bool {
            for key in keys {
                switch key {
                case .sequence(let tag, let item):
                    guard let items = record.items(tag), items.contains(where: { item.matches($0.dataSet) }) else { return false }
                case .values(let tag, let vr, let values):
                    let recordValues = (record.strings(tag) ?? []).map(trim)
                    if !matchValue(values, vr: vr, recordValues: recordValues) { return false }
                }
            }
            return true
        }

        /// The requested keys with the record's values (zero length when it has none), sequences
        /// reduced item by item, plus the record's Specific Character Set and the identifier's level.
        public func response(_ record: DataSet) -> DataSet {
            var out = DataSet()
            if let cs = record[.specificCharacterSet] { out.set(cs) }
            for key in identifier where key.tag.group > 0x0002 && key.tag != .specificCharacterSet {
                if key.tag == Tag(0x0008, 0x0052) { out.set(key); continue }
                if key.vr == .SQ {
                    let sub = itemQueries[key.tag]
                    let items = (record.items(key.tag) ?? []).compactMap { item -> DICOM.Item? in
                        guard let sub else { return item }
                        guard sub.matches(item.dataSet) else { return nil }
                        return DICOM.Item(dataSet: sub.response(item.dataSet))
                    }
                    out.set(key.tag, items: items)
                } else if let e = record[key.tag] {
                    out.set(e)
                } else {
                    out.set(DataElement(tag: key.tag, vr: key.vr, bytes: []))
                }
            }
            return out
        }
    }
}
