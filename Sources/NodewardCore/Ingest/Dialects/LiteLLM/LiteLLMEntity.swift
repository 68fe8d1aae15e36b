import Yams

/// One LiteLLM proxy entity as its management API exports it (`/team/info`, `/key/info`,
/// `/organization/info`, `/customer/info`; docs/sandbox-config.md, "LiteLLM"): the `object_permission`
/// record (`mcp_servers`, `mcp_access_groups`, `mcp_tool_permissions`, `vector_stores`, `agents`) and
/// the limits (`rpm_limit`, `tpm_limit`, `max_budget`, `budget_duration`, `models`). Field names follow
/// `LiteLLM_ObjectPermissionTable` and the `/team/new` parameters in BerriAI/litellm.
public struct LiteLLMEntity: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case organization, team, key, customer
    }

    /// A field with where it is written (for rule ids, sources and diagnostics).
    public struct Field<Value: Sendable & Hashable>: Sendable, Hashable {
        public var value: Value
        public var keyPath: String
        public var location: SourceLocation
    }

    public var kind: Kind
    public var file: String
    public var location: SourceLocation
    /// The tenant the export names: a team's `team_alias` (or `team_id`), a key's `team_alias`.
    public var team: String?
    /// nil: the entity does not restrict servers (a key inherits its team's); `[]`: no servers.
    public var mcpServers: Field<[String]>?
    public var mcpAccessGroups: Field<[String]>?
    /// Server → the only tools of that server the entity may call; a server not listed: every tool.
    public var mcpToolPermissions: [String: Field<[String]>]
    /// nil or empty: every vector store (LiteLLM's `_can_object_call_vector_stores`).
    public var vectorStores: Field<[String]>?
    public var agents: Field<[String]>?
    /// Empty: every model.
    public var models: Field<[String]>?
    public var rpmLimit: Field<Int>?
    public var tpmLimit: Field<Int>?
    public var maxBudget: Field<Double>?
    public var budgetDuration: String?
    /// Keys read and not modelled (`blocked_tools`, `mcp_toolsets`, …): listed, never silently assumed.
    public var unmodelled: [Field<String>]

    /// `litellm.team`, the prefix of this entity's rule ids.
    var rulePrefix: String { "\(DialectName.liteLLM).\(kind.rawValue)" }
}

/// Decodes one exported entity (JSON, or YAML of the same shape).
struct LiteLLMDecoder {
    let walker: SandboxNodeWalker

    static let idKeys: [String: LiteLLMEntity.Kind] = [
        "token": .key, "key_alias": .key, "key_name": .key,
        "team_id": .team, "team_alias": .team,
        "organization_id": .organization, "organization_alias": .organization,
        "user_id": .customer, "end_user_id": .customer,
    ]
    static let permissionKeys: Set<String> = ["object_permission", "rpm_limit", "tpm_limit", "max_budget", "models"]

