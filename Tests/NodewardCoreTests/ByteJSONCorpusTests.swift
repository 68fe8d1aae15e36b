import Testing
import NodewardCore

@Suite struct ByteJSONCorpusTests {
    @Test func theCorpusIsDeterministicPerSeed() {
        var first = RandomJSONGenerator(seed: 42)
        var second = RandomJSONGenerator(seed: 42)
        var other = RandomJSONGenerator(seed: 43)
        let texts = (0..<20).map { _ in first.document().text }
        #expect(texts == (0..<20).map { _ in second.document().text })
        #expect(texts != (0..<20).map { _ in other.document().text })
    }

    @Test func theCorpusCoversEveryKindOfToken() {
        var generator = RandomJSONGenerator(seed: 1)
        let corpus = (0..<200).map { _ in generator.document().text }.joined()
        for token in ["\\u", "\\ud", "\\n", "\\/", "9223372036854775807", "-9223372036854775808",
                      "18446744073709551615", "E+0", "true", "null", "{}", "[]", "\t"] {
            #expect(corpus.contains(token), "missing \(token)")
        }
        #expect(corpus.unicodeScalars.contains { $0.value > 0xFFFF })
    }
}

/// Seeded random JSON documents, returned with the value they must parse to. SplitMix64, so the corpus
/// is the same on every machine.
struct RandomJSONGenerator {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(state: seed) }

    mutating func document() -> (value: JSONValue, text: String) {
        var text = ""
        let value = self.value(depth: 0, into: &text)
        return (value, whitespace() + text + whitespace())
    }

    private mutating func next() -> UInt64 { random.next() }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    private mutating func whitespace() -> String {
        String((0..<below(3)).map { _ in [" ", "\t", "\n", "\r"][below(4)] })
    }

    private mutating func value(depth: Int, into text: inout String) -> JSONValue {
        let kind = depth >= 5 ? below(5) : below(7)
        switch kind {
        case 0: text += "null"; return .null
        case 1:
            let flag = below(2) == 0
            text += flag ? "true" : "false"
            return .bool(flag)
        case 2: return integer(into: &text)
        case 3: return double(into: &text)
        case 4:
            let string = string(into: &text)
            return .string(string)
        case 5:
            text += "["
            var items: [JSONValue] = []
            for index in 0..<below(6) {
                text += (index > 0 ? "," : "") + whitespace()
                items.append(value(depth: depth + 1, into: &text))
                text += whitespace()
            }
            text += "]"
            return .array(items)
        default:
            text += "{" + whitespace()
            var members: [String: JSONValue] = [:]
            var keys: [String] = []
            for index in 0..<below(6) {
                text += (index > 0 ? "," : "") + whitespace()
                // Sometimes repeat an earlier key: the last occurrence wins.
                let key: String
                if !keys.isEmpty, below(5) == 0 {
                    key = keys[below(keys.count)]
                    JSONValue.writeQuoted(key, into: &text)
                } else {
                    key = string(into: &text)
                    keys.append(key)
                }
                text += whitespace() + ":" + whitespace()
                members[key] = value(depth: depth + 1, into: &text)
                text += whitespace()
            }
            text += "}"
            return .object(members)
        }
    }

    private mutating func integer(into text: inout String) -> JSONValue {
        switch below(10) {
        case 0:
            let edge: Int64 = [Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 0][below(5)]
            text += String(edge)
            return .int(edge)
        case 1:
            text += "-0"
            return .int(0)
        case 2:
            // Past Int64: a double, however Foundation converts it.
            let big = UInt64(Int64.max) + 1 + next() % (UInt64.max - UInt64(Int64.max))
            let picked = below(3) == 0 ? UInt64.max : big
            text += String(picked)
            return .double(Double(picked))
        case 3:
            text += "-9223372036854775809"
            return .double(-9223372036854775809.0)
        default:
            let number = Int64(bitPattern: next()) >> Int64(below(64))
            text += String(number)
            return .int(number)
        }
    }

    private mutating func double(into text: inout String) -> JSONValue {
        var number = Double.nan
        switch below(4) {
        case 0:
            while !number.isFinite { number = Double(bitPattern: next()) }
        case 1: number = Double(next() % 1_000_000) / 1000
        case 2: number = Double(next() >> 11) / Double(1 << 53)
        default:
            // Exponent and fraction spellings of whole numbers are doubles too.
            let whole = Double(below(1000))
            text += ["\(Int(whole)).0", "\(Int(whole))e0", "\(Int(whole))E+0", "\(Int(whole) * 10)e-1"][below(4)]
            return .double(whole)
        }
        // Swift's description is the shortest text that round-trips, so it must parse back exactly.
        text += "\(number)"
        return .double(number)
    }

    private mutating func string(into text: inout String) -> String {
        var scalars = String.UnicodeScalarView()
        text += "\""
        for _ in 0..<below(12) {
            let scalar = randomScalar()
            scalars.append(scalar)
            text += encode(scalar)
        }
        text += "\""
        return String(scalars)
    }

    private mutating func randomScalar() -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x80...0x7FF,
                                             0x800...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF]
        let range = ranges[below(ranges.count)]
        let value = range.lowerBound + UInt32(next() % UInt64(range.upperBound - range.lowerBound + 1))
        return Unicode.Scalar(value)!
    }

    private mutating func encode(_ scalar: Unicode.Scalar) -> String {
        let short: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                                               "\u{08}": "\\b", "\u{0C}": "\\f"]
        if let escape = short[scalar], below(4) != 0 { return escape }
        if scalar == "/", below(2) == 0 { return "\\/" }
        let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
        guard mustEscape || below(4) == 0 else { return String(scalar) }
        let units = Array(String(scalar).utf16)
        let uppercase = below(2) == 0
        return units.map { unit in
            let hex = String(unit, radix: 16, uppercase: uppercase)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }.joined()
    }
}
