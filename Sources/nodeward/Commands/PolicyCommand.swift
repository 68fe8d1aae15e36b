import ArgumentParser
import Foundation
import NodewardCore

/// `nodeward policy generate|check`: node-level policies from task graphs (docs/policy-language.md).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Generate and check node-level policies.",
        subcommands: [Generate.self, Check.self, Diff.self, Explain.self, Export.self])
}
