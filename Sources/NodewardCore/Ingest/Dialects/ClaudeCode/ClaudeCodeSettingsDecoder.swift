import Foundation
import Yams

/// Decodes one Claude Code `settings.json` (any scope) from composed nodes, collecting every problem as
/// a `Diagnostic` with `file:line:col` and key path. Values are never quoted in messages.
struct ClaudeCodeSettingsDecoder {
    let walker: SandboxNodeWalker
    let scope: ClaudeCodeScope
    let base: ClaudeCodePathBase

    /// Settings keys that are no permission control: read past without a finding.
    static let ignoredKeys: Set<String> = [
        "$schema", "model", "env", "apiKeyHelper", "cleanupPeriodDays", "includeCoAuthoredBy", "statusLine",
        "outputStyle", "forceLoginMethod", "forceLoginOrgUUID", "awsAuthRefresh", "awsCredentialExport",
        "otelHeadersHelper", "companyAnnouncements", "spinnerTipsEnabled", "alwaysThinkingEnabled", "fallbackModel",
        "theme", "verbose", "preferredNotifChannel", "autoUpdates", "feedbackSurveyRate", "language",
    ]
    /// Permission-related keys Nodeward reads but does not model: each is an unexpressible rule.
    static let unmodelledKeys: [String: String] = [
        "hooks": "hooks (PreToolUse and others) can change a decision at run time; Nodeward does not run them",
        "enableAllProjectMcpServers": "which project MCP servers are enabled is decided at run time",
        "enabledMcpjsonServers": "which project MCP servers are enabled is decided at run time",
        "disabledMcpjsonServers": "which project MCP servers are enabled is decided at run time",
        "disableAllHooks": "hooks are not modelled",
        "allowManagedHooksOnly": "hooks are not modelled",
        "allowedHttpHookUrls": "hooks are not modelled",
    ]
    static let knownKeys = ["permissions", "sandbox", "allowedMcpServers", "deniedMcpServers", "allowManagedPermissionRulesOnly"]

    func decode(_ root: Node) -> ClaudeCodeSettingsFile? {
        var settings = ClaudeCodeSettingsFile(file: walker.file, scope: scope, documentLocation: walker.location(root))
        guard let entries = walker.mapping(root, "") else { return nil }
        for pair in entries.pairs {
            let path = entries.child(pair.key)
            switch pair.key {
            case "permissions": permissions(pair.value, path, into: &settings)
            case "sandbox": sandbox(pair.value, path, into: &settings)
            case "allowedMcpServers":
                settings.allowedMcpServers = servers(pair.value, path)
                settings.allowedMcpServersLocation = walker.location(pair.value)
            case "deniedMcpServers": settings.deniedMcpServers = servers(pair.value, path) ?? []
            case "allowManagedPermissionRulesOnly":
                guard let value = boolean(pair.value, path) else { continue }
                if value {
                    if scope == .managed {
                        settings.allowManagedPermissionRulesOnly = walker.location(pair.value)
                    } else {
                        walker.warning(.sandboxUnknownKey, "allowManagedPermissionRulesOnly only has effect in managed settings (ignored)", pair.keyNode, path)
                    }
                }
            default:
                if let reason = Self.unmodelledKeys[pair.key] {
                    settings.unmodelled.append((path, walker.location(pair.keyNode), reason))
                } else if !Self.ignoredKeys.contains(pair.key) {
                    walker.warning(.sandboxUnknownKey, "not a permission setting Nodeward reads (ignored); read: \(Self.knownKeys.joined(separator: ", "))", pair.keyNode, path)
                }
            }
        }
        return walker.errorCount > 0 ? nil : settings
    }

