import Foundation
import Testing
@testable import NodewardSamples

/// The committed Samples/fleet is the generator's default output; after an intended change to the
/// generator or the legacy evaluator, regenerate it: `swift run nodeward generate --out Samples/fleet --force`.
@Suite struct GeneratorSampleFleetTests {
    @Test func committedSampleFleetIsTheDefaultOutput() throws {
        let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples/fleet")
        let (root, _) = try GeneratorFixture.generate(FleetOptions())
        defer { try? FileManager.default.removeItem(at: root) }
        let fresh = try GeneratorFixture.files(root)
        // Inferred graphs and local reports live beside the generated files; they are not generator output.
        let committed = try GeneratorFixture.files(fleet).filter { !$0.key.hasPrefix("graphs/") && !$0.key.hasPrefix(".nodeward/") }
        #expect(fresh.keys.sorted() == committed.keys.sorted())
        for (path, data) in fresh {
            #expect(committed[path] == data, "Samples/fleet/\(path) is stale; regenerate with `swift run nodeward generate --out Samples/fleet --force`")
        }
    }
}
