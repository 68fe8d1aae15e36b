/// A CEL runtime error (cel-spec "Runtime Errors"): `no such key`, `no matching overload`, an index out of
/// range, division by zero. Names the operation and its column, never a value.
public struct CELError: Sendable, Hashable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "column \(column): \(message)" }
}

/// Why the result is not known: the input lacks what the expression reads (a tool argument the trace did
/// not record), or the subset or a limit stopped evaluation. Unknowns are absorbed by `&&`/`||` like
/// errors are, and win over errors elsewhere (cel-spec "Logical Operators"; cel-go's unknown handling).
public struct CELUnknown: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        case notRecorded = "not recorded"
        case unsupported = "unsupported-cel"
        case limit = "cel.limit"
    }

    public var reason: Reason
    public var column: Int
    public var message: String
    public var description: String { "column \(column): \(message) (\(reason.rawValue))" }
}

public enum CELOutcome: Sendable {
    case value(CELValue)
    case error(CELError)
    case unknown(CELUnknown)

    /// The boolean a rule needs: true, false, or nil (error, unknown or a non-boolean).
    public var bool: Bool? {
        if case .value(.bool(let flag)) = self { return flag }
        return nil
    }
}

/// The variables an expression reads. Names bound here resolve to their values; names in
/// `unrecordedNames` are unknown (the platform binds them, the trace did not record them); any other name
/// is an error (`undeclared reference`).
public struct CELActivation: Sendable {
    public var variables: [String: CELValue]
    public var unrecordedNames: Set<String>

    public init(_ variables: [String: CELValue] = [:], unrecordedNames: Set<String> = []) {
        self.variables = variables
        self.unrecordedNames = unrecordedNames
    }
}

/// A compiled expression: parsed once, evaluated many times. Literal regular expressions are compiled
/// with the program.
public struct CELProgram: Sendable {
    public let tree: CELSyntaxTree
    public let limits: CELLimits
    /// Node index of a `matches` call → its literal pattern, compiled (or why it cannot be).
    let patterns: [Int: Result<CELRegex, CELRegex.Failure>]

    public static func compile(_ text: String, limits: CELLimits = .default) -> Result<CELProgram, CELIssue> {
        guard text.utf8.count <= limits.maxExpressionLength else {
            return .failure(CELIssue(.limit, column: 1, "the expression is longer than \(limits.maxExpressionLength) bytes"))
        }
        let tree: CELSyntaxTree
        switch CELParser.parse(text, limits: limits) {
        case .success(let parsed): tree = parsed
        case .failure(let issue): return .failure(issue)
        }
        var patterns: [Int: Result<CELRegex, CELRegex.Failure>] = [:]
        for (index, node) in tree.nodes.enumerated() {
            guard case .call(.matches, _, let arguments) = node.kind, let last = arguments.last,
                case .literal(.string(let pattern)) = tree[last].kind
            else { continue }
            let compiled = CELRegex.compile(pattern, limits: limits)
            // A literal pattern the subset will not run is a compile-time issue: the rule is unsupported.
            if case .failure(.unsupported(let why)) = compiled {
                return .failure(CELIssue(.unsupported, column: tree[last].column, why))
            }
            patterns[index] = compiled
        }
        return .success(CELProgram(tree: tree, limits: limits, patterns: patterns))
    }

    /// The expression printed in the subset's canonical form (parses back to the same tree).
    public var canonicalText: String { CELPrinter.print(tree) }

    public func evaluate(_ activation: CELActivation) -> CELOutcome {
        var evaluator = CELEvaluator(program: self, activation: activation)
        return evaluator.evaluate(tree.root)
    }
}
