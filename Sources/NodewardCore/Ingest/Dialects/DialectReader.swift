import Yams

/// One dialect's reader: recognizes a file by its shape, decodes it into a fragment of a tenant's
/// config, and builds the tenant's sandbox (native policy + equivalent TenantSandbox) from all fragments
/// of that tenant. Adding a dialect is one reader (registered in `DialectRegistry.readers`) and one
/// `DialectEvaluator`.
protocol DialectReader: Sendable {
    var name: String { get }
    /// Variants a forced spec may name after a colon (`claude-code:managed`).
    var variants: [String] { get }
    /// True when the document has this dialect's shape.
    func recognizes(_ root: Node, file: String) -> Bool
    /// Decodes one document into the fragments of the tenants it configures (one for most dialects, one per
    /// MCP route for agentgateway); none when it has errors (reported through the walker).
    func read(_ root: Node, walker: SandboxNodeWalker, file: String, variant: String?, options: DialectOptions) -> [DialectFragment]
    /// One tenant's sandbox from every fragment of that tenant (all of this dialect).
    func build(tenant: String, fragments: [DialectFragment], options: DialectOptions) -> TenantSandbox
}

/// A decoded dialect document, waiting to be merged with the other documents of its tenant.
struct DialectFragment: Sendable {
    var dialect: String
    var file: String
    /// Set when the document names its tenant itself (team alias, namespace); else `tenantFrom` decides.
    var tenant: String?
    var location: SourceLocation
    /// The reader's own decoded value, cast back by the same reader's `build`.
    var payload: any Sendable
}

enum DialectRegistry {
    /// Detection order: the first reader that recognizes a document decides.
    static let readers: [any DialectReader] = [ClaudeCodeReader(), MCPClientReader(), AgentGatewayDialectReader(), LiteLLMReader()]

    static func reader(named name: String) -> (any DialectReader)? {
        readers.first { $0.name == name }
    }

    static var names: [String] { [DialectName.tenantAgentSandbox] + readers.map(\.name) }
}
