import ArgumentParser
import Foundation
import NodewardCore

/// `nodeward sandbox import`: other platforms' permission configs (dialects) as TenantAgentSandbox YAML
/// (docs/sandbox-config.md, "Dialects").
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Work with tenant sandbox configs.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the equivalent TenantAgentSandbox YAML of dialect configs (Claude Code settings, MCP client configs, agentgateway, LiteLLM), one file per tenant.",
            discussion: """
                Each rule is followed by a comment naming its source (file:line:col, key path, native rule id). \
                Rules the TenantAgentSandbox cannot express exactly are printed on stderr (and with --format json \
                on stdout). Exit codes: 0 every rule expressed, 1 some rules cannot be expressed (the files are \
                still written), 2 bad input, 64 usage.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @Argument(help: "Dialect files or folders (Claude Code settings.json, .mcp.json, claude_desktop_config.json, Responses API tool lists).")
        var files: [String]

        @Option(help: "Folder to write <tenant>.yaml into.")
        var out: String

        @Option(help: "Force a dialect for every file: claude-code, claude-code:<user|project|local|managed>, mcp-client.")
        var dialect: String?

        @Option(name: .customLong("tenant-from"), help: "Tenant of a file that names none: auto, stem, folder, routeName or =TENANT (default auto).")
        var tenantFrom: String = "auto"

        @Option(help: "Output format on stdout: text (written paths) or json (paths and unexpressible rules).")
        var format: Format = .text

        struct Report: Encodable {
            var written: [String]
            var unexpressible: [UnexpressibleRule]
        }

        func run() throws {
            guard let rule = TenantFrom(spec: tenantFrom) else {
                throw ValidationError("--tenant-from must be auto, stem, folder, routeName or =TENANT")
            }
            var options = DialectOptions(tenantFrom: rule)
            if let dialect {
                guard DialectOptions.knownDialects.contains(String(dialect.split(separator: ":").first ?? "")) else {
                    throw ValidationError("unknown --dialect (known: \(DialectOptions.knownDialects.joined(separator: ", ")))")
                }
                options.forced = ["*": dialect]
            }
            let read = SandboxReader(dialects: options).read(paths: files)
            for diagnostic in read.diagnostics { Terminal.err(diagnostic.description) }
            guard read.errors.isEmpty else { throw NodewardExit.badInput }
            let imported = read.sandboxes.filter { $0.dialect != nil }
            for sandbox in read.sandboxes where sandbox.dialect == nil {
                Terminal.err("\(sandbox.source): tenant \(sandbox.tenantId) is already a TenantAgentSandbox; not imported")
            }
            guard !imported.isEmpty else {
                Terminal.err(Diagnostic.error(.noInputs, "no dialect file found to import").description)
                throw NodewardExit.badInput
            }
            let written = try OutputFiles.write(imported.map { (name: "\($0.tenantId).yaml", text: SandboxImportWriter.yaml(for: $0)) },
                                                to: out, what: "imported sandboxes")
            let unexpressible = imported.flatMap { $0.dialect?.unexpressible ?? [] }.sorted()
            for rule in unexpressible {
                Terminal.err("\(rule.location): \(DiagnosticCodes.unexpressible) [\(rule.tenant)] \(rule.keyPath): \(rule.reason)")
            }
            switch format {
            case .text: for path in written { Terminal.out(path + "\n") }
            case .json: Terminal.out(StableJSON.encode(Report(written: written, unexpressible: unexpressible)))
            }
            Terminal.err("\(imported.count) tenant\(imported.count == 1 ? "" : "s") imported, \(unexpressible.count) rule difference\(unexpressible.count == 1 ? "" : "s") not expressible")
            if !unexpressible.isEmpty { throw NodewardExit.findings }
        }
    }
}

private enum DiagnosticCodes {
    static let unexpressible = "dialect.unexpressible"
}
