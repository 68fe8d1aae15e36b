/// Whether a tool reads or writes, for tools whose effect a tenant sandbox does not declare.
/// The rule is documented in docs/legacy-model.md ("Tool effects").
public enum ToolEffectInference {
    /// Name segments that mark a tool as writing (compared in lower case).
    public static let writeVerbs: Set<String> = [
        "send", "write", "update", "create", "delete", "remove", "post", "put", "patch", "insert", "upsert",
        "set", "publish", "transfer", "pay", "submit", "execute", "run", "move", "archive", "approve",
        "share", "upload",
    ]

    /// The characters tool names are split on.
    public static let separators: Set<Character> = [".", "_", "/", "-", ":"]

    /// The declared effect (`tools.effects`) if there is one; otherwise `.write` when any segment of the
    /// name, split on `.` `_` `/` `-` `:`, is a write verb; otherwise `.read`.
    public static func effect(of tool: String, declared: [String: ToolEffect]) -> ToolEffect {
        if let effect = declared[tool] { return effect }
        for segment in tool.split(whereSeparator: { separators.contains($0) }) {
            if writeVerbs.contains(segment.lowercased()) { return .write }
        }
        return .read
    }
}
