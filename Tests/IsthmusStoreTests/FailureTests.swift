import Foundation
import IsthmusStore
import Testing

@Suite("Store failures")
struct FailureTests {
    @Test("a full database makes receive throw .full, fails the whole batch, and stores nothing half")
    func diskFull() async throws {
        let t = try TempStore("full")
        defer { t.cleanUp() }
        let store = try t.open { $0.maxPageCount = 80 }
        var stored: [MessageID] = []
        var failure: StoreError?
        var i = 0
        while failure == nil, i < 1000 {
            do {
                var m = try inbound("FULL\(i)")
                m.raw += Array("OBX|1|TX|||\(String(repeating: "y", count: 3000))\r".utf8)
                stored.append(try await store.receive(m, deliveries: [Delivery(destination: "a"), Delivery(destination: "b")]).id)
            } catch let e as StoreError {
                failure = e
            }
            i += 1
        }
        #expect(failure?.code == .full)
        #expect(!stored.isEmpty)
        // Concurrent receives into the full database: every caller gets the error.
        let errors = await withTaskGroup(of: StoreError.Code?.self) { group in
            for j in 0 ..< 10 {
                group.addTask {
                    var m = try? inbound("MORE\(j)")
                    m?.raw += Array("OBX|1|TX|||\(String(repeating: "z", count: 3000))\r".utf8)
                    do {
                        _ = try await store.receive(m!, deliveries: [Delivery(destination: "a")])
                        return nil
                    } catch let e as StoreError { return e.code } catch { return .other }
                }
            }
            var all: [StoreError.Code?] = []
            for await e in group { all.append(e) }
            return all
        }
        #expect(errors.allSatisfy { $0 == .full })
        // Everything that returned is complete; nothing else is there.
        let stats = try await store.statistics()
        #expect(stats.messages == stored.count)
        #expect(stats.queued == stored.count * 2)
        for id in stored { #expect(try await store.message(id)?.entries.count == 2) }
        try await store.close()
        // With room again, the same database takes messages.
        let roomy = try t.open()
        #expect(try await roomy.receive(try inbound("AFTER")).isDuplicate == false)
        #expect(try await roomy.statistics().messages == stored.count + 1)
        try await roomy.close()
    }

    @Test("a read-only database makes receive throw .readOnly; reading still works")
    func readOnly() async throws {
        let t = try TempStore("readonly")
        defer { t.cleanUp() }
        let store = try t.open()
        let id = try await store.receive(try inbound("RO1")).id
        try await store.close()
        let ro = try t.open { $0.readOnly = true }
        #expect(try await ro.message(id)?.summary.controlID == "RO1")
        await #expect(throws: StoreError(.readOnly, "the store was opened read-only")) { _ = try await ro.receive(try inbound("RO2")) }
        try await ro.close()
    }

    // Root writes whatever the permissions say: skipped when running as root.
    @Test("a database file the process may not write makes receive (or opening) fail as read-only", .enabled(if: getuid() != 0))
    func readOnlyFile() async throws {
        let t = try TempStore("chmod")
        defer { t.cleanUp() }
        let store = try t.open()
        _ = try await store.receive(try inbound("C1"))
        try await store.close()
        chmod(t.path, 0o444)
        chmod(t.dir, 0o555)
        defer { chmod(t.dir, 0o755) }
        do {
            let s = try t.open()
            await #expect(throws: StoreError.self) { _ = try await s.receive(try inbound("C2")) }
            try? await s.close()
        } catch let e as StoreError {
            #expect(e.code == .readOnly)
        }
    }

    @Test("a file that is not a database is refused with .corrupt")
    func notADatabase() throws {
        let t = try TempStore("garbage")
        defer { t.cleanUp() }
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: t.path))
        #expect(throws: StoreError.self) { _ = try t.open() }
        do { _ = try t.open() } catch let e as StoreError { #expect(e.code == .corrupt) } catch { Issue.record("\(error)") }
    }
}
