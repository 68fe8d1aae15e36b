/// A workflow's node policies: one `NodePolicy` per task-graph node, default deny (a step that matches
/// no node is denied). Written to `policies/<workflow>.yaml`; the format is in docs/policy-language.md.
/// Every list is sorted, and keys encode in declaration order, so the same graph gives the same bytes.
public struct PolicySet: Sendable, Hashable, Codable {
    public static let formatVersion = 1

    public var version: Int
    public var workflow: String
    public var agent: String
    /// How the file was generated, for review; evaluation ignores it.
    public var generator: GeneratorSettings?
    public var evidence: TaskGraph.Evidence
    public var nodes: [NodePolicy]

    public init(version: Int = PolicySet.formatVersion, workflow: String, agent: String, generator: GeneratorSettings? = nil,
                evidence: TaskGraph.Evidence, nodes: [NodePolicy]) {
        self.version = version
        self.workflow = workflow
        self.agent = agent
        self.generator = generator
        self.evidence = evidence
        self.nodes = nodes
    }

    /// The file name stem (`policies/<stem>.yaml`), the same as the task graph's (`TaskGraph.fileStem(for:)`).
    public var fileStem: String { TaskGraph.fileStem(for: workflow) }

    public struct GeneratorSettings: Sendable, Hashable, Codable {
        public var strictness: PolicyStrictness
        public var minRuns: Int
        public var minTenants: Int
        public var headroom: Double

        public init(strictness: PolicyStrictness, minRuns: Int, minTenants: Int, headroom: Double) {
            self.strictness = strictness
            self.minRuns = minRuns
            self.minTenants = minTenants
            self.headroom = headroom
        }

        enum CodingKeys: String, CodingKey { case strictness, minRuns, minTenants, headroom }

        // Whole headrooms are written as integers (`2`, not `2e+0`), for review.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(strictness, forKey: .strictness)
            try container.encode(minRuns, forKey: .minRuns)
            try container.encode(minTenants, forKey: .minTenants)
            if headroom.rounded() == headroom, abs(headroom) < 1e9 {
                try container.encode(Int(headroom), forKey: .headroom)
            } else {
                try container.encode(headroom, forKey: .headroom)
            }
        }
    }
}

/// One node's policy: which steps it matches, what they may touch, where their data may come from, and
/// how often they may run.
public struct NodePolicy: Sendable, Hashable, Codable {
    public var id: String
    public var match: Match
    /// The tenants this node is granted to: those whose tenant sandbox allows the node's operation and
    /// resources (confinement: a node policy is never wider than the legacy sandbox).
    public var tenants: [String]
    public var allow: Allow
    /// Explicit edge grants: data may reach this node only from these sources, through these arguments.
    public var inputs: [InputGrant]
    public var limits: Limits
    public var evidence: TaskGraph.Evidence
    /// What the generator observed but did not grant, and why (node ids, argument names, rule ids only).
    public var withheld: [String]?

    public init(id: String, match: Match, tenants: [String], allow: Allow, inputs: [InputGrant], limits: Limits,
                evidence: TaskGraph.Evidence, withheld: [String]? = nil) {
        self.id = id
        self.match = match
        self.tenants = tenants
        self.allow = allow
        self.inputs = inputs
        self.limits = limits
        self.evidence = evidence
        self.withheld = withheld
    }

    public struct Match: Sendable, Hashable, Codable {
        public var kind: StepKind
        /// The templated operation, as inference writes it (`${tenant.vectorIndex}` for a retrieval).
        public var operation: String
        /// The node's resource templates; pick this node among nodes sharing kind and operation.
        public var resources: [String]
        /// For a node the graph split by predecessor (`disambiguator`): the node ids (or `start`) a step's
        /// control predecessor must have matched.
        public var after: [String]?

        public init(kind: StepKind, operation: String, resources: [String], after: [String]? = nil) {
            self.kind = kind
            self.operation = operation
            self.resources = resources
            self.after = after
        }
    }

    public struct Allow: Sendable, Hashable, Codable {
        /// Resource templates over `${tenant...}` bindings; a step's every resource, templated with its own
        /// tenant's sandbox, must be one of these.
        public var resources: [String]
        /// Resources (egress destinations) that only some of the node's tenants may reach, sorted by
        /// resource. A resource not listed here is allowed for every tenant of the node.
        public var resourceTenants: [ResourceTenants]?
        public var arguments: [ArgumentConstraint]?

        public init(resources: [String], resourceTenants: [ResourceTenants]? = nil, arguments: [ArgumentConstraint]? = nil) {
            self.resources = resources
            self.resourceTenants = resourceTenants
            self.arguments = arguments
        }
    }

    /// One resource and the tenants of the node that may use it.
    public struct ResourceTenants: Sendable, Hashable, Codable {
        public var resource: String
        public var tenants: [String]

        public init(resource: String, tenants: [String]) {
            self.resource = resource
            self.tenants = tenants
        }
    }

    public struct Limits: Sendable, Hashable, Codable {
        /// Steps of this node allowed in one run.
        public var perRun: Int?
        /// Steps of this node allowed per minute, per tenant.
        public var perMinute: Int?

        public init(perRun: Int? = nil, perMinute: Int? = nil) {
            self.perRun = perRun
            self.perMinute = perMinute
        }
    }
}

/// A constraint on one argument (`*`: every string-valued argument). All given parts must hold.
public struct ArgumentConstraint: Sendable, Hashable, Codable {
    public var name: String
    /// The value's canonical text must be one of these.
    public var values: [String]?
    /// A glob (docs/legacy-model.md syntax) the value must match; `${tenant.id}` binds to the step's tenant.
    public var pattern: String?
    /// The tenants `pattern` applies to (those whose legacy tool rules constrain the argument); nil: all.
    public var patternTenants: [String]?
    /// Globs the value must not match (carried from legacy deny and ask rules).
    public var excluded: [String]?
    /// Where the value may come from: `request` or upstream node ids. A value provenance traces to any
    /// other source is denied; a value it traces to no source passes (docs/policy-language.md).
    public var origin: [String]?

    public init(name: String, values: [String]? = nil, pattern: String? = nil, excluded: [String]? = nil, origin: [String]? = nil) {
        self.name = name
        self.values = values
        self.pattern = pattern
        self.excluded = excluded
        self.origin = origin
    }
}

/// Data may flow into the node from `from` (a node id, or `request` for the user's request) through
/// these arguments (`*`: an explicit input that named no argument).
public struct InputGrant: Sendable, Hashable, Codable {
    public var from: String
    public var arguments: [String]

    public init(from: String, arguments: [String]) {
        self.from = from
        self.arguments = arguments
    }
}

public enum PolicyStrictness: String, Sendable, Hashable, Codable, CaseIterable {
    /// Grants every observed node and edge: allows every step of the runs it was generated from.
    case permissive
    /// Grants edges that are neither rare nor low-support; origin constraints on state-changing nodes.
    case balanced
    /// Balanced, plus external-content edges into state-changing nodes need several tenants.
    case strict
}
