import Foundation
import Yams

/// Claude Code / Claude Agent SDK `settings.json` (user, project, local, managed). Recognized by any of
/// its permission keys or its JSON schema URL; the scope comes from the file name (`managed-settings.json`,
/// `settings.local.json`, `user-settings.json`, else project) or a forced `claude-code:<scope>`.
struct ClaudeCodeReader: DialectReader {
    var name: String { DialectName.claudeCode }
    var variants: [String] { ClaudeCodeScope.allCases.map(\.rawValue) }

    static let shapeKeys: Set<String> = ["permissions", "allowedMcpServers", "deniedMcpServers", "allowManagedPermissionRulesOnly", "sandbox"]

    func recognizes(_ root: Node, file: String) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        for (key, value) in mapping {
            guard let text = key.scalar?.string else { continue }
            if Self.shapeKeys.contains(text) { return true }
            if text == "$schema", value.scalar?.string.contains("claude-code-settings") == true { return true }
        }
        return false
    }

    static func scope(of file: String) -> ClaudeCodeScope {
        switch (file as NSString).lastPathComponent.lowercased() {
        case "managed-settings.json": return .managed
        case "settings.local.json": return .local
        case "user-settings.json", "settings.user.json": return .user
        default: return .project
        }
    }

    func read(_ root: Node, walker: SandboxNodeWalker, file: String, variant: String?, options: DialectOptions) -> [DialectFragment] {
        let scope = variant.flatMap(ClaudeCodeScope.init(rawValue:)) ?? Self.scope(of: file)
        let base = ClaudeCodePathBase(projectRoot: options.projectRoot, home: options.home)
        let decoder = ClaudeCodeSettingsDecoder(walker: walker, scope: scope, base: base)
        guard let settings = decoder.decode(root) else { return [] }
        return [DialectFragment(dialect: name, file: file, tenant: nil, location: walker.location(root), payload: settings)]
    }

    func build(tenant: String, fragments: [DialectFragment], options: DialectOptions) -> TenantSandbox {
        let files = fragments.compactMap { $0.payload as? ClaudeCodeSettingsFile }
        let policy = ClaudeCodePolicy(files: files, projectRoot: options.projectRoot)
        return ClaudeCodeImport.sandbox(tenant: tenant, policy: policy)
    }
}
