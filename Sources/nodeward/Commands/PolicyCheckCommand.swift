import ArgumentParser
import Foundation
import NodewardCore

extension PolicyCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate policy files: schema and references, with file:line:col errors.",
            discussion: "Lints and the confinement and threat-model checks are not built yet. Exit codes: 0 ok, 2 invalid, 64 usage.")

        @Argument(help: "The policies folder.")
        var directory: String

        func run() throws {
            let loaded = PolicyFolder.load(directory: directory)
            for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
            let nodes = loaded.sets.reduce(0) { $0 + $1.nodes.count }
            Terminal.out("\(loaded.sets.count) policy files, \(nodes) nodes, \(loaded.diagnostics.count) problems\n")
            if loaded.diagnostics.contains(where: { $0.severity == .error }) { throw NodewardExit.badInput }
        }
    }
}
