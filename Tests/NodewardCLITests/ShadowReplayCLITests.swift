import Foundation
import Testing

/// `nodeward shadow replay` on the sample fleet: the seeded attacks come out as the issue expects,
/// every step is recorded once, and a second replay adds no rows.
@Suite struct ShadowReplayCLITests {
    static let fleet = "Samples/fleet"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func count(_ sql: String, store: String) async throws -> Int {
        let result = try await CLI.run(["store", "query", sql, "--store", store, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try json(result.stdout)["rows"] as? [[Any]])
        // The query output renders every value as text.
        return try #require((rows.first?.first as? String).flatMap { Int($0) })
    }

    @Test func replayClassifiesTheSeededAttacksAndIsIdempotent() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("shadow.sqlite").path
        let first = try await CLI.run(["shadow", "replay", Self.fleet, "--store", store, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try Self.json(first.stdout)
        let steps = try #require(summary["steps"] as? Int)
        #expect(steps == 16_324)
        let incidents = try #require(summary["incidents"] as? [[String: Any]])
        func incident(_ id: String) throws -> [String: Any] { try #require(incidents.first { $0["id"] as? String == id }) }
        for id in ["inc-002", "inc-012"] {  // poisoned retrieval drives an e-mail
            let sample = try #require(try incident(id)["sample"] as? [String: Any])
            #expect(sample["comparison"] as? String == "tightened")
            let chain = try #require(sample["provenance"] as? [[String: Any]])
            #expect(chain.first?["kind"] as? String == "retrieval", "\(id): \(chain)")
        }
        for id in ["inc-003", "inc-013"] {  // cross-tenant read
            let counts = try #require(try incident(id)["counts"] as? [String: Any])
            #expect(counts["agreeDeny"] as? Int == 1, "\(id): \(counts)")
        }
        #expect(first.stderr.contains("recorded 16,324 new decisions"))
        #expect(try await Self.count("SELECT count(*) FROM decisions", store: store) == steps)
        #expect(try await Self.count("SELECT count(*) FROM decisions WHERE class = 'tightened'", store: store)
                == (summary["totals"] as? [String: Any])?["tightened"] as? Int)
        // Provenance is stored as step ids: the poisoned send names its retrieval.
        let chain = try await CLI.run(["store", "query", """
            SELECT d.provenance FROM decisions d JOIN steps s ON s.id = d.step JOIN runs r ON r.id = s.run
            WHERE r.run_id = 'run-umbrella-00031' AND s.source_step_id = 's7'
            """, "--store", store, "--format", "json"])
        #expect(chain.stdout.contains("s4"), "\(chain.stdout)")

        // No step of the sample falls outside its task graph, so gating on unknown-step passes.
        let second = try await CLI.run(["shadow", "replay", Self.fleet, "--store", store, "--format", "json", "--fail-on", "unknown-step"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
        #expect(second.stderr.contains("recorded 0 new decisions"))
        #expect(try await Self.count("SELECT count(*) FROM decisions", store: store) == steps)
        #expect(try await Self.count("SELECT count(*) FROM sessions WHERE kind = 'replay' AND status = 'completed'", store: store) == 2)
    }

    @Test func failOnAClassThatOccursExitsOne() async throws {
        let tightened = try await CLI.run(["shadow", "replay", Self.fleet, "--no-store", "--fail-on", "widened", "tightened"])
        #expect(tightened.status == 1)
        #expect(tightened.stdout.contains("Labelled incidents"))
        #expect(!tightened.stderr.contains("recorded"))
        let bad = try await CLI.run(["shadow", "replay", Self.fleet, "--no-store", "--fail-on", "sideways"])
        #expect(bad.status == 64)
    }
}
