import Foundation

/// How a dialect file that does not name its tenant is mapped onto a Nodeward tenant (workspace key
/// `tenantFrom:`; docs/sandbox-config.md, "Tenants of dialect files").
public enum TenantFrom: Sendable, Hashable {
    /// The file stem, unless it is a generic name (`settings`, `mcp`, `claude_desktop_config`, …): then
    /// the folder name, skipping tool folders (`.claude`, `.cursor`, `.vscode`).
    case auto
    case stem
    case folder
    /// agentgateway: each MCP route is the tenant its `name:` says (unnamed routes: the file stem, with the
    /// route's index when the file has several). Files of other dialects map as `auto`.
    case routeName
    /// Every dialect file belongs to this tenant (`tenantFrom: "=acme"`).
    case literal(String)

    public init?(spec: String) {
        switch spec {
        case "auto": self = .auto
        case "stem": self = .stem
        case "folder": self = .folder
        case "routeName": self = .routeName
        default:
            guard spec.hasPrefix("="), spec.count > 1 else { return nil }
            self = .literal(String(spec.dropFirst()))
        }
    }

    static let genericStems: Set<String> = [
        "settings", "settings.local", "managed-settings", "user-settings", "settings.user", "mcp", ".mcp",
        "claude_desktop_config", "config", "agents", "responses", "team", "key", "organization", "customer",
    ]
    static let toolFolders: Set<String> = [".claude", ".cursor", ".vscode", ".config"]

    /// The tenant of `file` (before identifier checks).
    func tenant(of file: String) -> String {
        let name = (file as NSString).lastPathComponent
        var stem = name
        for suffix in [".json", ".yaml", ".yml"] where stem.lowercased().hasSuffix(suffix) { stem = String(stem.dropLast(suffix.count)) }
        switch self {
        case .literal(let tenant): return tenant
        case .stem: return stem
        case .folder: return Self.folder(of: file)
        case .auto, .routeName: return Self.genericStems.contains(stem.lowercased()) ? Self.folder(of: file) : stem
        }
    }

    static func folder(of file: String) -> String {
        var folder = (file as NSString).deletingLastPathComponent
        while toolFolders.contains((folder as NSString).lastPathComponent) {
            folder = (folder as NSString).deletingLastPathComponent
        }
        let name = (folder as NSString).lastPathComponent
        return name == "/" || name == "." ? "" : name
    }
}

/// Dialect settings of a read: the tenant rule, forced dialects per path glob (workspace `dialects:`),
/// and the folders relative Claude Code paths resolve against.
public struct DialectOptions: Sendable, Hashable {
    public var tenantFrom: TenantFrom
    /// Path glob (matched against the path as given and its file name) → dialect spec
    /// (`claude-code`, `claude-code:managed`, `mcp-client`, `tenant-agent-sandbox`).
    public var forced: [String: String]
    /// The project folder and home folder on the machine the traces come from (workspace attributes
    /// `claudeProjectRoot`, `claudeHome`); nil leaves relative rule paths floating.
    public var projectRoot: String?
    public var home: String?

    public init(tenantFrom: TenantFrom = .auto, forced: [String: String] = [:], projectRoot: String? = nil, home: String? = nil) {
        self.tenantFrom = tenantFrom
        self.forced = forced
        self.projectRoot = projectRoot
        self.home = home
    }

    public static let `default` = DialectOptions()

    /// Every dialect name a forced spec may start with.
    public static var knownDialects: [String] { DialectRegistry.names }

    /// The forced spec for a file: the longest matching glob wins, so a specific path beats a folder glob.
    func forcedSpec(for file: String) -> String? {
        let name = (file as NSString).lastPathComponent
        var best: (pattern: String, spec: String)?
        for (pattern, spec) in forced {
            guard let glob = try? Glob(pattern), glob.matches(file) || glob.matches(name) || file.hasSuffix("/" + pattern) else { continue }
            if best.map({ pattern.count > $0.pattern.count || (pattern.count == $0.pattern.count && pattern < $0.pattern) }) ?? true {
                best = (pattern, spec)
            }
        }
        return best?.spec
    }
}
