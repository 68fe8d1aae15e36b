/// Values and containers: an explicit stack instead of recursion, so nesting depth costs heap, not stack.
extension ByteJSONScanner {
    /// An open container; its finished members wait on the shared stacks from these positions on.
    private struct OpenContainer {
        var isObject: Bool
        var valuesStart: Int
        var keysStart: Int
    }

    mutating func parseValue(maxDepth: Int) throws(JSONParseFailure) -> JSONValue {
        // Members wait on two shared stacks and move into an array or dictionary of exactly their count
        // when their container closes: no growing arrays, no dictionary rehashing every key as it grows.
        var open: [OpenContainer] = []
        var values: [JSONValue] = []
        var keys: [String] = []

        descend: while true {
            skipWhitespace()
            // The same rule as FoundationJSONParser: a value inside more than maxDepth containers fails.
            guard open.count <= maxDepth else {
                throw failure("nesting deeper than \(maxDepth) levels", at: position)
            }
            guard position < bytes.count else { throw endOfInput() }
            var value: JSONValue
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .object([:])
                } else {
                    open.append(OpenContainer(isObject: true, valuesStart: values.count, keysStart: keys.count))
                    keys.append(try parseKey())
                    continue descend
                }
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    open.append(OpenContainer(isObject: false, valuesStart: values.count, keysStart: keys.count))
                    continue descend
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            default:
                throw unexpected(at: position, expecting: "a value")
            }

            // Ascend: store the value in its container, closing every container that ends here.
            while let container = open.last {
                values.append(value)
                skipWhitespace()
                guard position < bytes.count else { throw endOfInput() }
                let byte = bytes[position]
                if byte == UInt8(ascii: ",") {
                    try consumeComma(closer: container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    if container.isObject { keys.append(try parseKey()) }
                    continue descend
                }
                if container.isObject {
                    guard byte == UInt8(ascii: "}") else { throw unexpected(at: position, expecting: "',' or '}'") }
                    value = .object(Self.popObject(keys: &keys, from: container.keysStart,
                                                   values: &values, from: container.valuesStart))
                } else {
                    guard byte == UInt8(ascii: "]") else { throw unexpected(at: position, expecting: "',' or ']'") }
                    value = .array(Self.popArray(&values, from: container.valuesStart))
                }
                position += 1
                open.removeLast()
            }
            return value
        }
    }

    /// Moves `values[start...]` into a new array. The moved-from slots get `.null`, which costs nothing to
    /// drop, so no member is retained and released on the way.
    private static func popArray(_ values: inout [JSONValue], from start: Int) -> [JSONValue] {
        let count = values.count - start
        let items = values.withUnsafeMutableBufferPointer { buffer in
            [JSONValue](unsafeUninitializedCapacity: count) { target, initialized in
                let source = buffer.baseAddress! + start
                target.baseAddress!.moveInitialize(from: source, count: count)
                source.initialize(repeating: .null, count: count)
                initialized = count
            }
        }
        values.removeLast(count)
        return items
    }

    /// Moves the members from `start` on into a dictionary; a later duplicate key overwrites an earlier one,
    /// so the last value wins, as in Foundation.
    private static func popObject(keys: inout [String], from keysStart: Int,
                                  values: inout [JSONValue], from valuesStart: Int) -> [String: JSONValue] {
        let count = values.count - valuesStart
        var object: [String: JSONValue] = [:]
        object.reserveCapacity(count)
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            values.withUnsafeMutableBufferPointer { valueBuffer in
                let keySource = keyBuffer.baseAddress! + keysStart
                let valueSource = valueBuffer.baseAddress! + valuesStart
                for offset in 0..<count { object[(keySource + offset).move()] = (valueSource + offset).move() }
                keySource.initialize(repeating: "", count: count)
                valueSource.initialize(repeating: .null, count: count)
            }
        }
        keys.removeLast(count)
        values.removeLast(count)
        return object
    }

    /// Consumes a comma that must be followed by another member (RFC 8259 has no trailing commas).
    private mutating func consumeComma(closer: UInt8) throws(JSONParseFailure) {
        let comma = position
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == closer {
            throw failure("trailing comma before '\(Character(Unicode.Scalar(closer)))'", at: comma)
        }
    }

    /// A member's key and its colon; the cursor is left before the member's value.
    private mutating func parseKey() throws(JSONParseFailure) -> String {
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == UInt8(ascii: "\"") else { throw unexpected(at: position, expecting: "a string key") }
        let key = try parseString()
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == UInt8(ascii: ":") else { throw unexpected(at: position, expecting: "':'") }
        position += 1
        return key
    }
}
