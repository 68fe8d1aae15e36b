/// The settings scopes of Claude Code, lowest precedence first (code.claude.com/docs/en/settings,
/// "Settings precedence": managed > command line > local > project > user). Command-line settings are
/// per session and never in a file.
public enum ClaudeCodeScope: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case user
    case project
    case local
    case managed

    var precedence: Int {
        switch self {
        case .user: return 0
        case .project: return 1
        case .local: return 2
        case .managed: return 3
        }
    }

    public static func < (lhs: ClaudeCodeScope, rhs: ClaudeCodeScope) -> Bool { lhs.precedence < rhs.precedence }
}

/// `permissions.defaultMode`: what happens to a tool call no rule matched.
public enum ClaudeCodeMode: String, Sendable, Hashable, Codable, CaseIterable {
    case `default`
    case acceptEdits
    case plan
    case bypassPermissions
    case dontAsk
}

/// One `permissions.allow|ask|deny` list.
public enum ClaudeCodeList: String, Sendable, Hashable, Codable, CaseIterable {
    case deny
    case ask
    case allow
}

/// One entry of `allowedMcpServers` / `deniedMcpServers`: exactly one of `serverName`, `serverCommand`
/// (the command and its arguments, matched exactly), `serverUrl` (a URL pattern with `*`).
public enum ClaudeCodeServerMatcher: Sendable, Hashable {
    case name(String)
    case command([String])
    case url(String)
}

public struct ClaudeCodeServerEntry: Sendable, Hashable {
    public var matcher: ClaudeCodeServerMatcher
    public var keyPath: String
    public var location: SourceLocation
}

/// One settings file as written.
public struct ClaudeCodeSettingsFile: Sendable, Hashable {
    public var file: String
    public var scope: ClaudeCodeScope
    public var rules: [ClaudeCodeRule] = []
    public var defaultMode: (mode: ClaudeCodeMode, location: SourceLocation)?
    public var disableBypassPermissionsMode = false
    public var allowManagedPermissionRulesOnly: SourceLocation?
    public var sandboxEnabled: Bool?
    public var sandboxLocation: SourceLocation?
    public var allowedDomains: [(domain: String, keyPath: String, location: SourceLocation)]?
    public var allowedMcpServers: [ClaudeCodeServerEntry]?
    public var allowedMcpServersLocation: SourceLocation?
    public var deniedMcpServers: [ClaudeCodeServerEntry] = []
    /// Keys read but not modelled (`hooks`, `additionalDirectories`, …), with where they are: each
    /// becomes an unexpressible rule, not a silent default.
    public var unmodelled: [(keyPath: String, location: SourceLocation, reason: String)] = []
    public var documentLocation: SourceLocation

    public static func == (lhs: ClaudeCodeSettingsFile, rhs: ClaudeCodeSettingsFile) -> Bool {
        lhs.file == rhs.file && lhs.scope == rhs.scope && lhs.rules == rhs.rules
            && lhs.defaultMode?.mode == rhs.defaultMode?.mode && lhs.disableBypassPermissionsMode == rhs.disableBypassPermissionsMode
            && (lhs.allowManagedPermissionRulesOnly != nil) == (rhs.allowManagedPermissionRulesOnly != nil)
            && lhs.sandboxEnabled == rhs.sandboxEnabled && lhs.allowedDomains?.map(\.domain) == rhs.allowedDomains?.map(\.domain)
            && lhs.allowedMcpServers == rhs.allowedMcpServers && lhs.deniedMcpServers == rhs.deniedMcpServers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(file)
        hasher.combine(scope)
        hasher.combine(rules)
    }
}
