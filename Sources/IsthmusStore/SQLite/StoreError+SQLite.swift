import GRDB

extension StoreError {
    /// Maps an SQLite failure to the store's error codes (a `StoreError` passes through).
    init(_ error: any Error) {
        if let e = error as? StoreError {
            self = e
            return
        }
        guard let db = error as? DatabaseError else {
            self.init(.other, String(describing: error))
            return
        }
        let text = db.message ?? "\(db.resultCode)"
        switch db.resultCode.primaryResultCode {
        case .SQLITE_FULL: self.init(.full, "database or disk is full: \(text)")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: self.init(.readOnly, "database is not writable: \(text)")
        case .SQLITE_BUSY, .SQLITE_LOCKED: self.init(.busy, "database is locked: \(text)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self.init(.corrupt, "database is damaged: \(text)")
        case .SQLITE_IOERR: self.init(.io, "I/O error: \(text)")
        default: self.init(.other, text)
        }
    }
}
