import Foundation
import NodewardCore
import NodewardSamples
import Testing

@Suite struct GeneratorDeterminismTests {
    @Test func sameSeedWritesByteIdenticalFiles() throws {
        let options = FleetOptions(runs: 300, seed: 7)
        let first = try GeneratorFixture.generate(options)
        let second = try GeneratorFixture.generate(options)
        defer { try? FileManager.default.removeItem(at: first.root); try? FileManager.default.removeItem(at: second.root) }
        let firstFiles = try GeneratorFixture.files(first.root)
        let secondFiles = try GeneratorFixture.files(second.root)
        #expect(firstFiles.keys.sorted() == secondFiles.keys.sorted())
        for (path, data) in firstFiles { #expect(secondFiles[path] == data, "\(path) differs between two generations") }
        #expect(first.summary == second.summary)
        #expect(first.summary.files == firstFiles.keys.sorted())
        #expect(first.summary.bytes == firstFiles.values.reduce(0) { $0 + $1.count })
    }

    @Test func differentSeedsWriteDifferentTraces() throws {
        let one = try GeneratorFixture.generate(FleetOptions(runs: 100, seed: 1))
        let two = try GeneratorFixture.generate(FleetOptions(runs: 100, seed: 2))
        defer { try? FileManager.default.removeItem(at: one.root); try? FileManager.default.removeItem(at: two.root) }
        let oneFiles = try GeneratorFixture.files(one.root)
        let twoFiles = try GeneratorFixture.files(two.root)
        for path in oneFiles.keys where path.hasPrefix("traces/") {
            #expect(oneFiles[path] != twoFiles[path], "\(path) is the same for seeds 1 and 2")
        }
        // The tenant sandboxes are configuration, not randomness: the same for every seed.
        #expect(oneFiles["tenants/acme.yaml"] == twoFiles["tenants/acme.yaml"])
    }

    @Test func refusesANonEmptyFolderWithoutForce() throws {
        let first = try GeneratorFixture.generate(FleetOptions(runs: 10))
        defer { try? FileManager.default.removeItem(at: first.root) }
        #expect(throws: GeneratorError.outputNotEmpty(first.root.path)) {
            try NodewardSamples.generate(FleetOptions(runs: 10), into: first.root, force: false)
        }
        // With force, stale files of a larger fleet are replaced, not left behind.
        let bigger = try NodewardSamples.generate(FleetOptions(runs: 20, tenants: 7), into: first.root, force: true)
        let smaller = try NodewardSamples.generate(FleetOptions(runs: 10), into: first.root, force: true)
        #expect(bigger.files.contains("tenants/tenant-07.yaml"))
        #expect(try GeneratorFixture.files(first.root).keys.sorted() == smaller.files)
    }

    @Test func rejectsInvalidOptions() {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-gen-\(UUID().uuidString)")
        #expect(throws: GeneratorError.invalidOption("--tenants must be at least 1")) {
            try NodewardSamples.generate(FleetOptions(tenants: 0), into: root, force: false)
        }
        #expect(throws: GeneratorError.invalidOption("--steps must be at least 1")) {
            try NodewardSamples.generate(FleetOptions(stepLimit: 0), into: root, force: false)
        }
    }
}
