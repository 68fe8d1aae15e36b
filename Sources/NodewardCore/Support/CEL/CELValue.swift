/// A map key: CEL allows int, uint, bool and string keys. Strings compare by code points (UTF-8 bytes),
/// not by Swift's canonical equivalence, as CEL's string equality does; an int and a uint of the same
/// value are one key (heterogeneous numeric equality).
public struct CELMapKey: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case int(Int64)
        /// Only for values above Int64.max; smaller uints are stored as `.int`.
        case uint(UInt64)
        case bool(Bool)
        case string(CELCodePoints)
    }

    let storage: Storage

    private init(storage: Storage) { self.storage = storage }

    public static func string(_ text: String) -> CELMapKey { CELMapKey(storage: .string(CELCodePoints(text))) }
    public static func int(_ value: Int64) -> CELMapKey { CELMapKey(storage: .int(value)) }
    public static func uint(_ value: UInt64) -> CELMapKey {
        value <= UInt64(Int64.max) ? CELMapKey(storage: .int(Int64(value))) : CELMapKey(storage: .uint(value))
    }
    public static func bool(_ value: Bool) -> CELMapKey { CELMapKey(storage: .bool(value)) }

    /// The key a value indexes by, or nil when the value's type cannot be a key.
    init?(_ value: CELValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .uint(let number): self = .uint(number)
        case .bool(let flag): self = .bool(flag)
        case .double(let number):
            // Heterogeneous equality: 2.0 finds the key 2.
            guard number.rounded() == number, abs(number) < 9.2e18 else { return nil }
            self = .int(Int64(number))
        default: return nil
        }
    }
}

/// A string compared by its UTF-8 bytes (code point order and equality, as CEL defines them).
struct CELCodePoints: Sendable, Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (lhs: CELCodePoints, rhs: CELCodePoints) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }
    func hash(into hasher: inout Hasher) {
        // Native strings hand out their UTF-8 buffer: one bulk combine instead of one per byte.
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}

/// A CEL map. `isComplete == false` marks a map Nodeward only partly knows (tool arguments a trace did
/// not record): a missing key is then *unknown*, not an error.
public struct CELMap: Sendable {
    public var entries: [CELMapKey: CELValue]
    public var isComplete: Bool

    public init(_ entries: [CELMapKey: CELValue] = [:], isComplete: Bool = true) {
        self.entries = entries
        self.isComplete = isComplete
    }

    /// A map with string keys.
    public init(strings: [String: CELValue], isComplete: Bool = true) {
        var entries: [CELMapKey: CELValue] = [:]
        for (key, value) in strings { entries[.string(key)] = value }
        self.init(entries, isComplete: isComplete)
    }
}

/// A CEL value (cel-spec doc/langdef.md, "Values"), without bytes, messages, types and timestamps.
public enum CELValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case list([CELValue])
    case map(CELMap)

    var typeName: String {
        switch self {
        case .null: return "null_type"
        case .bool: return "bool"
        case .int: return "int"
        case .uint: return "uint"
        case .double: return "double"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        }
    }

    /// A JSON value as CEL sees it (cel-spec "JSON Data Conversion", with integral numbers kept as int).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .list(items.map(CELValue.init(json:)))
        case .object(let members): self = .map(CELMap(strings: members.mapValues(CELValue.init(json:))))
        }
    }
}

extension CELValue {
    /// CEL equality: heterogeneous numeric comparison by value, code-point string equality, element-wise
    /// lists and maps; values of different types are unequal (not an error). Nil when the comparison
    /// needs an unknown (a partial map's contents).
    static func equal(_ lhs: CELValue, _ rhs: CELValue) -> Bool? {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            var unknown = false
            for (x, y) in zip(a, b) {
                switch equal(x, y) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        case (.map(let a), .map(let b)):
            guard a.isComplete, b.isComplete else { return nil }
            guard a.entries.count == b.entries.count else { return false }
            var unknown = false
            for (key, value) in a.entries {
                guard let other = b.entries[key] else { return false }
                switch equal(value, other) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        default:
            if let order = numericOrder(lhs, rhs) { return order == 0 }
            // NaN: numericOrder is nil for NaN operands; NaN equals nothing (IEEE).
            if lhs.isNumber && rhs.isNumber { return false }
            return false
        }
    }

    var isNumber: Bool {
        switch self {
        case .int, .uint, .double: return true
        default: return false
        }
    }

    /// -1, 0, 1 for two numbers of any numeric types compared by value; nil when either is not a number
    /// or is NaN.
    static func numericOrder(_ lhs: CELValue, _ rhs: CELValue) -> Int? {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return sign(a, b)
        case (.uint(let a), .uint(let b)): return sign(a, b)
        case (.double(let a), .double(let b)): return a.isNaN || b.isNaN ? nil : sign(a, b)
        case (.int(let a), .uint(let b)): return a < 0 ? -1 : sign(UInt64(a), b)
        case (.uint(let a), .int(let b)): return b < 0 ? 1 : sign(a, UInt64(b))
        case (.int(let a), .double(let b)): return compare(integer: Double(a), exact: a, double: b)
        case (.double(let a), .int(let b)): return compare(integer: Double(b), exact: b, double: a).map { -$0 }
        case (.uint(let a), .double(let b)): return b.isNaN ? nil : (b < 0 ? 1 : sign(Double(a), b))
        case (.double(let a), .uint(let b)): return a.isNaN ? nil : (a < 0 ? -1 : sign(a, Double(b)))
        default: return nil
        }
    }

    /// An int against a double without losing precision for large ints: compare as doubles, and when
    /// they tie, against the double converted back (when it is in range).
    private static func compare(integer: Double, exact: Int64, double: Double) -> Int? {
        guard !double.isNaN else { return nil }
        if integer < double { return -1 }
        if integer > double { return 1 }
        guard double >= -9.2e18, double <= 9.2e18, double.rounded() == double else { return 0 }
        let back = Int64(double)
        return exact < back ? -1 : (exact == back ? 0 : 1)
    }
}
