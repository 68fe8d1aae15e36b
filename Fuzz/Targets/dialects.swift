// libFuzzer target: one dialect file (Claude Code settings, MCP client config, agentgateway config.yaml, LiteLLM entity) through detection, the
// dialect readers, the native evaluators on fixed steps, and the import writer, whose YAML must read
// back as a TenantAgentSandbox without errors (docs/fuzzing.md).
import Foundation
import NodewardCore

private let location = SourceLocation(file: "fuzz-steps", line: 1)
private let steps: [Step] = [
    ("Bash", ["command": JSONValue.string("npm run test && git push")]),
    ("Read", ["file_path": .string("/work/acme/.env")]),
    ("WebFetch", ["url": .string("https://api.acme.com/v1")]),
    ("mcp__github__get_file_contents", [:]),
    ("Edit", [:]),
].map { tool, arguments in
    Step(tenant: "fuzz", agent: "a", workflow: "w", runId: "r", stepId: tool, startNanos: 1, kind: .toolCall,
         operation: tool, resources: [.egress("api.acme.com", port: 443)], arguments: arguments, source: location)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDialects(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for (file, forced) in [("fuzz/managed-settings.json", nil), ("fuzz/.mcp.json", "mcp-client"), ("fuzz/settings.json", "claude-code:user"), ("fuzz/config.yaml", "agentgateway"), ("fuzz/team.json", "litellm")] {
        let options = DialectOptions(tenantFrom: .literal("fuzz"), forced: forced.map { ["*": $0] } ?? [:], projectRoot: "/work/acme", home: "/home/dev")
        let read = SandboxReader(dialects: options).parse(text: text, file: file)
        var fleet = LegacyFleet(sandboxes: read.sandboxes)
        for step in steps { _ = fleet.evaluateDetailed(step) }
        for sandbox in read.sandboxes where sandbox.dialect != nil {
            let yaml = SandboxImportWriter.yaml(for: sandbox)
            let reread = SandboxReader().parse(text: yaml, file: "fuzz-import.yaml")
            if !reread.errors.isEmpty || reread.sandboxes.count != 1 {
                fatalError("an imported sandbox does not read back: \(reread.errors.map(\.description))")
            }
        }
    }
    return 0
}
