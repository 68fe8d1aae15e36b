/// A literal in an expression.
public enum CELLiteral: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
}

public enum CELUnaryOperator: String, Sendable, Hashable {
    case not = "!"
    case negate = "-"
}

public enum CELBinaryOperator: String, Sendable, Hashable, CaseIterable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
}

/// The functions and macros of the subset. Anything else is `unsupported-cel` at compile time.
public enum CELFunction: String, Sendable, Hashable, CaseIterable {
    case has
    case size
    case startsWith
    case endsWith
    case contains
    case matches
}

/// One node of a parsed expression. Children are indexes into `CELSyntaxTree.nodes`: the tree is a flat
/// array of values (no recursive enum to free recursively, cheap to copy and compare).
public struct CELNode: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case literal(CELLiteral)
        case identifier(String)
        /// `operand.field`; with `test` true this is the `has(operand.field)` macro.
        case select(operand: Int, field: String, test: Bool)
        case index(operand: Int, index: Int)
        /// A subset function: `size(x)` (receiver nil) or `x.size()`, `s.startsWith(p)`, `matches(s, p)`.
        case call(CELFunction, receiver: Int?, arguments: [Int])
        case list([Int])
        case map([CELMapEntryNode])
        case unary(CELUnaryOperator, Int)
        case binary(CELBinaryOperator, Int, Int)
        case conditional(Int, Int, Int)
    }

    public var kind: Kind
    /// 1-based column of the token that starts (or, for operators, names) the node.
    public var column: Int
}

public struct CELMapEntryNode: Sendable, Hashable {
    public var key: Int
    public var value: Int
}

public struct CELSyntaxTree: Sendable, Hashable {
    public internal(set) var nodes: [CELNode] = []
    public internal(set) var root = 0

    public subscript(_ index: Int) -> CELNode { nodes[index] }
}

/// Prints a tree as CEL text that parses back to the same tree: every compound operand is
/// parenthesized, strings use one escaping, numbers their shortest round-trip form.
public enum CELPrinter {
    public static func print(_ tree: CELSyntaxTree) -> String {
        guard !tree.nodes.isEmpty else { return "" }
        var output = ""
        write(tree.root, tree, into: &output)
        return output
    }

    private static func write(_ index: Int, _ tree: CELSyntaxTree, into output: inout String) {
        let node = tree[index]
        switch node.kind {
        case .literal(let literal): output += text(literal)
        case .identifier(let name): output += name
        case .select(let operand, let field, let test):
            if test { output += "has(" }
            writeOperand(operand, tree, into: &output)
            output += ".\(field)"
            if test { output += ")" }
        case .index(let operand, let key):
            writeOperand(operand, tree, into: &output)
            output += "["
            write(key, tree, into: &output)
            output += "]"
        case .call(let function, let receiver, let arguments):
            if let receiver {
                writeOperand(receiver, tree, into: &output)
                output += "."
            }
            output += "\(function.rawValue)("
            for (position, argument) in arguments.enumerated() {
                if position > 0 { output += ", " }
                write(argument, tree, into: &output)
            }
            output += ")"
        case .list(let items):
            output += "["
            for (position, item) in items.enumerated() {
                if position > 0 { output += ", " }
                write(item, tree, into: &output)
            }
            output += "]"
        case .map(let entries):
            output += "{"
            for (position, entry) in entries.enumerated() {
                if position > 0 { output += ", " }
                write(entry.key, tree, into: &output)
                output += ": "
                write(entry.value, tree, into: &output)
            }
            output += "}"
        case .unary(let op, let operand):
            output += "\(op.rawValue)("
            write(operand, tree, into: &output)
            output += ")"
        case .binary(let op, let left, let right):
            output += "("
            write(left, tree, into: &output)
            output += " \(op.rawValue) "
            write(right, tree, into: &output)
            output += ")"
        case .conditional(let condition, let then, let otherwise):
            output += "("
            write(condition, tree, into: &output)
            output += " ? "
            write(then, tree, into: &output)
            output += " : "
            write(otherwise, tree, into: &output)
            output += ")"
        }
    }

    /// A member operand (`x` in `x.f`, `x[i]`, `x.size()`): parenthesized unless it is itself a member
    /// form or a non-negative literal, so `(-1).f` and `(a + b)[0]` keep their structure.
    private static func writeOperand(_ index: Int, _ tree: CELSyntaxTree, into output: inout String) {
        switch tree[index].kind {
        case .identifier, .select(_, _, false), .index, .call, .list, .map:
            write(index, tree, into: &output)
        case .literal(let literal) where !isNegative(literal):
            write(index, tree, into: &output)
        default:
            output += "("
            write(index, tree, into: &output)
            output += ")"
        }
    }

    private static func isNegative(_ literal: CELLiteral) -> Bool {
        switch literal {
        case .int(let value): return value < 0
        case .double(let value): return value.sign == .minus
        default: return false
        }
    }

    static func text(_ literal: CELLiteral) -> String {
        switch literal {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let value): return String(value)
        case .uint(let value): return "\(value)u"
        case .double(let value):
            // Swift's description is the shortest text that reads back to the same double.
            let text = "\(value)"
            return text.contains(".") || text.contains("e") ? text : text + ".0"
        case .string(let value): return quoted(value)
        }
    }

    static func quoted(_ value: String) -> String {
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\"": output += "\\\""
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
