import GRDB
import GRDBSQLite

// The journal's hot statements (receive, mark sent, message status) bind their values and step through SQLite's C
// API on GRDB's cached statements: GRDB's argument conversion (an array of existentials turned into
// `DatabaseValue`s, validated, then bound) and its per-statement bookkeeping cost about as much CPU as SQLite's
// own work for these small statements (docs/benchmarks.md, the engine profile).

/// A value bound to a hot statement.
enum HotValue {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null

    static func text(_ s: String?) -> HotValue { s.map { .text($0) } ?? .null }
}

private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A result row of a hot statement, read by column index.
struct HotRow {
    fileprivate let statement: OpaquePointer

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }
}

extension Database {
    /// Runs the cached statement `sql` with `values` bound to its parameters in order; `row` is called for each
    /// result row. The statement is reset and its bindings cleared afterwards, whatever happens. A failure throws
    /// the `DatabaseError` GRDB would (same result code, so group commit's `abortsBatch` sees the same thing).
    func hot(_ sql: String, _ values: [HotValue], row: ((HotRow) throws -> Void)? = nil) throws {
        let statement = try cachedStatement(sql: sql).sqliteStatement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let code: Int32
            switch value {
            case .int(let v): code = sqlite3_bind_int64(statement, index, v)
            case .double(let v): code = sqlite3_bind_double(statement, index, v)
            case .text(var v): code = v.withUTF8 { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient) }
            case .blob(let v):
                // An empty array has no base address, which would bind NULL: an empty blob is a zero-length blob.
                code = v.isEmpty
                    ? sqlite3_bind_zeroblob(statement, index, 0)
                    : v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
            case .null: code = sqlite3_bind_null(statement, index)
            }
            guard code == SQLITE_OK else { throw hotError(code, sql) }
        }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw hotError(code, sql) }
            try row?(HotRow(statement: statement))
        }
    }

    /// The first column of the first row as an integer (nil: no row, or NULL).
    func hotInt(_ sql: String, _ values: [HotValue]) throws -> Int64? {
        var result: Int64?
        try hot(sql, values) { row in
            if result == nil, !row.isNull(0) { result = row.int(0) }
        }
        return result
    }

    private func hotError(_ code: Int32, _ sql: String) -> DatabaseError {
        let extended = sqlite3_extended_errcode(sqliteConnection)
        // The extended code refines the primary one the call returned (e.g. SQLITE_CONSTRAINT_UNIQUE).
        let resultCode = ResultCode(rawValue: extended & 0xFF == code & 0xFF ? extended : code)
        return DatabaseError(resultCode: resultCode, message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}
