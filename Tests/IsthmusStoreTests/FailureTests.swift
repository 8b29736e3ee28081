import Foundation
import IsthmusStore
import TestSupport
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

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): a real full disk.
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, let dir = try? Peers.temporaryDirectory("probe-mount") else { return false }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard (try? Peers.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]))?.status == 0 else { return false }
        _ = try? Peers.run("/bin/umount", [dir])
        return true
    }()

    @Test("a real full disk (a 600 KiB tmpfs) makes receive throw .full, with nothing half-stored", .enabled(if: FailureTests.canMountTmpfs))
    func realDiskFull() async throws {
        let t = try TempStore("enospc")
        defer { t.cleanUp() }
        try FileManager.default.createDirectory(atPath: t.dir, withIntermediateDirectories: true)
        #expect(try Peers.run("/bin/mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", t.dir]).status == 0)
        defer { _ = try? Peers.run("/bin/umount", ["-l", t.dir]) }
        let store = try t.open()
        var stored = 0
        var failure: StoreError?
        while failure == nil, stored < 10_000 {
            do {
                var m = try inbound("E\(stored)")
                m.raw += Array("NTE|1||\(String(repeating: "e", count: 2000))\r".utf8)
                _ = try await store.receive(m, deliveries: [Delivery(destination: "out")])
                stored += 1
            } catch let e as StoreError {
                failure = e
            }
        }
        #expect(failure?.code == .full)
        #expect(stored > 0)
        let stats = try await store.statistics()
        #expect(stats.messages == stored)
        #expect(stats.queued == stored)
        try? await store.close()
    }

    @Test("a store on a file system mounted read-only refuses to open or to receive, as .readOnly", .enabled(if: FailureTests.canMountTmpfs))
    func realReadOnlyMount() async throws {
        let t = try TempStore("erofs")
        defer { t.cleanUp() }
        #expect(try Peers.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", t.dir]).status == 0)
        defer { _ = try? Peers.run("/bin/umount", ["-l", t.dir]) }
        let store = try t.open()
        let first = try await store.receive(try inbound("RO-A"), deliveries: [Delivery(destination: "out")]).id
        try await store.close()
        // Linux refuses to remount read-only while files are open for writing: closed first.
        #expect(try Peers.run("/bin/mount", ["-o", "remount,ro", t.dir]).status == 0)
        do {
            let reopened = try t.open()
            await #expect(throws: StoreError.self) { _ = try await reopened.receive(try inbound("RO-B")) }
            #expect(try await reopened.listMessages(limit: 0).map(\.id) == [first])
            try? await reopened.close()
        } catch let e as StoreError {
            #expect(e.code == .readOnly, "\(e)")
        }
    }
}
