/// A compiled glob: `*` matches any run of characters (dots and slashes included), `?` one character,
/// `[a-z]`/`[!a-z]` a class, `\x` a literal `x`. The legacy sandbox uses it for tool names, argument
/// values and FQDNs; the syntax and its edge cases are in docs/legacy-model.md.
public struct Glob: Sendable, Hashable, Codable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case any
        case anyRun
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)
    }

    public let pattern: String
    let tokens: [Token]
    /// True when the pattern has no wildcard at all, so matching is string equality.
    public let isLiteral: Bool
    /// The unescaped text of a literal pattern.
    let literalText: String

    public struct SyntaxError: Error, Sendable, Hashable {
        public var message: String
    }

    public init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw SyntaxError(message: "empty pattern") }
        var tokens: [Token] = []
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
                index += 1
            case "?":
                tokens.append(.any)
                index += 1
            case "\\":
                guard index + 1 < scalars.count else {
                    throw SyntaxError(message: "the pattern ends with an unescaped backslash")
                }
                tokens.append(.literal(scalars[index + 1]))
                index += 2
            case "[":
                var cursor = index + 1
                var negated = false
                if cursor < scalars.count, scalars[cursor] == "!" || scalars[cursor] == "^" {
                    negated = true
                    cursor += 1
                }
                var ranges: [ClosedRange<UInt32>] = []
                var closed = false
                var first = true
                while cursor < scalars.count {
                    let member = scalars[cursor]
                    if member == "]" && !first {
                        closed = true
                        break
                    }
                    first = false
                    if cursor + 2 < scalars.count, scalars[cursor + 1] == "-", scalars[cursor + 2] != "]" {
                        let low = member.value
                        let high = scalars[cursor + 2].value
                        guard low <= high else {
                            throw SyntaxError(message: "the pattern has a reversed character range (the first character sorts after the second)")
                        }
                        ranges.append(low...high)
                        cursor += 3
                    } else {
                        ranges.append(member.value...member.value)
                        cursor += 1
                    }
                }
                guard closed else { throw SyntaxError(message: "the pattern has an unclosed '['") }
                tokens.append(.set(ranges: ranges, negated: negated))
                index = cursor + 1
            default:
                tokens.append(.literal(scalar))
                index += 1
            }
        }
        self.pattern = pattern
        self.tokens = tokens
        var literal = String.UnicodeScalarView()
        var allLiteral = true
        for token in tokens {
            if case .literal(let scalar) = token { literal.append(scalar) } else { allLiteral = false }
        }
        self.isLiteral = allLiteral
        self.literalText = allLiteral ? String(literal) : ""
    }

    public var description: String { pattern }

    /// True when the glob matches every string (`*`).
    public var matchesEverything: Bool { tokens == [.anyRun] }

    public func matches(_ text: String) -> Bool {
        if isLiteral { return text == literalText }
        // Iterative matcher with single-star backtracking over the scalar view (no copy of the text):
        // linear in practice, never exponential.
        let input = text.unicodeScalars
        var textIndex = input.startIndex
        var tokenIndex = 0
        var starToken = -1
        var starText = input.startIndex
        while textIndex < input.endIndex {
            if tokenIndex < tokens.count {
                switch tokens[tokenIndex] {
                case .anyRun:
                    starToken = tokenIndex
                    starText = textIndex
                    tokenIndex += 1
                    continue
                case .any:
                    input.formIndex(after: &textIndex)
                    tokenIndex += 1
                    continue
                case .literal(let scalar) where scalar == input[textIndex]:
                    input.formIndex(after: &textIndex)
                    tokenIndex += 1
                    continue
                case .set(let ranges, let negated):
                    let value = input[textIndex].value
                    if ranges.contains(where: { $0.contains(value) }) != negated {
                        input.formIndex(after: &textIndex)
                        tokenIndex += 1
                        continue
                    }
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            tokenIndex = starToken + 1
            input.formIndex(after: &starText)
            textIndex = starText
        }
        while tokenIndex < tokens.count, tokens[tokenIndex] == .anyRun { tokenIndex += 1 }
        return tokenIndex == tokens.count
    }

    // Codable as the pattern string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }

    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}

/// An IPv4 CIDR block (`10.40.0.0/16`). IPv6 blocks are parsed as opaque and match only literally.
public struct CIDRBlock: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    let network: UInt32
    let mask: UInt32

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = CIDRBlock.parseIPv4(String(parts[0])) else { return nil }
        var prefix = 32
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...32).contains(value) else { return nil }
            prefix = value
        }
        mask = prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
        network = address & mask
        self.text = text
    }

    public var description: String { text }

    public func contains(_ host: String) -> Bool {
        guard let address = CIDRBlock.parseIPv4(host) else { return false }
        return address & mask == network
    }

    public static func parseIPv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let number = UInt32(octet), number <= 255, !octet.isEmpty, octet.count <= 3 else { return nil }
            value = value << 8 | number
        }
        return value
    }
}