    /// An object with an id field of one of the entity kinds and an `object_permission` or limit field.
    static func recognizes(_ root: Node) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        let keys = Set(mapping.compactMap { $0.key.scalar?.string })
        guard !keys.contains("kind"), !keys.contains("apiVersion") else { return false }
        return !keys.isDisjoint(with: permissionKeys) && !keys.isDisjoint(with: idKeys.keys)
    }

    /// The kind: a key names its token or alias (it also carries `team_id`), a team its team id, …
    static func kind(_ keys: Set<String>) -> LiteLLMEntity.Kind {
        for kind in [LiteLLMEntity.Kind.key, .team, .organization, .customer] where idKeys.contains(where: { $0.value == kind && keys.contains($0.key) }) {
            return kind
        }
        return .team
    }

    func decode(_ root: Node) -> LiteLLMEntity? {
        guard let entries = walker.mapping(root, "") else { return nil }
        let keys = Set(entries.pairs.map(\.key))
        var entity = LiteLLMEntity(kind: Self.kind(keys), file: walker.file, location: walker.location(root), team: nil,
                                   mcpToolPermissions: [:], unmodelled: [])
        func field<V>(_ value: V?, _ path: String, _ node: Node) -> LiteLLMEntity.Field<V>? {
            value.map { LiteLLMEntity.Field(value: $0, keyPath: path, location: walker.location(node)) }
        }
        var teamAlias: String?
        var teamId: String?
        for pair in entries.pairs {
            let path = entries.child(pair.key)
            if pair.value.scalar?.string == "null" || SandboxNodeWalker.tagName(pair.value) == .null { continue }
            switch pair.key {
            case "team_alias": teamAlias = walker.string(pair.value, path)
            case "team_id": teamId = walker.string(pair.value, path)
            case "object_permission": objectPermission(pair.value, path, into: &entity)
            case "rpm_limit": entity.rpmLimit = field(walker.positiveInteger(pair.value, path), path, pair.keyNode)
            case "tpm_limit": entity.tpmLimit = field(walker.positiveInteger(pair.value, path), path, pair.keyNode)
            case "max_budget":
                guard let budget = walker.number(pair.value, path) else { continue }
                guard budget >= 0 else {
                    walker.error(.sandboxInvalidValue, "expected a number of at least 0, found a negative number", pair.value, path)
                    continue
                }
                entity.maxBudget = field(budget, path, pair.keyNode)
            case "budget_duration": entity.budgetDuration = walker.string(pair.value, path)
            case "models": entity.models = field(walker.stringList(pair.value, path), path, pair.keyNode)
            case "blocked", "soft_budget", "max_parallel_requests", "model_rpm_limit", "model_tpm_limit", "model_max_budget", "guardrails":
                entity.unmodelled.append(LiteLLMEntity.Field(value: pair.key, keyPath: path, location: walker.location(pair.keyNode)))
            default:
                // Ids, aliases, spend, metadata, timestamps, members: no permission.
                continue
            }
        }
        // A key export names its team by id only (unless it carries `team_alias`), so a key joins the
        // tenant of its file and a team the tenant of its alias (or id).
        if entity.kind == .team { entity.team = teamAlias ?? teamId } else if entity.kind == .key { entity.team = teamAlias }
        return walker.errorCount > 0 ? nil : entity
    }

    private func objectPermission(_ node: Node, _ path: String, into entity: inout LiteLLMEntity) {
        guard let entries = walker.mapping(node, path) else { return }
        for pair in entries.pairs {
            let member = entries.child(pair.key)
            if SandboxNodeWalker.tagName(pair.value) == .null { continue }
            let location = walker.location(pair.keyNode)
            func list() -> LiteLLMEntity.Field<[String]>? {
                walker.stringList(pair.value, member).map { LiteLLMEntity.Field(value: $0, keyPath: member, location: location) }
            }
            switch pair.key {
            case "mcp_servers": entity.mcpServers = list()
            case "mcp_access_groups": entity.mcpAccessGroups = list()
            case "vector_stores": entity.vectorStores = list()
            case "agents": entity.agents = list()
            case "mcp_tool_permissions":
                guard let servers = walker.mapping(pair.value, member) else { continue }
                for server in servers.pairs {
                    let serverPath = servers.child(server.key)
                    guard let tools = walker.stringList(server.value, serverPath) else { continue }
                    entity.mcpToolPermissions[server.key] = LiteLLMEntity.Field(value: tools, keyPath: serverPath, location: walker.location(server.keyNode))
                }
            case "object_permission_id", "models", "search_tools":
                continue
            default:
                // agent_access_groups, mcp_toolsets, blocked_tools and newer fields.
                if case .sequence(let items) = pair.value, items.isEmpty { continue }
                entity.unmodelled.append(LiteLLMEntity.Field(value: pair.key, keyPath: member, location: location))
            }
        }
    }
}

extension DiagnosticCode {
    /// Two LiteLLM entities of one kind configure one tenant (which one a request used is not recorded).
    public static let liteLLMDuplicateEntity: DiagnosticCode = "litellm.duplicate-entity"
}
