/// Recursive-descent parser for the grammar in cel-spec doc/langdef.md ("Syntax"). Recursion happens
/// only through `expression()` (parentheses, list items, arguments, indexes, conditional branches) and is
/// counted there; operator chains are loops, and every node's depth is checked as it is built, so no input
/// can overflow the stack. Constructs outside the subset fail here with `unsupported-cel`.
struct CELParser {
    private let tokens: [CELToken]
    private var position = 0
    private let limits: CELLimits
    private var tree = CELSyntaxTree()
    private var depths: [Int] = []
    private var recursion = 0

    init(tokens: [CELToken], limits: CELLimits) {
        self.tokens = tokens
        self.limits = limits
    }

    static func parse(_ text: String, limits: CELLimits) -> Result<CELSyntaxTree, CELIssue> {
        var lexer = CELLexer(text)
        let tokens: [CELToken]
        switch lexer.tokens() {
        case .success(let lexed): tokens = lexed
        case .failure(let issue): return .failure(issue)
        }
        var parser = CELParser(tokens: tokens, limits: limits)
        do throws(CELIssue) {
            let root = try parser.expression()
            guard case .end = parser.current.kind else {
                throw CELIssue(.syntax, column: parser.current.column, "unexpected \(parser.describe(parser.current)) after the expression")
            }
            parser.tree.root = root
            return .success(parser.tree)
        } catch {
            return .failure(error)
        }
    }

    // MARK: Tokens

    private var current: CELToken { position < tokens.count ? tokens[position] : CELToken(kind: .end, column: 1) }

    private func peekKind(_ offset: Int) -> CELToken.Kind {
        let index = position + offset
        return index < tokens.count ? tokens[index].kind : .end
    }

    private func isPunctuation(_ text: String) -> Bool {
        if case .punctuation(let found) = current.kind { return found == text }
        return false
    }

    private mutating func advance() { if position < tokens.count { position += 1 } }

    private mutating func expect(_ text: String) throws(CELIssue) {
        guard isPunctuation(text) else {
            throw CELIssue(.syntax, column: current.column, "expected `\(text)`, found \(describe(current))")
        }
        advance()
    }

    private func describe(_ token: CELToken) -> String {
        switch token.kind {
        case .identifier: return "a name"
        case .int, .uint, .double: return "a number"
        case .string: return "a string"
        case .trueLiteral, .falseLiteral: return "a boolean"
        case .nullLiteral: return "null"
        case .punctuation(let text): return "`\(text)`"
        case .end: return "the end of the expression"
        }
    }

    // MARK: Nodes

    private mutating func add(_ kind: CELNode.Kind, column: Int, children: [Int]) throws(CELIssue) -> Int {
        let depth = 1 + (children.map { depths[$0] }.max() ?? 0)
        guard depth <= limits.maxDepth else {
            throw CELIssue(.limit, column: column, "the expression nests deeper than \(limits.maxDepth) levels")
        }
        tree.nodes.append(CELNode(kind: kind, column: column))
        depths.append(depth)
        return tree.nodes.count - 1
    }

    // MARK: Grammar

    private mutating func expression() throws(CELIssue) -> Int {
        recursion += 1
        defer { recursion -= 1 }
        guard recursion <= limits.maxDepth else {
            throw CELIssue(.limit, column: current.column, "the expression nests deeper than \(limits.maxDepth) levels")
        }
        let condition = try binary(level: 0)
        guard isPunctuation("?") else { return condition }
        let column = current.column
        advance()
        let then = try binary(level: 0)
        try expect(":")
        let otherwise = try expression()
        return try add(.conditional(condition, then, otherwise), column: column, children: [condition, then, otherwise])
    }

    /// Binary levels from loosest to tightest; each is left-associative.
    private static let levels: [[CELBinaryOperator]] = [
        [.or], [.and], [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .in],
        [.add, .subtract], [.multiply, .divide, .remainder],
    ]

    private func binaryOperator(at level: Int) -> CELBinaryOperator? {
        guard case .punctuation(let text) = current.kind else { return nil }
        return Self.levels[level].first { $0.rawValue == text }
    }

