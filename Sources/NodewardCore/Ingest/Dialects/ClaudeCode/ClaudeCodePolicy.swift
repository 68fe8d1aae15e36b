/// One tenant's Claude Code settings merged across scopes (code.claude.com/docs/en/settings): permission
/// rules of every scope apply together (deny anywhere beats allow anywhere, since deny is checked first);
/// with `allowManagedPermissionRulesOnly` in managed settings only managed rules apply; scalar settings
/// (`defaultMode`, `sandbox.enabled`) come from the highest scope that sets them.
public struct ClaudeCodePolicy: DialectPolicy, Hashable {
    public var dialect: String { DialectName.claudeCode }
    /// Highest precedence first.
    public var files: [ClaudeCodeSettingsFile]
    /// Effective rules per list, highest scope first, then in file order.
    public var deny: [ClaudeCodeRule]
    public var ask: [ClaudeCodeRule]
    public var allow: [ClaudeCodeRule]
    /// Rules ignored because managed settings allow managed rules only.
    public var ignoredByManagedOnly: [ClaudeCodeRule]
    public var mode: ClaudeCodeMode
    /// The rule path that set the mode (`claude-code.project.permissions.defaultMode`), or the built-in.
    public var modePath: String
    public var modeLocation: SourceLocation?
    /// `bypassPermissions` asked for but disabled by `disableBypassPermissionsMode`.
    public var bypassDisabled: Bool
    public var sandboxEnabled: Bool
    public var allowedDomains: [(domain: String, path: String, location: SourceLocation)]
    public var allowedServers: [(entry: ClaudeCodeServerEntry, path: String)]?
    public var deniedServers: [(entry: ClaudeCodeServerEntry, path: String)]
    public var projectRoot: String?

    public init(files unordered: [ClaudeCodeSettingsFile], projectRoot: String?) {
        let files = unordered.sorted { ($1.scope, $0.file) < ($0.scope, $1.file) }
        self.files = files
        self.projectRoot = projectRoot
        let managedOnly = files.contains { $0.scope == .managed && $0.allowManagedPermissionRulesOnly != nil }
        var effective: [ClaudeCodeRule] = []
        var ignored: [ClaudeCodeRule] = []
        for file in files {
            if managedOnly && file.scope != .managed { ignored += file.rules } else { effective += file.rules }
        }
        deny = effective.filter { $0.list == .deny }
        ask = effective.filter { $0.list == .ask }
        allow = effective.filter { $0.list == .allow }
        ignoredByManagedOnly = ignored
        let modeFile = files.first { $0.defaultMode != nil }
        let disabled = files.contains { $0.disableBypassPermissionsMode }
        var mode = modeFile?.defaultMode?.mode ?? .default
        bypassDisabled = disabled && mode == .bypassPermissions
        if bypassDisabled { mode = .default }
        self.mode = mode
        modePath = modeFile.map { "\(DialectName.claudeCode).\($0.scope.rawValue).permissions.defaultMode" }
            ?? "\(DialectName.claudeCode).permissions.defaultMode"
        modeLocation = modeFile?.defaultMode?.location
        sandboxEnabled = files.first { $0.sandboxEnabled != nil }?.sandboxEnabled ?? false
        allowedDomains = files.flatMap { file in
            (file.allowedDomains ?? []).map { ($0.domain, "\(DialectName.claudeCode).\(file.scope.rawValue).\($0.keyPath)", $0.location) }
        }
        let allowedFiles = files.filter { $0.allowedMcpServers != nil }
        allowedServers = allowedFiles.isEmpty ? nil : allowedFiles.flatMap { file in
            (file.allowedMcpServers ?? []).map { ($0, "\(DialectName.claudeCode).\(file.scope.rawValue).\($0.keyPath)") }
        }
        deniedServers = files.flatMap { file in
            file.deniedMcpServers.map { ($0, "\(DialectName.claudeCode).\(file.scope.rawValue).\($0.keyPath)") }
        }
    }

    public static func == (lhs: ClaudeCodePolicy, rhs: ClaudeCodePolicy) -> Bool {
        lhs.files == rhs.files && lhs.projectRoot == rhs.projectRoot
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(files)
        hasher.combine(projectRoot)
    }

    public func makeEvaluator(tenant: String) -> any DialectEvaluator {
        ClaudeCodeEvaluator(policy: self, tenant: tenant)
    }

    /// Tools that need no approval in Claude Code (the permissions docs' "Read-only" tier), so no rule and
    /// every mode but none lets them run.
    static let readOnlyTools: Set<String> = ["Read", "Grep", "Glob", "LS", "NotebookRead", "TodoWrite", "TodoRead", "Task", "Agent", "ExitPlanMode"]
    static let editTools: Set<String> = Set(ClaudeCodeRule.editTools)
}
