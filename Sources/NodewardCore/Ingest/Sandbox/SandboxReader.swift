// STUB: the sandbox-reader helper replaces this file. The API below is the contract.

public struct SandboxLimits: Sendable, Hashable {
    public var maxFileBytes: Int = 4 << 20
    public var maxDepth: Int = 64
    public var maxAliases: Int = 64
    public var maxNodes: Int = 200_000
    public init() {}
    public static let `default` = SandboxLimits()
}

public struct SandboxReadResult: Sendable {
    /// Valid sandboxes, sorted by tenant id.
    public var sandboxes: [TenantSandbox]
    /// Errors and warnings, sorted by location.
    public var diagnostics: [Diagnostic]
    public var filesRead: Int

    public init(sandboxes: [TenantSandbox] = [], diagnostics: [Diagnostic] = [], filesRead: Int = 0) {
        self.sandboxes = sandboxes
        self.diagnostics = diagnostics
        self.filesRead = filesRead
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Reads every `*.yaml`/`*.yml` under the given files and folders (docs/sandbox-config.md).
public struct SandboxReader: Sendable {
    public var limits: SandboxLimits

    public init(limits: SandboxLimits = .default) { self.limits = limits }

    public func read(paths: [String]) -> SandboxReadResult { SandboxReadResult() }

    /// Parses one file's text; `file` is the name used in locations.
    public func parse(text: String, file: String) -> SandboxReadResult { SandboxReadResult() }
}
