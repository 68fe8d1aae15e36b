/// Evaluates a compiled tree against one activation. Recursion follows the tree, whose depth the parser
/// bounded; every node visited costs one step of `CELLimits.maxSteps` (list scans cost their length).
struct CELEvaluator {
    let program: CELProgram
    let activation: CELActivation
    private var steps = 0

    init(program: CELProgram, activation: CELActivation) {
        self.program = program
        self.activation = activation
    }

    private func error(_ column: Int, _ message: String) -> CELOutcome { .error(CELError(column: column, message: message)) }

    private func noOverload(_ column: Int, _ name: String, _ values: CELValue...) -> CELOutcome {
        error(column, "no matching overload for \(name) on \(values.map(\.typeName).joined(separator: ", "))")
    }

    private mutating func spend(_ cost: Int, column: Int) -> CELOutcome? {
        steps += cost
        guard steps > program.limits.maxSteps else { return nil }
        return .unknown(CELUnknown(reason: .limit, column: column, message: "evaluation took more than \(program.limits.maxSteps) steps"))
    }

    mutating func evaluate(_ index: Int) -> CELOutcome {
        let node = program.tree[index]
        if let exhausted = spend(1, column: node.column) { return exhausted }
        switch node.kind {
        case .literal(let literal):
            switch literal {
            case .null: return .value(.null)
            case .bool(let flag): return .value(.bool(flag))
            case .int(let number): return .value(.int(number))
            case .uint(let number): return .value(.uint(number))
            case .double(let number): return .value(.double(number))
            case .string(let text): return .value(.string(text))
            }
        case .identifier(let name):
            if let value = activation.variables[name] { return .value(value) }
            if activation.unrecordedNames.contains(name) {
                return .unknown(CELUnknown(reason: .notRecorded, column: node.column, message: "variable `\(name)` is not recorded"))
            }
            return error(node.column, "undeclared reference to `\(name)`")
        case .select(let operand, let field, let test):
            return select(evaluate(operand), field: field, test: test, column: node.column)
        case .index(let operand, let key):
            let container = evaluate(operand)
            let keyOutcome = evaluate(key)
            switch Self.strict(container, keyOutcome) {
            case .success(let pair): return lookup(pair.0, by: pair.1, column: node.column)
            case .failure(let failed): return failed.outcome
            }
        case .call(let function, let receiver?, let arguments) where arguments.count == 1:
            // `s.startsWith(p)` and friends: two operands, no arrays.
            let target = evaluate(receiver)
            let argument = evaluate(arguments[0])
            switch Self.strict(target, argument) {
            case .success(let pair): return call(function, [pair.0, pair.1], node: index, column: node.column)
            case .failure(let failed): return failed.outcome
            }
        case .call(let function, let receiver, let arguments):
            var outcomes: [CELOutcome] = []
            if let receiver { outcomes.append(evaluate(receiver)) }
            for argument in arguments { outcomes.append(evaluate(argument)) }
            return Self.strict(outcomes) { values in call(function, values, node: index, column: node.column) }
        case .list(let items):
            var outcomes: [CELOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(evaluate(item)) }
            return Self.strict(outcomes) { .value(.list($0)) }
        case .map(let entries):
            var outcomes: [CELOutcome] = []
            for entry in entries {
                outcomes.append(evaluate(entry.key))
                outcomes.append(evaluate(entry.value))
            }
            return Self.strict(outcomes) { values in
                var map: [CELMapKey: CELValue] = [:]
                for pair in stride(from: 0, to: values.count, by: 2) {
                    guard let key = CELMapKey(values[pair]) else { return noOverload(node.column, "a map key", values[pair]) }
                    guard map[key] == nil else { return error(node.column, "a map literal repeats a key") }
                    map[key] = values[pair + 1]
                }
                return .value(.map(CELMap(map)))
            }
        case .unary(let op, let operand):
            let value = evaluate(operand)
            return Self.strict([value]) { values in
                switch (op, values[0]) {
                case (.not, .bool(let flag)): return .value(.bool(!flag))
                case (.negate, .int(let number)):
                    guard number != .min else { return error(node.column, "integer overflow") }
                    return .value(.int(-number))
                case (.negate, .double(let number)): return .value(.double(-number))
                default: return noOverload(node.column, "`\(op.rawValue)`", values[0])
                }
            }
        case .binary(.and, let left, let right):
            return logical(evaluate(left), evaluate(right), decisive: false, column: node.column)
        case .binary(.or, let left, let right):
            return logical(evaluate(left), evaluate(right), decisive: true, column: node.column)
        case .binary(let op, let left, let right):
            let lhs = evaluate(left)
            let rhs = evaluate(right)
            switch Self.strict(lhs, rhs) {
            case .success(let pair): return binary(op, pair.0, pair.1, column: node.column)
            case .failure(let failed): return failed.outcome
            }
        case .conditional(let condition, let then, let otherwise):
            switch evaluate(condition) {
            case .value(.bool(true)): return evaluate(then)
            case .value(.bool(false)): return evaluate(otherwise)
            case .value(let other): return noOverload(node.column, "`?:`", other)
            case let failed: return failed
            }
        }
    }