    private mutating func binary(level: Int) throws(CELIssue) -> Int {
        guard level < Self.levels.count else { return try unary() }
        if level <= 1 { return try logicalChain(level: level) }
        var left = try binary(level: level + 1)
        while let op = binaryOperator(at: level) {
            let column = current.column
            advance()
            let right = try binary(level: level + 1)
            left = try add(.binary(op, left, right), column: column, children: [left, right])
        }
        return left
    }

    /// `a || b || c …` and `a && b && …` as a balanced tree, as cel-go's parser builds them: the operators
    /// are associative (and commutative in CEL), and a chain of n terms is then log2(n) deep, so long
    /// allow-lists stay within `maxDepth`.
    private mutating func logicalChain(level: Int) throws(CELIssue) -> Int {
        let op = Self.levels[level][0]
        var terms = [try binary(level: level + 1)]
        var columns: [Int] = []
        while binaryOperator(at: level) == op {
            columns.append(current.column)
            advance()
            terms.append(try binary(level: level + 1))
        }
        return try balance(op, terms[...], columns[...])
    }

    /// `columns[i]` is the operator between `terms[i]` and `terms[i + 1]`.
    private mutating func balance(_ op: CELBinaryOperator, _ terms: ArraySlice<Int>, _ columns: ArraySlice<Int>) throws(CELIssue) -> Int {
        guard terms.count > 1 else { return terms.first ?? 0 }
        let middle = terms.startIndex + terms.count / 2
        let operatorIndex = columns.startIndex + (middle - terms.startIndex) - 1
        let left = try balance(op, terms[..<middle], columns[..<operatorIndex])
        let right = try balance(op, terms[middle...], columns[(operatorIndex + 1)...])
        return try add(.binary(op, left, right), column: columns[operatorIndex], children: [left, right])
    }

    private mutating func unary() throws(CELIssue) -> Int {
        var operators: [(CELUnaryOperator, Int)] = []
        while isPunctuation("!") || isPunctuation("-") {
            operators.append((isPunctuation("!") ? .not : .negate, current.column))
            advance()
        }
        var operand: Int
        // `-` directly before a number literal is part of the literal (so Int64.min is writable), unless
        // the literal is the operand of a member suffix (`-1.size()` negates the call).
        if let last = operators.last, last.0 == .negate, let folded = try negativeLiteral(column: last.1) {
            operators.removeLast()
            operand = folded
        } else {
            operand = try member()
        }
        for (op, column) in operators.reversed() {
            operand = try add(.unary(op, operand), column: column, children: [operand])
        }
        return operand
    }

    private mutating func negativeLiteral(column: Int) throws(CELIssue) -> Int? {
        let suffix: Bool
        if case .punctuation(let text) = peekKind(1) { suffix = text == "." || text == "[" || text == "{" } else { suffix = false }
        guard !suffix else { return nil }
        switch current.kind {
        case .int(let magnitude):
            advance()
            let value: Int64 = magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
            return try add(.literal(.int(value)), column: column, children: [])
        case .double(let value):
            advance()
            return try add(.literal(.double(-value)), column: column, children: [])
        default:
            return nil
        }
    }

    private mutating func member() throws(CELIssue) -> Int {
        var operand = try primary()
        while true {
            if isPunctuation(".") {
                advance()
                let column = current.column
                guard case .identifier(let name) = current.kind else {
                    throw CELIssue(.syntax, column: column, "expected a field name after `.`, found \(describe(current))")
                }
                advance()
                if isPunctuation("(") {
                    let arguments = try argumentList()
                    operand = try call(name, receiver: operand, arguments: arguments, column: column)
                } else {
                    operand = try add(.select(operand: operand, field: name, test: false), column: column, children: [operand])
                }
            } else if isPunctuation("[") {
                let column = current.column
                advance()
                let index = try expression()
                try expect("]")
                operand = try add(.index(operand: operand, index: index), column: column, children: [operand, index])
            } else if isPunctuation("{") {
                throw CELIssue(.unsupported, column: current.column, "message construction")
            } else {
                return operand
            }
        }
    }

