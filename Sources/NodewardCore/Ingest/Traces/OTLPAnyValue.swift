/// OTLP `AnyValue` (a JSON oneof) to `JSONValue`: kvlists become objects, arrays arrays, bytes stay as
/// their base64 text. Returns nil when the value is none of the seven variants.
enum OTLPAnyValue {
    static func decode(_ value: JSONValue) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        // A oneof has exactly one member; look at that one instead of probing seven keys.
        guard members.count == 1, let (key, inner) = members.first else {
            return members.isEmpty ? .null : decodeFirstKnown(members)
        }
        return decode(key: key, inner)
    }

    private static func decodeFirstKnown(_ members: [String: JSONValue]) -> JSONValue? {
        for key in ["stringValue", "intValue", "doubleValue", "boolValue", "arrayValue", "kvlistValue", "bytesValue"] {
            if let inner = members[key] { return decode(key: key, inner) }
        }
        return nil
    }

    /// The value of a one-member `AnyValue` whose member is `key` (the fast decoder calls this directly).
    static func decode(key: String, _ inner: JSONValue) -> JSONValue? {
        switch key {
        case "stringValue", "bytesValue":
            return inner.stringValue.map(JSONValue.string)
        case "intValue":
            return inner.int64Value.map(JSONValue.int)
        case "doubleValue":
            switch inner {
            case .double, .int: return inner.doubleValue.map(JSONValue.double)
            // proto3 JSON writes non-finite doubles as strings.
            case .string(let text): return Double(text).map(JSONValue.double)
            default: return nil
            }
        case "boolValue":
            return inner.boolValue.map(JSONValue.bool)
        case "arrayValue":
            guard let values = inner["values"] else { return inner.objectValue != nil ? .array([]) : nil }
            guard case .array(let items) = values else { return nil }
            var decoded: [JSONValue] = []
            decoded.reserveCapacity(items.count)
            for item in items { decoded.append(decode(item) ?? .null) }
            return .array(decoded)
        case "kvlistValue":
            guard let values = inner["values"] else { return inner.objectValue != nil ? .object([:]) : nil }
            guard case .array(let pairs) = values else { return nil }
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(pairs.count)
            for pair in pairs {
                guard let key = pair["key"]?.stringValue else { continue }
                members[key] = pair["value"].flatMap(decode) ?? .null
            }
            return .object(members)
        default:
            return nil
        }
    }
}

/// A span's or resource's attribute list (`[{key, value: AnyValue}]`) as decoded values by key.
struct OTLPAttributes {
    private(set) var values: [String: JSONValue] = [:]

    init() {}

    init(_ list: JSONValue?) {
        guard case .array(let items)? = list else { return }
        values.reserveCapacity(items.count)
        for item in items { add(item: item) }
    }

    /// One `{key, value}` entry, by the reference rules: entries that are not objects or have no string key
    /// are ignored, a later entry for a key replaces an earlier one.
    mutating func add(item: JSONValue) {
        guard case .object(let pair) = item, let key = pair["key"]?.stringValue else { return }
        values[key] = pair["value"].flatMap(OTLPAnyValue.decode) ?? .null
    }

    /// An entry the fast decoder already took apart.
    mutating func set(_ key: String, _ value: JSONValue) { values[key] = value }

    mutating func reserveCapacity(_ count: Int) { values.reserveCapacity(count) }

    subscript(key: String) -> JSONValue? { values[key] }

    func string(_ key: String) -> String? { values[key]?.stringValue }

    /// Keys starting with `prefix`, sorted, so output does not depend on dictionary order.
    func keys(withPrefix prefix: String) -> [String] {
        values.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }
}