    /// A failed operand, carried through `Result` (an outcome that is not a value).
    struct Failed: Error {
        var outcome: CELOutcome
    }

    /// `strict` for two operands without building arrays (most nodes are binary).
    private static func strict(_ lhs: CELOutcome, _ rhs: CELOutcome) -> Result<(CELValue, CELValue), Failed> {
        switch (lhs, rhs) {
        case (.value(let left), .value(let right)): return .success((left, right))
        case (.unknown, _): return .failure(Failed(outcome: lhs))
        case (_, .unknown): return .failure(Failed(outcome: rhs))
        case (.error, _): return .failure(Failed(outcome: lhs))
        default: return .failure(Failed(outcome: rhs))
        }
    }

    /// Strict evaluation: any unknown makes the result unknown (the first one, left to right), else any
    /// error is the result, else the operation runs on the values.
    private static func strict(_ outcomes: [CELOutcome], _ body: ([CELValue]) -> CELOutcome) -> CELOutcome {
        var firstError: CELOutcome?
        var values: [CELValue] = []
        values.reserveCapacity(outcomes.count)
        for outcome in outcomes {
            switch outcome {
            case .value(let value): values.append(value)
            case .unknown: return outcome
            case .error: if firstError == nil { firstError = outcome }
            }
        }
        if let firstError { return firstError }
        return body(values)
    }

    /// `&&` (decisive false) and `||` (decisive true), commutative: a decisive operand wins over an error
    /// or unknown on the other side; otherwise unknown wins over error (cel-spec "Logical Operators").
    private func logical(_ lhs: CELOutcome, _ rhs: CELOutcome, decisive: Bool, column: Int) -> CELOutcome {
        let name = decisive ? "`||`" : "`&&`"
        func classify(_ outcome: CELOutcome) -> CELOutcome {
            if case .value(let value) = outcome, case .bool = value { return outcome }
            if case .value(let value) = outcome { return noOverload(column, name, value) }
            return outcome
        }
        let left = classify(lhs)
        let right = classify(rhs)
        if left.bool == decisive || right.bool == decisive { return .value(.bool(decisive)) }
        if case .unknown = left { return left }
        if case .unknown = right { return right }
        if case .error = left { return left }
        if case .error = right { return right }
        return .value(.bool(!decisive))
    }

    private func select(_ operand: CELOutcome, field: String, test: Bool, column: Int) -> CELOutcome {
        guard case .value(let value) = operand else { return operand }
        guard case .map(let map) = value else {
            return test ? noOverload(column, "`has`", value) : error(column, "field selection `.\(field)` on a \(value.typeName)")
        }
        let found = map.entries[.string(field)]
        if test {
            if found != nil { return .value(.bool(true)) }
            return map.isComplete ? .value(.bool(false)) : notRecorded(column, "`\(field)`")
        }
        if let found { return .value(found) }
        return map.isComplete ? error(column, "no such key `\(field)`") : notRecorded(column, "`\(field)`")
    }

    private func notRecorded(_ column: Int, _ what: String) -> CELOutcome {
        .unknown(CELUnknown(reason: .notRecorded, column: column, message: "\(what) is not recorded"))
    }

    private func lookup(_ container: CELValue, by key: CELValue, column: Int) -> CELOutcome {
        switch container {
        case .list(let items):
            let position: Int64
            switch key {
            case .int(let number): position = number
            case .uint(let number):
                guard number <= UInt64(Int64.max) else { return error(column, "list index out of range") }
                position = Int64(number)
            case .double(let number) where number.rounded() == number && abs(number) < 9.2e18:
                position = Int64(number)
            default: return noOverload(column, "`[]`", container, key)
            }
            guard position >= 0, position < Int64(items.count) else { return error(column, "list index out of range") }
            return .value(items[Int(position)])
        case .map(let map):
            guard let mapKey = CELMapKey(key) else { return noOverload(column, "`[]`", container, key) }
            if let found = map.entries[mapKey] { return .value(found) }
            return map.isComplete ? error(column, "no such key") : notRecorded(column, "a key")
        default:
            return noOverload(column, "`[]`", container, key)
        }
    }