    private mutating func argumentList() throws(CELIssue) -> [Int] {
        try expect("(")
        var arguments: [Int] = []
        if isPunctuation(")") {
            advance()
            return arguments
        }
        while true {
            arguments.append(try expression())
            if isPunctuation(",") {
                advance()
                continue
            }
            try expect(")")
            return arguments
        }
    }

    private static let macros: Set<String> = ["all", "exists", "exists_one", "map", "filter"]

    private mutating func call(_ name: String, receiver: Int?, arguments: [Int], column: Int) throws(CELIssue) -> Int {
        guard let function = CELFunction(rawValue: name) else {
            let kind = Self.macros.contains(name) ? "macro" : "function"
            throw CELIssue(.unsupported, column: column, "\(kind) `\(name)`")
        }
        let arity: Int
        switch function {
        case .has:
            guard receiver == nil, arguments.count == 1,
                case .select(let operand, let field, false) = tree[arguments[0]].kind
            else {
                throw CELIssue(.syntax, column: column, "`has` takes one field selection, as in has(a.b)")
            }
            // The macro replaces its argument: the select node becomes a presence test.
            tree.nodes[arguments[0]].kind = .select(operand: operand, field: field, test: true)
            return arguments[0]
        case .size: arity = receiver == nil ? 1 : 0
        case .matches: arity = receiver == nil ? 2 : 1
        case .startsWith, .endsWith, .contains:
            guard receiver != nil else { throw CELIssue(.unsupported, column: column, "function `\(name)` called without a receiver") }
            arity = 1
        }
        guard arguments.count == arity else {
            throw CELIssue(.unsupported, column: column, "`\(name)` with \(arguments.count) argument\(arguments.count == 1 ? "" : "s")")
        }
        let children = (receiver.map { [$0] } ?? []) + arguments
        return try add(.call(function, receiver: receiver, arguments: arguments), column: column, children: children)
    }

    private mutating func primary() throws(CELIssue) -> Int {
        let token = current
        let column = token.column
        switch token.kind {
        case .int(let magnitude):
            advance()
            guard magnitude <= UInt64(Int64.max) else { throw CELIssue(.syntax, column: column, "an integer literal out of range") }
            return try add(.literal(.int(Int64(magnitude))), column: column, children: [])
        case .uint(let value):
            advance()
            return try add(.literal(.uint(value)), column: column, children: [])
        case .double(let value):
            advance()
            return try add(.literal(.double(value)), column: column, children: [])
        case .string(let value):
            advance()
            return try add(.literal(.string(value)), column: column, children: [])
        case .trueLiteral, .falseLiteral:
            advance()
            return try add(.literal(.bool(token.kind == .trueLiteral)), column: column, children: [])
        case .nullLiteral:
            advance()
            return try add(.literal(.null), column: column, children: [])
        case .identifier(let name):
            guard !CELLexer.reserved.contains(name) else {
                throw CELIssue(.syntax, column: column, "a reserved word used as a name")
            }
            advance()
            if isPunctuation("(") {
                let arguments = try argumentList()
                return try call(name, receiver: nil, arguments: arguments, column: column)
            }
            return try add(.identifier(name), column: column, children: [])
        case .punctuation("("):
            advance()
            let inner = try expression()
            try expect(")")
            return inner
        case .punctuation("["):
            advance()
            var items: [Int] = []
            while !isPunctuation("]") {
                items.append(try expression())
                guard isPunctuation(",") else { break }
                advance()
            }
            try expect("]")
            return try add(.list(items), column: column, children: items)
        case .punctuation("{"):
            advance()
            var entries: [CELMapEntryNode] = []
            while !isPunctuation("}") {
                let key = try expression()
                try expect(":")
                let value = try expression()
                entries.append(CELMapEntryNode(key: key, value: value))
                guard isPunctuation(",") else { break }
                advance()
            }
            try expect("}")
            return try add(.map(entries), column: column, children: entries.flatMap { [$0.key, $0.value] })
        case .punctuation("."):
            throw CELIssue(.unsupported, column: column, "a root-scoped (leading `.`) name")
        default:
            throw CELIssue(.syntax, column: column, "expected an expression, found \(describe(token))")
        }
    }
}
