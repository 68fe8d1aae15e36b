import Testing
@testable import NodewardCore

/// The CEL subset (docs/cel-subset.md): one golden case per operator and function, the error and unknown
/// rules of cel-spec doc/langdef.md ("Logical Operators", "Field Selection", "Runtime Errors"), the
/// unsupported constructs and the limits.
@Suite struct CELTests {
    static let activation = CELActivation([
        "jwt": .map(CELMap(strings: [
            "sub": .string("test-user"),
            "roles": .list([.string("admin"), .string("dev")]),
            "nested": .map(CELMap(strings: ["key": .string("value")])),
            "level": .int(3),
        ])),
        "mcp": .map(CELMap(strings: [
            "tool": .map(CELMap(strings: [
                "name": .string("read_file"),
                "arguments": .map(CELMap(strings: ["path": .string("/data/acme/report.txt"), "limit": .int(10)], isComplete: false)),
            ])),
        ])),
        "items": .list([.int(1), .int(2), .int(3)]),
    ])

    func outcome(_ text: String, _ activation: CELActivation = CELTests.activation) throws -> CELOutcome {
        let program = try CELProgram.compile(text).get()
        return program.evaluate(activation)
    }

    func value(_ text: String) throws -> Bool? { try outcome(text).bool }

    func isError(_ text: String) throws -> Bool {
        if case .error = try outcome(text) { return true }
        return false
    }

    func isUnknown(_ text: String) throws -> Bool {
        if case .unknown = try outcome(text) { return true }
        return false
    }

    func issue(_ text: String) -> CELIssue? {
        if case .failure(let issue) = CELProgram.compile(text) { return issue }
        return nil
    }

    @Test func goldenOperators() throws {
        let cases: [(String, Bool)] = [
            ("true && true", true), ("true && false", false), ("false || true", true), ("false || false", false),
            ("!false", true), ("!!true", true), ("true ? false : true", false), ("false ? false : true", true),
            ("1 == 1", true), ("1 != 2", true), ("1 == 1.0", true), ("1u == 1", true), ("1 == \"1\"", false),
            ("null == null", true), ("[1, 2] == [1, 2]", true), ("{\"a\": 1} == {\"a\": 1}", true),
            ("1 < 2", true), ("2 <= 2", true), ("3 > 2.5", true), ("2 >= 3", false), ("\"a\" < \"b\"", true),
            ("false < true", true), ("-9223372036854775808 < 0", true), ("0x10 == 16", true),
            ("2 in [1, 2]", true), ("4 in items", false), ("\"sub\" in jwt", true), ("\"x\" in jwt", false),
            ("\"admin\" in jwt.roles", true),
            ("has(jwt.sub)", true), ("has(jwt.email)", false), ("has(jwt.nested.key)", true),
            ("jwt.sub.startsWith(\"test\")", true), ("jwt.sub.endsWith(\"user\")", true),
            ("jwt.sub.contains(\"t-u\")", true), ("jwt.sub.contains(\"x\")", false),
            ("jwt.sub.matches(\"^test-[a-z]+$\")", true), ("jwt.sub.matches(\"st-u\")", true),
            ("matches(jwt.sub, \"^user\")", false),
            ("size(jwt.roles) == 2", true), ("jwt.sub.size() == 9", true), ("size(\"héllo\") == 5", true),
            ("size(jwt) == 4", true),
            ("jwt.nested.key == \"value\"", true), ("jwt[\"nested\"][\"key\"] == \"value\"", true),
            ("items[0] == 1", true), ("items[2u] == 3", true),
            ("mcp.tool.arguments[\"path\"].startsWith(\"/data/acme/\")", true),
            ("mcp.tool.arguments.limit <= 10", true),
            ("1 + 2 == 3", true), ("7 / 2 == 3", true), ("7 % 2 == 1", true), ("2 * 3 - 1 == 5", true),
            ("1.5 + 1.5 == 3.0", true), ("\"a\" + \"b\" == \"ab\"", true), ("[1] + [2] == [1, 2]", true),
            ("-(1) == -1", true), ("r\"\\d\" == \"\\\\d\"", true), ("'''a'b''' == \"a'b\"", true),
            ("\"\\u00e9\" == \"é\"", true), ("{\"namespace\": 1}.namespace == 1", true), ("\"\\x41\\101\" == \"AA\"", true),
            ("1 < 2 && 2 < 3 || false", true), ("true || false && false", true),
        ]
        for (text, expected) in cases {
            #expect(try value(text) == expected, "\(text)")
        }
    }