    private mutating func binary(_ op: CELBinaryOperator, _ lhs: CELValue, _ rhs: CELValue, column: Int) -> CELOutcome {
        switch op {
        case .equal, .notEqual:
            guard let equal = CELValue.equal(lhs, rhs) else { return notRecorded(column, "part of a compared map") }
            return .value(.bool(equal == (op == .equal)))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Int
            if let numeric = CELValue.numericOrder(lhs, rhs) {
                order = numeric
            } else {
                switch (lhs, rhs) {
                case (.string(let a), .string(let b)):
                    order = a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a.utf8.elementsEqual(b.utf8) ? 0 : 1)
                case (.bool(let a), .bool(let b)): order = a == b ? 0 : (!a ? -1 : 1)
                case (.double(let a), _) where a.isNaN && rhs.isNumber: return .value(.bool(false))
                case (_, .double(let b)) where b.isNaN && lhs.isNumber: return .value(.bool(false))
                default: return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
                }
            }
            switch op {
            case .less: return .value(.bool(order < 0))
            case .lessOrEqual: return .value(.bool(order <= 0))
            case .greater: return .value(.bool(order > 0))
            default: return .value(.bool(order >= 0))
            }
        case .in:
            switch rhs {
            case .list(let items):
                if let exhausted = spend(items.count, column: column) { return exhausted }
                var unknown = false
                for item in items {
                    switch CELValue.equal(lhs, item) {
                    case true?: return .value(.bool(true))
                    case nil: unknown = true
                    case false?: break
                    }
                }
                return unknown ? notRecorded(column, "part of a list") : .value(.bool(false))
            case .map(let map):
                guard let key = CELMapKey(lhs) else { return noOverload(column, "`in`", lhs, rhs) }
                if map.entries[key] != nil { return .value(.bool(true)) }
                return map.isComplete ? .value(.bool(false)) : notRecorded(column, "a key")
            default:
                return noOverload(column, "`in`", lhs, rhs)
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            return arithmetic(op, lhs, rhs, column: column)
        case .and, .or:
            // Handled by `logical` before strict evaluation.
            return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
        }
    }

    private func arithmetic(_ op: CELBinaryOperator, _ lhs: CELValue, _ rhs: CELValue, column: Int) -> CELOutcome {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            let result: (Int64, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide, .remainder:
                guard b != 0 else { return error(column, op == .divide ? "division by zero" : "modulus by zero") }
                result = op == .divide ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
            default: return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
            }
            return result.1 ? error(column, "integer overflow") : .value(.int(result.0))
        case (.uint(let a), .uint(let b)):
            let result: (UInt64, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide, .remainder:
                guard b != 0 else { return error(column, op == .divide ? "division by zero" : "modulus by zero") }
                result = (op == .divide ? a / b : a % b, false)
            default: return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
            }
            return result.1 ? error(column, "unsigned integer overflow") : .value(.uint(result.0))
        case (.double(let a), .double(let b)):
            switch op {
            case .add: return .value(.double(a + b))
            case .subtract: return .value(.double(a - b))
            case .multiply: return .value(.double(a * b))
            case .divide: return .value(.double(a / b))
            default: return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
            }
        case (.string(let a), .string(let b)) where op == .add:
            return .value(.string(a + b))
        case (.list(let a), .list(let b)) where op == .add:
            return .value(.list(a + b))
        default:
            return noOverload(column, "`\(op.rawValue)`", lhs, rhs)
        }
    }

    private mutating func call(_ function: CELFunction, _ values: [CELValue], node: Int, column: Int) -> CELOutcome {
        switch function {
        case .has:
            // Parsed into a presence-testing select; never a call node.
            return error(column, "`has` outside a field selection")
        case .size:
            switch values[0] {
            case .string(let text): return .value(.int(Int64(text.unicodeScalars.count)))
            case .list(let items): return .value(.int(Int64(items.count)))
            case .map(let map):
                return map.isComplete ? .value(.int(Int64(map.entries.count))) : notRecorded(column, "the full map")
            default: return noOverload(column, "`size`", values[0])
            }
        case .startsWith, .endsWith, .contains, .matches:
            guard values.count == 2, case .string(let text) = values[0], case .string(let argument) = values[1] else {
                return noOverload(column, "`\(function.rawValue)`", values[0], values.count > 1 ? values[1] : .null)
            }
            switch function {
            case .startsWith: return .value(.bool(text.utf8.starts(with: argument.utf8)))
            case .endsWith: return .value(.bool(text.utf8.reversed().starts(with: argument.utf8.reversed())))
            case .contains:
                if let exhausted = spend(text.utf8.count / 64, column: column) { return exhausted }
                return .value(.bool(Self.contains(text, argument)))
            default:
                return match(text, pattern: argument, node: node, column: column)
            }
        }
    }

    /// Substring search on UTF-8 bytes (equivalent to code points for valid strings).
    static func contains(_ text: String, _ needle: String) -> Bool {
        let haystack = Array(text.utf8)
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard pattern.count <= haystack.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start] == pattern[0] {
            if haystack[start..<(start + pattern.count)].elementsEqual(pattern) { return true }
        }
        return false
    }

    private func match(_ text: String, pattern: String, node: Int, column: Int) -> CELOutcome {
        let compiled = program.patterns[node] ?? CELRegex.compile(pattern, limits: program.limits)
        switch compiled {
        case .failure(.invalid(let why)): return error(column, why)
        case .failure(.unsupported(let why)):
            return .unknown(CELUnknown(reason: .unsupported, column: column, message: why))
        case .success(let regex):
            guard text.utf16.count <= program.limits.maxRegexSubjectLength else {
                return .unknown(CELUnknown(
                    reason: .limit, column: column,
                    message: "a `matches` subject longer than \(program.limits.maxRegexSubjectLength) characters"))
            }
            guard let matched = regex.matches(text) else {
                return .unknown(CELUnknown(
                    reason: .limit, column: column, message: "a `matches` that ran past its backtracking budget (RE2 would run it in linear time)"))
            }
            return .value(.bool(matched))
        }
    }
}