    private func permissions(_ node: Node, _ path: String, into settings: inout ClaudeCodeSettingsFile) {
        guard let entries = walker.mapping(node, path) else { return }
        for pair in entries.pairs {
            let keyPath = entries.child(pair.key)
            switch pair.key {
            case "allow", "ask", "deny":
                guard let list = ClaudeCodeList(rawValue: pair.key), let items = walker.list(pair.value, keyPath) else { continue }
                for item in items {
                    guard let text = walker.string(item.node, item.path) else { continue }
                    switch ClaudeCodeRule.parse(text, base: base) {
                    case .success(let matcher):
                        settings.rules.append(ClaudeCodeRule(
                            text: text, matcher: matcher, list: list, scope: scope, index: item.index,
                            keyPath: item.path, location: walker.location(item.node)))
                    case .failure(.invalid(let message)):
                        walker.error(.dialectInvalidRule, "invalid permission rule: \(message)", item.node, item.path)
                    }
                }
            case "defaultMode":
                if let mode = walker.oneOf(pair.value, keyPath, ClaudeCodeMode.allCases) {
                    settings.defaultMode = (mode, walker.location(pair.value))
                }
            case "disableBypassPermissionsMode":
                guard let text = walker.string(pair.value, keyPath) else { continue }
                guard text == "disable" else {
                    walker.error(.sandboxInvalidValue, "expected \"disable\"", pair.value, keyPath)
                    continue
                }
                settings.disableBypassPermissionsMode = true
            case "additionalDirectories":
                settings.unmodelled.append((keyPath, walker.location(pair.keyNode),
                                            "extra working folders only widen where relative rules and file access apply; steps record absolute paths"))
            default:
                walker.warning(.sandboxUnknownKey, "unknown key (ignored); known keys: additionalDirectories, allow, ask, defaultMode, deny, disableBypassPermissionsMode", pair.keyNode, keyPath)
            }
        }
    }

    private func sandbox(_ node: Node, _ path: String, into settings: inout ClaudeCodeSettingsFile) {
        guard let entries = walker.mapping(node, path) else { return }
        settings.sandboxLocation = walker.location(node)
        for pair in entries.pairs {
            let keyPath = entries.child(pair.key)
            switch pair.key {
            case "enabled": settings.sandboxEnabled = boolean(pair.value, keyPath)
            case "network":
                guard let network = walker.mapping(pair.value, keyPath) else { continue }
                for member in network.pairs {
                    let memberPath = network.child(member.key)
                    if member.key == "allowedDomains" {
                        guard let items = walker.list(member.value, memberPath) else { continue }
                        var domains: [(domain: String, keyPath: String, location: SourceLocation)] = []
                        for item in items {
                            guard let domain = walker.nonEmptyString(item.node, item.path) else { continue }
                            guard (try? Glob(domain)) != nil else {
                                walker.error(.sandboxInvalidGlob, "invalid domain pattern", item.node, item.path)
                                continue
                            }
                            domains.append((domain.lowercased(), item.path, walker.location(item.node)))
                        }
                        settings.allowedDomains = domains
                    } else {
                        settings.unmodelled.append((memberPath, walker.location(member.keyNode),
                                                    "local sockets and ports are not recorded in steps"))
                    }
                }
            default:
                settings.unmodelled.append((keyPath, walker.location(pair.keyNode), "a runtime sandbox option with no step-level counterpart"))
            }
        }
    }

    private func servers(_ node: Node, _ path: String) -> [ClaudeCodeServerEntry]? {
        guard let items = walker.list(node, path) else { return nil }
        var result: [ClaudeCodeServerEntry] = []
        for item in items {
            guard let entries = walker.mapping(item.node, item.path) else { continue }
            let keys = entries.pairs.map(\.key)
            let known = keys.filter { ["serverName", "serverCommand", "serverUrl"].contains($0) }
            guard known.count == 1, keys.count == 1, let key = known.first, let value = entries[key] else {
                walker.error(.sandboxInvalidValue, "an entry has exactly one of serverName, serverCommand, serverUrl", item.node, item.path)
                continue
            }
            let keyPath = entries.child(key)
            let location = walker.location(item.node)
            switch key {
            case "serverName":
                if let name = walker.nonEmptyString(value, keyPath) { result.append(ClaudeCodeServerEntry(matcher: .name(name), keyPath: item.path, location: location)) }
            case "serverCommand":
                if let command = walker.stringList(value, keyPath), !command.isEmpty {
                    result.append(ClaudeCodeServerEntry(matcher: .command(command), keyPath: item.path, location: location))
                }
            default:
                if let url = walker.nonEmptyString(value, keyPath) { result.append(ClaudeCodeServerEntry(matcher: .url(url), keyPath: item.path, location: location)) }
            }
        }
        return result
    }

    private func boolean(_ node: Node, _ path: String) -> Bool? {
        guard SandboxNodeWalker.tagName(node) == .bool, let value = node.bool else {
            walker.typeError("true or false", node, path)
            return nil
        }
        return value
    }
}
