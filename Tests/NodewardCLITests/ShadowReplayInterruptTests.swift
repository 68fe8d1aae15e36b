import Foundation
import Testing

/// A replay interrupted by SIGINT commits what it has, marks its session interrupted and exits 130;
/// running it again completes the store without a duplicate row.
@Suite struct ShadowReplayInterruptTests {
    static func count(_ sql: String, store: String) throws -> Int {
        let result = try CLI.runBlocking(["store", "query", sql, "--store", store, "--format", "json"])
        guard result.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let rows = object["rows"] as? [[Any]], let text = rows.first?.first as? String else { return 0 }
        return Int(text) ?? 0
    }

    @Test(.timeLimit(.minutes(5))) func sigintStopsCleanlyAndARerunResumesWithoutDuplicates() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("replay.sqlite").path
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["shadow", "replay", "Samples/fleet", "--store", store, "--format", "json"]
        process.currentDirectoryURL = CLI.packageRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once the first batch is committed.
        let deadline = Date().addingTimeInterval(240)
        while process.isRunning, Date() < deadline {
            if FileManager.default.fileExists(atPath: store), try Self.count("SELECT count(*) FROM decisions", store: store) > 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let interruptedInTime = process.isRunning
        process.interrupt()
        process.waitUntilExit()
        if interruptedInTime {
            #expect(process.terminationStatus == 130)
            #expect(try Self.count("SELECT count(*) FROM sessions WHERE status = 'interrupted'", store: store) == 1)
            #expect(try Self.count("SELECT count(*) FROM decisions", store: store) < 16_324)
        } else {
            Issue.record("the replay finished before it could be interrupted; nothing was tested")
        }
        let rerun = try CLI.runBlocking(["shadow", "replay", "Samples/fleet", "--store", store, "--format", "json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try Self.count("SELECT count(*) FROM decisions", store: store) == 16_324)
        #expect(try Self.count("SELECT count(*) FROM (SELECT step FROM decisions GROUP BY step, policy_version HAVING count(*) > 1)", store: store) == 0)
        #expect(try Self.count("SELECT count(*) FROM sessions WHERE status = 'completed'", store: store) == 1)
    }
}
