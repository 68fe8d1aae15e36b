import Foundation
import Testing

@Suite struct CedarExportCLITests {
    static let fleet = "Samples/fleet"

    func read(_ folder: URL, _ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func exportWritesTheBundleAndReadingCommittedPoliciesGivesTheSameBytes() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let generated = root.appendingPathComponent("generated"), fromFolder = root.appendingPathComponent("read")
        let first = try await CLI.run(["policy", "export", Self.fleet, "--format", "cedar", "--out", generated.path, "--requests"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.split(separator: "\n").map { URL(fileURLWithPath: String($0)).lastPathComponent }
                == ["policies.cedar", "schema.cedarschema", "entities.json", "requests.jsonl"])
        #expect(first.stderr.contains("exported 4 workflows, 32 permits"))
        let policies = try read(generated, "policies.cedar")
        #expect(policies.components(separatedBy: "\npermit (").count - 1 == 32)
        #expect(try read(generated, "requests.jsonl").split(separator: "\n").count == 16_324)

        let folder = root.appendingPathComponent("policies").path
        #expect(try await CLI.run(["policy", "generate", Self.fleet, "--policies", folder]).status == 0)
        let second = try await CLI.run(["policy", "export", Self.fleet, "--policies", folder, "--out", fromFolder.path])
        #expect(second.status == 0, "\(second.stderr)")
        for name in ["policies.cedar", "schema.cedarschema", "entities.json"] {
            #expect(try self.read(fromFolder, name) == self.read(generated, name), "\(name)")
        }
    }

    @Test func anUnknownFormatIsAUsageError() async throws {
        let result = try await CLI.run(["policy", "export", Self.fleet, "--format", "rego"])
        #expect(result.status == 64)
    }
}
