/// What a step touched, in one canonical form across input formats (docs/formats.md, "Resources"):
///
/// | scheme   | text form                              | container        | path                 |
/// |----------|----------------------------------------|------------------|----------------------|
/// | memory   | `memory:acme-memory/inbox/summary`     | namespace        | key                  |
/// | vector   | `vector:shared-docs#group_id=acme`     | collection/index | `field=value` filter |
/// | store    | `store:crm/acme.contacts`              | data store name  | scope path           |
/// | egress   | `egress:api.openai.com:443`            | host             | port                 |
public struct Resource: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public enum Scheme: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case memory
        case vector
        case store
        case egress

        public static func < (lhs: Scheme, rhs: Scheme) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var scheme: Scheme
    public var container: String
    public var path: String
    public var access: Access

    public init(scheme: Scheme, container: String, path: String = "", access: Access = .read) {
        self.scheme = scheme
        self.container = container
        self.path = path
        self.access = access
    }

    public static func memory(_ namespace: String, key: String = "", access: Access = .read) -> Resource {
        Resource(scheme: .memory, container: namespace, path: key, access: access)
    }

    public static func vector(_ collection: String, field: String, value: String) -> Resource {
        Resource(scheme: .vector, container: collection, path: "\(field)=\(value)", access: .read)
    }

    public static func store(_ name: String, path: String, access: Access) -> Resource {
        Resource(scheme: .store, container: name, path: path, access: access)
    }

    public static func egress(_ host: String, port: Int?) -> Resource {
        Resource(scheme: .egress, container: host, path: port.map(String.init) ?? "", access: .write)
    }

    /// The vector partition filter as (field, value), for `vector:` resources.
    public var partition: (field: String, value: String)? {
        guard scheme == .vector, let equals = path.firstIndex(of: "=") else { return nil }
        return (String(path[..<equals]), String(path[path.index(after: equals)...]))
    }

    public var port: Int? { scheme == .egress ? Int(path) : nil }

    /// The canonical text form (without the access mode).
    public var description: String {
        switch scheme {
        case .memory: return path.isEmpty ? "memory:\(container)" : "memory:\(container)/\(path)"
        case .vector: return path.isEmpty ? "vector:\(container)" : "vector:\(container)#\(path)"
        case .store: return path.isEmpty ? "store:\(container)" : "store:\(container)/\(path)"
        case .egress: return path.isEmpty ? "egress:\(container)" : "egress:\(container):\(path)"
        }
    }

    /// Parses the canonical text form. Returns nil (the reader reports it) when the text has no known scheme.
    public init?(parsing text: String, access: Access = .read) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let schemeText = String(text[..<colon])
        let rest = String(text[text.index(after: colon)...])
        guard let scheme = Scheme(rawValue: schemeText), !rest.isEmpty else { return nil }
        switch scheme {
        case .memory, .store:
            if let slash = rest.firstIndex(of: "/") {
                self.init(scheme: scheme, container: String(rest[..<slash]), path: String(rest[rest.index(after: slash)...]), access: access)
            } else {
                self.init(scheme: scheme, container: rest, path: "", access: access)
            }
        case .vector:
            if let hash = rest.firstIndex(of: "#") {
                self.init(scheme: .vector, container: String(rest[..<hash]), path: String(rest[rest.index(after: hash)...]), access: access)
            } else {
                self.init(scheme: .vector, container: rest, path: "", access: access)
            }
        case .egress:
            if let lastColon = rest.lastIndex(of: ":"), Int(rest[rest.index(after: lastColon)...]) != nil {
                self.init(scheme: .egress, container: String(rest[..<lastColon]), path: String(rest[rest.index(after: lastColon)...]), access: .write)
            } else {
                self.init(scheme: .egress, container: rest, path: "", access: .write)
            }
        }
        guard !container.isEmpty else { return nil }
    }

    public static func < (lhs: Resource, rhs: Resource) -> Bool {
        (lhs.scheme, lhs.container, lhs.path, lhs.access) < (rhs.scheme, rhs.container, rhs.path, rhs.access)
    }
}