    /// cel-spec "Logical Operators": `&&` and `||` are commutative; a decisive operand absorbs an error on
    /// either side, and two errors stay an error.
    @Test func logicalOperatorsAbsorbErrorsCommutatively() throws {
        #expect(try value("false && jwt.missing") == false)
        #expect(try value("jwt.missing && false") == false)
        #expect(try value("true || jwt.missing") == true)
        #expect(try value("jwt.missing || true") == true)
        #expect(try isError("true && jwt.missing"))
        #expect(try isError("jwt.missing && true"))
        #expect(try isError("false || jwt.missing"))
        #expect(try isError("jwt.missing || jwt.other"))
        #expect(try isError("!jwt.missing"))
        #expect(try isError("jwt.missing ? true : false"))
        // A non-boolean operand is a no-overload error, absorbed the same way.
        #expect(try value("false && 1") == false)
        #expect(try isError("true && 1"))
    }

    @Test func runtimeErrors() throws {
        #expect(try isError("jwt.email == \"a\""))          // no such key
        #expect(try isError("jwt[\"email\"] == \"a\""))
        #expect(try isError("items[3] == 1"))               // index out of range
        #expect(try isError("items[-1] == 1"))
        #expect(try isError("1 / 0 == 1"))
        #expect(try isError("9223372036854775807 + 1 > 0"))
        #expect(try isError("1 < \"a\""))                   // no matching overload
        #expect(try isError("jwt.sub.startsWith(1)"))
        #expect(try isError("size(1) == 1"))
        #expect(try isError("undeclared == 1"))
        #expect(try isError("jwt.sub.matches(\"(a\")"))     // invalid regular expression
        #expect(try isError("jwt.sub.matches(\"(?=a)\")"))  // lookahead is not RE2
        #expect(try isError("jwt.sub.matches(\"(a)\\\\1\")"))  // backreference is not RE2
        #expect(try isError("has(jwt.sub.x)"))              // presence test on a string
        #expect(try isError("{\"a\": 1, \"a\": 2} == {}"))
    }

    /// A partial map (arguments a trace did not record) makes a missing key unknown, not an error; `&&`
    /// and `||` absorb unknowns as they absorb errors, and an unknown wins over an error.
    @Test func unknownsFromPartialMaps() throws {
        #expect(try isUnknown("mcp.tool.arguments.mode == \"r\""))
        #expect(try isUnknown("has(mcp.tool.arguments.mode)"))
        #expect(try isUnknown("\"mode\" in mcp.tool.arguments"))
        #expect(try isUnknown("size(mcp.tool.arguments) > 0"))
        #expect(try value("\"path\" in mcp.tool.arguments") == true)
        #expect(try value("false && mcp.tool.arguments.mode == \"r\"") == false)
        #expect(try value("mcp.tool.arguments.mode == \"r\" || true") == true)
        #expect(try isUnknown("jwt.missing || mcp.tool.arguments.mode == \"r\""))
        #expect(try isUnknown("mcp.tool.arguments.mode == \"r\" && jwt.missing"))
        let partial = CELActivation([:], unrecordedNames: ["source"])
        if case .unknown(let unknown) = try outcome("source.identity.namespace == \"a\"", partial) {
            #expect(unknown.reason == .notRecorded)
        } else {
            Issue.record("an unrecorded name was not unknown")
        }
    }

    @Test func unsupportedConstructsNameTheColumnAndConstruct() {
        let cases: [(String, Int, String)] = [
            ("jwt.roles.exists(r, r == \"admin\")", 11, "macro `exists`"),
            ("items.all(x, x > 0)", 7, "macro `all`"),
            ("items.map(x, x)", 7, "macro `map`"),
            ("int(jwt.level) > 2", 1, "function `int`"),
            ("jwt.rawToken.unredacted() == \"\"", 14, "function `unredacted`"),
            ("json(request.body).model == \"x\"", 1, "function `json`"),
            ("b\"abc\" == b\"abc\"", 1, "a bytes literal"),
            ("google.Msg{a: 1}", 11, "message construction"),
            ("jwt.sub.matches(\"\\\\C\")", 17, "`\\C`"),
            (".jwt.sub == \"a\"", 1, "root-scoped"),
        ]
        for (text, column, construct) in cases {
            let found = issue(text)
            #expect(found?.code == .unsupported, "\(text)")
            #expect(found?.column == column, "\(text): \(String(describing: found))")
            #expect(found?.message.contains(construct) == true, "\(text): \(String(describing: found))")
        }
    }

    @Test func syntaxErrorsNameTheColumnAndNeverTheText() {
        let cases: [(String, Int)] = [
            ("jwt.sub == ", 12), ("jwt.sub = \"a\"", 9), ("(true", 6), ("\"open", 1), ("1 +", 4),
            ("if == 1", 1), ("has(jwt)", 1), ("jwt.sub.startsWith()", 9), ("99999999999999999999 > 1", 1),
            ("1e999 > 1", 1), ("\"\\q\"", 2), ("true false", 6), ("&", 1),
        ]
        for (text, column) in cases {
            let found = issue(text)
            #expect(found != nil, "\(text)")
            #expect(found?.column == column, "\(text): \(String(describing: found))")
            #expect(found.map { !$0.message.contains("jwt.sub") } ?? false, "\(text)")
        }
    }

