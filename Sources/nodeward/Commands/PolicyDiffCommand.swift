import ArgumentParser
import Foundation
import NodewardCore

extension PolicyCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Semantic diff of two policy folders: nodes added or removed, grants widened or narrowed.",
            discussion: "Exit codes: 0 ok, 1 a grant widened and --fail-on-widen was given, 2 invalid policies, 64 usage.")

        @Argument(help: "The old policies folder (e.g. the base branch's).")
        var old: String

        @Argument(help: "The new policies folder.")
        var new: String

        @Option(help: "Output format: text, json or markdown.")
        var format: OutputFormat = .text

        @Flag(name: .customLong("fail-on-widen"), help: "Exit 1 when any grant is wider in NEW.")
        var failOnWiden = false

        func run() throws {
            let before = PolicyFolder.load(directory: old), after = PolicyFolder.load(directory: new)
            let problems = before.diagnostics + after.diagnostics
            for diagnostic in problems { Terminal.err(diagnostic.description) }
            guard !problems.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            let diff = PolicyDiff(old: before.sets, new: after.sets)
            switch format {
            case .json: Terminal.out(StableJSON.encode(diff))
            case .text: Terminal.out(diff.document().plainText())
            case .markdown: Terminal.out(diff.document().markdown())
            }
            Terminal.err("\(diff.changes.count) changes, \(diff.widened.count) widening")
            if failOnWiden && !diff.widened.isEmpty { throw NodewardExit.findings }
        }
    }
}
