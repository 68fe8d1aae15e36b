import Foundation

/// The one seam through which all JSON input is decoded. Foundation's parser is behind it today; the
/// performance issue replaces it on the hot path with a byte-level reader without touching the readers.
public protocol JSONParsing: Sendable {
    /// Parses one complete JSON document. Throws `JSONParseFailure` with a message on invalid input.
    func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseFailure) -> JSONValue
}

public struct JSONParseFailure: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Foundation's `JSONSerialization`, converted into `JSONValue`.
public struct FoundationJSONParser: JSONParsing {
    /// Deeper documents are rejected before conversion (Foundation itself stops at 512).
    public var maxDepth: Int

    public init(maxDepth: Int = 128) { self.maxDepth = maxDepth }

    public func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseFailure) -> JSONValue {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw JSONParseFailure(Self.describe(error))
        }
        return try convert(object, depth: 0)
    }

    private func convert(_ object: Any, depth: Int) throws(JSONParseFailure) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseFailure("nesting deeper than \(maxDepth) levels") }
        // Containers first: a failed `as String` cast on a dictionary bridges it, at every level.
        switch object {
        case let members as [String: Any]:
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(members.count)
            for (key, value) in members { values[key] = try convert(value, depth: depth + 1) }
            return .object(values)
        case let items as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try convert(item, depth: depth + 1)) }
            return .array(values)
        case let text as String:
            return .string(text)
        case let number as NSNumber:
            // NSNumber bridges booleans too; JSONSerialization gives them the type code "c".
            let type = String(cString: number.objCType)
            if type == "c" { return .bool(number.boolValue) }
            if type == "d" || type == "f" { return .double(number.doubleValue) }
            return .int(number.int64Value)
        case is NSNull:
            return .null
        default:
            throw JSONParseFailure("unsupported JSON value")
        }
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return nsError.localizedDescription
    }
}