    @Test func limitsStopDeepNestingLongTextAndRunawayEvaluation() throws {
        let deep = String(repeating: "(", count: 100_000) + "true" + String(repeating: ")", count: 100_000)
        var limits = CELLimits()
        limits.maxExpressionLength = 1 << 20
        if case .failure(let found) = CELProgram.compile(deep, limits: limits) {
            #expect(found.code == .limit)
        } else {
            Issue.record("100k nested parentheses compiled")
        }
        let brackets = String(repeating: "[", count: 100_000)
        #expect(CELProgram.compile(brackets, limits: limits).failureCode == .limit)
        let negations = String(repeating: "!", count: 100_000) + "true"
        #expect(CELProgram.compile(negations, limits: limits).failureCode == .limit)
        // `&&`/`||` chains are balanced (as cel-go builds them): 10 000 terms are 14 levels deep.
        let chain = Array(repeating: "true", count: 10_000).joined(separator: " && ")
        #expect(try CELProgram.compile(chain, limits: limits).get().evaluate(CELActivation()).bool == true)
        let allowList = (0..<500).map { "mcp.tool.name == \"tool\($0)\"" }.joined(separator: " || ")
        #expect(try CELProgram.compile(allowList).get().evaluate(Self.activation).bool == false)
        // Other operators chain left-deep, and a long chain is past the depth limit.
        let sum = Array(repeating: "1", count: 10_000).joined(separator: " + ")
        #expect(CELProgram.compile(sum, limits: limits).failureCode == .limit)
        #expect(CELProgram.compile(String(repeating: "a", count: 20_000)).failureCode == .limit)
        // Within the depth limit: 60 levels evaluate.
        let nested = String(repeating: "(", count: 60) + "true" + String(repeating: ")", count: 60)
        #expect(try value(nested) == true)
        var tight = CELLimits()
        tight.maxSteps = 20
        let program = try CELProgram.compile("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20] == []", limits: tight).get()
        guard case .unknown(let unknown) = program.evaluate(CELActivation()) else {
            Issue.record("the step budget did not stop evaluation")
            return
        }
        #expect(unknown.reason == .limit)
        var shortRegex = CELLimits()
        shortRegex.maxRegexSubjectLength = 4
        let regex = try CELProgram.compile("jwt.sub.matches(\"a\")", limits: shortRegex).get()
        if case .unknown(let long) = regex.evaluate(Self.activation) { #expect(long.reason == .limit) } else { Issue.record("long subject") }
    }

    @Test func regularExpressionsFollowRE2Anchoring() throws {
        #expect(try value("\"ab\\n\".matches(\"ab$\")") == false)   // RE2: $ is end of text
        #expect(try value("\"ab\".matches(\"ab$\")") == true)
        #expect(try value("\"ab\\ncd\".matches(\"(?m)ab$\")") == true)
        #expect(try value("\"key-7\".matches(\"(?P<n>[a-z]+)-[0-9]\")") == true)
        #expect(try value("\"x\".matches(\"[$]\")") == false)
        #expect(try value("\"$\".matches(\"[$]\")") == true)
        #expect(try value("\"aaa\".matches(\"^a{2,3}$\")") == true)
        #expect(try isError("\"a\".matches(\"a{1001}\")"))
        // Valid RE2 that backtracks exponentially in ICU: stopped by the callback budget, unknown.
        let long = CELPrinter.quoted(String(repeating: "a", count: 60))
        for pattern in ["(a|aa)*c", "a*a*a*a*a*a*a*c", "(a+)+c"] {
            let program = try CELProgram.compile("\(long).matches(\(CELPrinter.quoted(pattern)))").get()
            guard case .unknown(let unknown) = program.evaluate(CELActivation()) else {
                Issue.record("\(pattern) was decided")
                continue
            }
            #expect(unknown.reason == .limit, "\(pattern)")
        }
        #expect(try value("\(long).matches(\"(a|b)+$\")") == true)
    }

    @Test func printingIsCanonicalAndReparses() throws {
        let cases = [
            "jwt.sub == \"test-user\" && mcp.tool.name == \"add\"", "!has(jwt.a.b) || -1 < -(2)",
            "a ? b : c ? d : e", "[1, 2.5, 3u, null, \"x\\n\"][0]", "{\"k\": [true]}.k.size()", "-(-1).x",
            "matches(s, \"a\") && s.contains(\"\\\\\")", "-9223372036854775808 == x", "1e-05 < 2.0",
        ]
        for text in cases {
            let first = try CELProgram.compile(text).get().canonicalText
            let second = try CELProgram.compile(first).get().canonicalText
            #expect(first == second, "\(text) → \(first) → \(second)")
        }
        #expect(try CELProgram.compile("a&&b||c").get().canonicalText == "((a && b) || c)")
        #expect(try CELProgram.compile("a || b || c || d").get().canonicalText == "((a || b) || (c || d))")
    }
}

extension Result where Failure == CELIssue {
    var failureCode: CELIssue.Code? {
        if case .failure(let issue) = self { return issue.code }
        return nil
    }
}
