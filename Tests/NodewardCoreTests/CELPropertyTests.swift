import Foundation
import Testing
@testable import NodewardCore

/// Property tests over random expressions (a seeded SplitMix64, as PipelinePropertyTests does; the seed
/// that fails is printed; `NODEWARD_CEL_SEED=S`, `NODEWARD_CEL_CASES=N`): compiling never traps, the canonical print parses back to the same print,
/// and evaluation is deterministic and the same for the reparsed program. Half the cases are byte-level
/// mutations of generated text, so the lexer and the error paths are exercised too.
@Suite struct CELPropertyTests {
    struct Generator {
        var random: SplitMix64

        mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }

        static let names = ["jwt", "mcp", "items", "x", "unbound"]
        static let fields = ["sub", "tool", "name", "arguments", "path", "roles", "nested", "key", "mode"]
        static let strings = ["", "a", "test-user", "/data/", "é", "a\"b", "\\", "read_file", "\n"]

        mutating func expression(depth: Int) -> String {
            if depth <= 0 || below(4) == 0 { return leaf() }
            switch below(12) {
            case 0: return "(\(expression(depth: depth - 1)) && \(expression(depth: depth - 1)))"
            case 1: return "(\(expression(depth: depth - 1)) || \(expression(depth: depth - 1)))"
            case 2: return "!\(expression(depth: depth - 1))"
            case 3: return "(\(expression(depth: depth - 1)) ? \(expression(depth: depth - 1)) : \(expression(depth: depth - 1)))"
            case 4:
                let ops = ["==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"]
                return "(\(expression(depth: depth - 1)) \(ops[below(ops.count)]) \(expression(depth: depth - 1)))"
            case 5: return "\(expression(depth: depth - 1)).\(Self.fields[below(Self.fields.count)])"
            case 6: return "has(\(expression(depth: depth - 1)).\(Self.fields[below(Self.fields.count)]))"
            case 7: return "\(expression(depth: depth - 1))[\(expression(depth: depth - 1))]"
            case 8:
                let functions = ["startsWith", "endsWith", "contains", "matches"]
                return "\(expression(depth: depth - 1)).\(functions[below(functions.count)])(\(expression(depth: depth - 1)))"
            case 9: return "size(\(expression(depth: depth - 1)))"
            case 10: return "[\(expression(depth: depth - 1)), \(expression(depth: depth - 1))]"
            default: return "{\(leaf()): \(expression(depth: depth - 1))}"
            }
        }

        mutating func leaf() -> String {
            switch below(9) {
            case 7: return "mcp.tool.arguments.\(Self.fields[below(Self.fields.count)])"
            case 0: return Self.names[below(Self.names.count)]
            case 1: return String(Int64(bitPattern: random.next()) % 1000)
            case 2: return "\(below(100))u"
            case 3: return "\(Double(below(1000)) / 8)"
            case 4: return CELPrinter.quoted(Self.strings[below(Self.strings.count)])
            case 5: return below(2) == 0 ? "true" : "false"
            case 6: return "null"
            default: return "\(Self.names[below(2)]).\(Self.fields[below(Self.fields.count)])"
            }
        }

        mutating func mutate(_ text: String) -> String {
            var bytes = Array(text.utf8)
            let alphabet = Array("()[]{}.,?:!&|=<>+-*/%\"'\\ rbux0123456789aeé\u{0}".utf8)
            for _ in 0..<(1 + below(4)) {
                switch below(3) {
                case 0 where !bytes.isEmpty: bytes.remove(at: below(bytes.count))
                case 1: bytes.insert(alphabet[below(alphabet.count)], at: below(bytes.count + 1))
                default:
                    if !bytes.isEmpty { bytes[below(bytes.count)] = alphabet[below(alphabet.count)] }
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func render(_ outcome: CELOutcome) -> String {
        switch outcome {
        case .value(let value): return "value \(render(value))"
        case .error(let error): return "error \(error)"
        case .unknown(let unknown): return "unknown \(unknown)"
        }
    }

    static func render(_ value: CELValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .int(let number): return "\(number)"
        case .uint(let number): return "\(number)u"
        case .double(let number): return "\(number)d"
        case .string(let text): return CELPrinter.quoted(text)
        case .list(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .map(let map):
            let entries = map.entries.map { "\($0.key):\(render($0.value))" }.sorted()
            return "{" + entries.joined(separator: ",") + (map.isComplete ? "" : ",…") + "}"
        }
    }

    @Test func randomExpressionsCompileStablyAndEvaluateDeterministically() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["NODEWARD_CEL_SEED"].flatMap(UInt64.init) ?? 0xCE1_5EED
        let cases = environment["NODEWARD_CEL_CASES"].flatMap(Int.init) ?? 3000
        var generator = Generator(random: SplitMix64(state: seed))
        var compiled = 0
        var kinds: [String: Int] = [:]
        for number in 0..<cases {
            var text = generator.expression(depth: 1 + generator.below(6))
            if number % 2 == 1 { text = generator.mutate(text) }
            guard case .success(let program) = CELProgram.compile(text) else { continue }
            compiled += 1
            let printed = program.canonicalText
            guard case .success(let reparsed) = CELProgram.compile(printed) else {
                Issue.record("seed \(seed) case \(number): the canonical print does not compile")
                continue
            }
            #expect(reparsed.canonicalText == printed, "seed \(seed) case \(number)")
            let first = Self.render(program.evaluate(CELTests.activation))
            let second = Self.render(program.evaluate(CELTests.activation))
            let third = Self.render(reparsed.evaluate(CELTests.activation))
            kinds[String(first.prefix(while: { $0 != " " })), default: 0] += 1
            #expect(first == second, "seed \(seed) case \(number)")
            #expect(Self.stripColumns(first) == Self.stripColumns(third), "seed \(seed) case \(number)")
        }
        // The generator must reach the evaluator, not only the error paths.
        #expect(compiled > cases / 3)
        // …and every kind of outcome: values, errors and unknowns (the partial argument map).
        #expect(kinds["value", default: 0] > cases / 20, "\(kinds)")
        #expect(kinds["error", default: 0] > cases / 20, "\(kinds)")
        #expect(kinds["unknown", default: 0] > 0, "\(kinds)")
    }

    /// Columns differ between the source and its canonical print; everything else must not.
    static func stripColumns(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: "column ") {
            output += rest[..<range.lowerBound]
            var after = rest[range.upperBound...]
            let digits = after.prefix(while: \.isNumber)
            after = after.dropFirst(digits.count)
            if !digits.isEmpty, after.hasPrefix(": ") {
                rest = after.dropFirst(2)
            } else {
                output += "column "
                rest = rest[range.upperBound...]
            }
        }
        return output + rest
    }
}
