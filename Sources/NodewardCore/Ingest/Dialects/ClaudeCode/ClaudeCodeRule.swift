import Foundation

/// One permission rule string (`Tool`, `Tool(specifier)`), parsed. The grammar follows the Claude Code
/// permissions docs (code.claude.com/docs/en/permissions, "Permission rule syntax"); the matching of each
/// form is in docs/sandbox-config.md, "Claude Code settings".
public struct ClaudeCodeRule: Sendable, Hashable {
    public enum Matcher: Sendable, Hashable {
        /// `Tool` or `Tool(*)`: every call of one tool.
        case tool(String)
        /// `Bash(spec)`: the command matches `spec` (`*` anywhere; a trailing ` *` or legacy `:*` is a
        /// prefix with a word boundary and also matches the bare prefix).
        case bash(BashPattern)
        /// `Read(path)` / `Edit(path)` / `Write(path)` / …: gitignore-style paths; Read rules also cover
        /// Grep and Glob, Edit rules every tool that edits files.
        case path(tool: String, pattern: ClaudeCodePathPattern)
        /// `WebFetch(domain:host)`: the fetched URL's host (`*.host` for subdomains).
        case webFetch(domain: String)
        /// `mcp__server`, `mcp__server__*`, `mcp__server__tool` (`*` wildcards in either part).
        case mcp(server: Glob, tool: Glob?)
        /// `Task(agent)` / `Agent(agent)`: the subagent type.
        case subagent(tool: String, type: String)
        /// Any other `Tool(specifier)`: Nodeward does not model the specifier; a call of that tool is
        /// unevaluable for the rule, never silently matched or unmatched.
        case unmodelled(tool: String)
    }

    public var text: String
    public var matcher: Matcher
    public var list: ClaudeCodeList
    public var scope: ClaudeCodeScope
    public var index: Int
    public var keyPath: String
    public var location: SourceLocation

    /// The rule id without the tenant: `claude-code.project.permissions.deny[2]`.
    public var path: String { "\(DialectName.claudeCode).\(scope.rawValue).\(keyPath)" }

    /// The tools whose calls the rule can match.
    static let readTools = ["Read", "Grep", "Glob", "LS", "NotebookRead"]
    static let editTools = ["Edit", "Write", "MultiEdit", "NotebookEdit"]

    /// The argument holding a file tool's path in the step shapes Nodeward reads (Claude Code's
    /// `tool_input`: `file_path`; `path` for Grep, Glob and LS; `notebook_path` for notebooks).
    static func pathArgument(of tool: String) -> String {
        switch tool {
        case "Grep", "Glob", "LS": return "path"
        case "NotebookEdit", "NotebookRead": return "notebook_path"
        default: return "file_path"
        }
    }

    static func pathTools(of tool: String) -> [String] {
        switch tool {
        case "Read": return readTools
        case "Edit": return editTools
        default: return [tool]
        }
    }

    enum ParseError: Error, Equatable {
        case invalid(String)
    }

    /// Parses one rule string. `base` resolves relative paths (the project root or home, when known).
    static func parse(_ text: String, base: ClaudeCodePathBase) -> Result<Matcher, ParseError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(.invalid("the rule is empty")) }
        guard let open = trimmed.firstIndex(of: "(") else {
            if trimmed.contains(")") { return .failure(.invalid("a `)` without `(`")) }
            if trimmed.hasPrefix("mcp__") { return mcp(trimmed) }
            guard isToolName(trimmed) else { return .failure(.invalid("a tool name has letters, digits, `_` and `-` only")) }
            return .success(.tool(trimmed))
        }
        guard trimmed.hasSuffix(")") else { return .failure(.invalid("the specifier does not end with `)`")) }
        let tool = String(trimmed[..<open])
        let specifier = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        guard isToolName(tool) else { return .failure(.invalid("a tool name has letters, digits, `_` and `-` only")) }
        if specifier.isEmpty || specifier == "*" { return .success(.tool(tool)) }
        switch tool {
        case "Bash":
            return BashPattern.parse(specifier).map { .bash($0) }
        case "Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "NotebookRead", "Grep", "Glob", "LS":
            return ClaudeCodePathPattern.parse(specifier, base: base).map { .path(tool: tool, pattern: $0) }
        case "WebFetch":
            guard specifier.hasPrefix("domain:") else { return .success(.unmodelled(tool: tool)) }
            let domain = String(specifier.dropFirst("domain:".count)).lowercased()
            guard !domain.isEmpty, !domain.contains("/") else { return .failure(.invalid("`domain:` needs a host name")) }
            return .success(.webFetch(domain: domain))
        case "Task", "Agent":
            return .success(.subagent(tool: tool, type: specifier))
        default:
            return .success(.unmodelled(tool: tool))
        }
    }

    static func isToolName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
    }

    static func mcp(_ text: String) -> Result<Matcher, ParseError> {
        let rest = String(text.dropFirst("mcp__".count))
        let parts = rest.components(separatedBy: "__")
        guard let server = parts.first, !server.isEmpty else { return .failure(.invalid("`mcp__` needs a server name")) }
        let tool = parts.count > 1 ? parts.dropFirst().joined(separator: "__") : nil
        guard let serverGlob = starGlob(server) else { return .failure(.invalid("invalid MCP server name")) }
        guard let tool else { return .success(.mcp(server: serverGlob, tool: nil)) }
        guard let toolGlob = starGlob(tool) else { return .failure(.invalid("invalid MCP tool name")) }
        return .success(.mcp(server: serverGlob, tool: tool == "*" ? nil : toolGlob))
    }

    /// A glob in which only `*` is a wildcard (Claude Code's rule syntax has no other).
    static func starGlob(_ text: String) -> Glob? {
        try? Glob(escapedExceptStar(text))
    }

    static func escapedExceptStar(_ text: String) -> String {
        var result = ""
        for character in text {
            if "?[]\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// Splits `mcp__server__tool` into its parts; nil for other tool names.
    static func mcpParts(_ tool: String) -> (server: String, tool: String?)? {
        guard tool.hasPrefix("mcp__") else { return nil }
        let rest = tool.dropFirst("mcp__".count)
        guard let separator = rest.range(of: "__") else { return rest.isEmpty ? nil : (String(rest), nil) }
        return (String(rest[..<separator.lowerBound]), String(rest[separator.upperBound...]))
    }
}

/// A `Bash(…)` specifier: `*` matches any run of characters.
public struct BashPattern: Sendable, Hashable {
    public var glob: Glob
    /// `git push *` also matches `git push` (the word-boundary form, and legacy `git push:*`).
    public var barePrefix: String?

    static func parse(_ specifier: String) -> Result<BashPattern, ClaudeCodeRule.ParseError> {
        var spec = specifier
        if spec.hasSuffix(":*") { spec = String(spec.dropLast(2)) + " *" }
        guard let glob = ClaudeCodeRule.starGlob(spec) else { return .failure(.invalid("invalid Bash pattern")) }
        let bare = spec.hasSuffix(" *") ? String(spec.dropLast(2)) : nil
        return .success(BashPattern(glob: glob, barePrefix: bare.flatMap { $0.isEmpty ? nil : $0 }))
    }

    func matches(_ command: String) -> Bool {
        if let barePrefix, command == barePrefix { return true }
        return glob.matches(command)
    }
}
