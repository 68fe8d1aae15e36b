import Foundation
import NodewardCore
import NodewardSamples

/// Generated input for `nodeward bench` without a workspace: the sample generator's fleet with exactly
/// `steps` steps in one trace format. Kept in `--data DIR` between runs (one folder per size, format and
/// seed) so repeated benchmarks do not pay for generation; otherwise a temporary folder removed at exit.
struct BenchData {
    enum Format: String {
        case otlp
        case jsonl
    }

    let root: String
    let temporary: Bool
    private var generated: [String: Workspace] = [:]

    init(folder: String?) {
        if let folder {
            root = folder
            temporary = false
        } else {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-bench-data-\(UUID().uuidString)").path
            temporary = true
        }
    }

    /// The workspace with `steps` steps in `format`, generating it when it is not there yet.
    mutating func workspace(steps: Int, format: Format, seed: UInt64) throws -> Workspace {
        let name = "steps-\(steps)-\(format.rawValue)-seed-\(seed)"
        if let cached = generated[name] { return cached }
        let folder = (root as NSString).appendingPathComponent(name)
        let marker = (folder as NSString).appendingPathComponent(".complete")
        if !FileManager.default.fileExists(atPath: marker) {
            try? FileManager.default.removeItem(atPath: folder)
            Terminal.err("generating \(steps.grouped) \(format.rawValue) steps into \(folder)")
            let options = FleetOptions(tenants: 6, seed: seed, format: format == .otlp ? .otlp : .jsonl, stepLimit: steps)
            do {
                _ = try NodewardSamples.generate(options, into: URL(fileURLWithPath: folder), force: true)
            } catch {
                throw Diagnostic.error(.outputUnwritable, "cannot generate bench data here: \(error.description); check that --data names a writable folder",
                                       at: SourceLocation(file: folder, line: 1))
            }
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
        }
        let workspace: Workspace
        workspace = try Workspace.load(folder: folder)
        generated[name] = workspace
        return workspace
    }

    func removeIfTemporary() {
        if temporary { try? FileManager.default.removeItem(atPath: root) }
    }
}
