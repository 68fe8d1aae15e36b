/// MCP client configs, one model for three shapes (docs/sandbox-config.md, "MCP client configs"):
/// `mcpServers` (Claude Desktop `claude_desktop_config.json`, `.mcp.json`, Cursor `mcp.json`), with an
/// optional per-server `tool_filter` holding the OpenAI Agents SDK static filter's arguments
/// (`allowed_tool_names`, `blocked_tool_names`); and the Responses API's MCP tools
/// (`tools: [{type: "mcp", server_label, server_url, allowed_tools, require_approval}]`).
public struct MCPClientServer: Sendable, Hashable {
    /// When a call needs an approval (`require_approval`).
    public enum Approval: Sendable, Hashable {
        /// `mcpServers` entries and `require_approval: "never"`.
        case never
        case always
        /// `{always: {tool_names}, never: {tool_names}}`; tools in neither list need approval.
        case perTool(always: [String], never: [String])
    }

    public var name: String
    /// Where the server's entry is, and its key path (`mcpServers.github`, `tools[0]`).
    public var location: SourceLocation
    public var keyPath: String
    /// Tool names the client exposes (`allowed_tool_names` / `allowed_tools`); nil = every tool.
    public var allowed: [String]?
    public var allowedPath: String?
    public var blocked: [String]
    public var blockedPath: String?
    public var approval: Approval
    public var approvalPath: String?
    /// The file shape the entry came from, for reasons.
    public var shape: String
}

public struct MCPClientConfigFile: Sendable, Hashable {
    public var file: String
    public var servers: [MCPClientServer]
    public var unmodelled: [UnmodelledKey]
    public var documentLocation: SourceLocation

    public struct UnmodelledKey: Sendable, Hashable {
        public var keyPath: String
        public var location: SourceLocation
        public var reason: String
    }
}
