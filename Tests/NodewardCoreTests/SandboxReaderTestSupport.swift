import Foundation
import Testing
@testable import NodewardCore

/// Paths and helpers shared by the SandboxReader*Tests suites.
enum SandboxFixtures {
    static func folder() throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("sandbox").path
    }

    static func path(_ name: String) throws -> String { try folder() + "/" + name }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// `file:line:col` with the fixture folder stripped, so expectations read like the user sees them.
    static func relative(_ location: NodewardCore.SourceLocation?) throws -> String {
        relative(location, to: try folder())
    }

    /// `location` as `file:line:col` with `folder` stripped; `<none>` for no location.
    static func relative(_ location: NodewardCore.SourceLocation?, to folder: String) -> String {
        guard let location else { return "<none>" }
        let prefix = folder + "/"
        var text = location.description
        if text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        return text
    }

    static func cidr(_ text: String) throws -> CIDRBlock { try #require(CIDRBlock(text)) }
}
