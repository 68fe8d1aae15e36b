import Foundation
import Testing

/// Paths in nodeward.yaml stay inside the workspace folder (after `..`, absolute paths and symbolic
/// links are resolved) unless `--allow-outside-workspace`; paths on the command line are the user's own.
@Suite struct WorkspaceBoundaryTests {
    static let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")

    /// A workspace holding a copy of one sample tenant and its traces, plus a folder beside it.
    static func makeWorkspace(_ yaml: String) throws -> (root: URL, workspace: URL) {
        let root = try CLI.temporaryDirectory()
        let workspace = root.appendingPathComponent("ws")
        let manager = FileManager.default
        for folder in ["ws/tenants", "ws/traces", "outside"] {
            try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try manager.copyItem(at: fleet.appendingPathComponent("tenants/umbrella.yaml"), to: workspace.appendingPathComponent("tenants/umbrella.yaml"))
        try manager.copyItem(at: fleet.appendingPathComponent("traces/umbrella.steps.jsonl"), to: workspace.appendingPathComponent("traces/umbrella.steps.jsonl"))
        try manager.copyItem(at: fleet.appendingPathComponent("tenants/umbrella.yaml"), to: root.appendingPathComponent("outside/umbrella.yaml"))
        try Data(yaml.utf8).write(to: workspace.appendingPathComponent("nodeward.yaml"))
        return (root, workspace)
    }

    @Test func aWorkspaceFilePathThatLeavesTheFolderIsBadInputNamingItsKey() async throws {
        let (root, workspace) = try Self.makeWorkspace("version: 1\ntenants: [../outside/]\ntraces: [traces/]\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let refused = try await CLI.run(["analyze", workspace.path])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("nodeward.yaml:2:11: error: tenants: the path leaves the workspace folder"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--allow-outside-workspace [workspace.outside]"))
        #expect(refused.stdout.isEmpty)

        let allowed = try await CLI.run(["analyze", workspace.path, "--allow-outside-workspace", "--format", "json"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        // The same folder given on the command line is the user's choice.
        let explicit = try await CLI.run(["analyze", workspace.path, "--tenants", root.appendingPathComponent("outside").path, "--format", "json"])
        #expect(explicit.status == 0, "\(explicit.stderr)")
    }

    @Test func absolutePathsAndSymbolicLinksOutOfTheWorkspaceAreRefusedToo() async throws {
        let (root, workspace) = try Self.makeWorkspace("version: 1\ntenants: [tenants/]\ntraces: [traces/]\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let outside = root.appendingPathComponent("outside").path
        try FileManager.default.createSymbolicLink(atPath: workspace.appendingPathComponent("linked").path, withDestinationPath: outside)
        for (yaml, key) in [("tenants: [\(outside)]", "tenants"), ("tenants: [linked/]", "tenants"),
                            ("labels: /etc/hostname", "labels"), ("outputs: {store: \(outside)/s.sqlite}", "outputs.store"),
                            ("outputs: {reports: ../outside/reports}", "outputs.reports")] {
            let text = "version: 1\ntraces: [traces/]\n" + (key == "tenants" ? yaml : "tenants: [tenants/]\n" + yaml) + "\n"
            try Data(text.utf8).write(to: workspace.appendingPathComponent("nodeward.yaml"))
            let result = try await CLI.run(["plan", workspace.path, "--format", "json"])
            #expect(result.status == 2, "\(yaml): \(result.stderr)")
            #expect(result.stderr.contains("error: \(key): the path leaves the workspace folder"), "\(yaml): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(outside)/s.sqlite") && !FileManager.default.fileExists(atPath: "\(outside)/reports"),
                    "nothing is written outside")
        }
        // report and store read one path of the workspace, under the same rule.
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\noutputs: {store: ../outside/s.sqlite, reports: ../outside/r}\n".utf8)
            .write(to: workspace.appendingPathComponent("nodeward.yaml"))
        for arguments in [["store", "stats", workspace.path], ["report", workspace.path]] {
            let result = try await CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("the path leaves the workspace folder"), "\(arguments): \(result.stderr)")
        }
        // An output key replaced by its command-line option is not checked: --store and --out choose.
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\noutputs: {store: ../outside/s.sqlite, reports: /tmp/elsewhere}\n".utf8)
            .write(to: workspace.appendingPathComponent("nodeward.yaml"))
        let replaced = try await CLI.run(["plan", workspace.path, "--no-store", "--out", root.appendingPathComponent("out").path, "--format", "json"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        // A path inside the workspace, even written absolutely or through .., is fine.
        try Data("version: 1\ntenants: [\(workspace.path)/tenants/]\ntraces: [traces/../traces/]\n".utf8)
            .write(to: workspace.appendingPathComponent("nodeward.yaml"))
        let inside = try await CLI.run(["analyze", workspace.path, "--format", "json"])
        #expect(inside.status == 0, "\(inside.stderr)")
    }
}
