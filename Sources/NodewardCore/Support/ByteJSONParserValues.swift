/// Values and containers: an explicit stack instead of recursion, so nesting depth costs heap, not stack.
extension ByteJSONScanner {
    private enum Container { case array, object }

    mutating func parseValue(maxDepth: Int) throws(JSONParseFailure) -> JSONValue {
        // Open containers, innermost last; `arrays`, `objects` and `keys` hold their partial contents.
        var containers: [Container] = []
        var arrays: [[JSONValue]] = []
        var objects: [[String: JSONValue]] = []
        var keys: [String] = []

        descend: while true {
            skipWhitespace()
            // The same rule as FoundationJSONParser: a value inside more than maxDepth containers fails.
            guard containers.count <= maxDepth else {
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
                    containers.append(.object)
                    objects.append([:])
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
                    containers.append(.array)
                    arrays.append([])
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
            while let container = containers.last {
                skipWhitespace()
                guard position < bytes.count else { throw endOfInput() }
                let byte = bytes[position]
                switch container {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    if byte == UInt8(ascii: ",") {
                        try consumeComma(closer: UInt8(ascii: "]"))
                        continue descend
                    }
                    guard byte == UInt8(ascii: "]") else { throw unexpected(at: position, expecting: "',' or ']'") }
                    position += 1
                    containers.removeLast()
                    value = .array(arrays.removeLast())
                case .object:
                    objects[objects.count - 1][keys.removeLast()] = value
                    if byte == UInt8(ascii: ",") {
                        try consumeComma(closer: UInt8(ascii: "}"))
                        keys.append(try parseKey())
                        continue descend
                    }
                    guard byte == UInt8(ascii: "}") else { throw unexpected(at: position, expecting: "',' or '}'") }
                    position += 1
                    containers.removeLast()
                    value = .object(objects.removeLast())
                }
            }
            return value
        }
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
