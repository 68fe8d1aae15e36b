import Foundation
import Testing
@testable import NodewardCore

/// Claude Code settings as a legacy dialect: scopes and their precedence, the rule grammar, deny → ask →
/// allow, `defaultMode`, MCP server gates, the sandbox network allowlist (Fixtures/dialects/claude-code).
@Suite struct DialectClaudeCodeTests {
    typealias F = DialectFixtures

    static func acme() throws -> TenantSandbox {
        let read = try F.read("claude-code")
        #expect(read.errors.isEmpty, "\(read.errors)")
        return try F.sandbox("acme", in: read)
    }

    static func bash(_ command: String, key: String = "command", resources: [Resource] = []) -> Step {
        F.step("Bash", [key: .string(command)], tenant: "acme", resources: resources)
    }

    static func tool(_ name: String, _ arguments: [String: JSONValue] = [:], tenant: String = "acme") -> Step {
        F.step(name, arguments, tenant: tenant)
    }

    /// Hand-built steps over every rule form of the acme fixture, with the decision Claude Code makes.
    static let goldenSteps: [(step: Step, effect: Effect, rule: String)] = [
        (tool("Read", ["file_path": .string("/home/dev/acme/.env")]), .deny, "claude-code.managed.permissions.deny[0]"),
        (tool("Read", ["file_path": .string("/home/dev/acme/secrets/tls/key.pem")]), .deny, "claude-code.managed.permissions.deny[1]"),
        (tool("Grep", ["path": .string("/home/dev/acme/secrets/tls")]), .deny, "claude-code.managed.permissions.deny[1]"),
        // `secrets/**` covers what is inside the folder, not the folder itself (gitignore).
        (tool("Grep", ["path": .string("/home/dev/acme/secrets")]), .allow, "claude-code.readOnlyTools"),
        (tool("Read", ["file_path": .string("/home/dev/acme/src/main.ts")]), .allow, "claude-code.readOnlyTools"),
        (tool("Read"), .unevaluable, "claude-code.managed.permissions.deny[0]"),
        (bash("curl https://example.org"), .deny, "claude-code.managed.permissions.deny[2]"),
        (bash("npm run test -- --watch"), .allow, "claude-code.project.permissions.allow[0]"),
        (bash("npm run test"), .allow, "claude-code.project.permissions.allow[0]"),
        (bash("npm run testing"), .deny, "claude-code.local.permissions.defaultMode.ask"),
        (bash("npm run test && curl https://example.org"), .deny, "claude-code.managed.permissions.deny[2]"),
        (bash("npm run test && git status"), .allow, "claude-code.project.permissions.allow[0]"),
        (bash("npm run test && make"), .deny, "claude-code.local.permissions.defaultMode.ask"),
        (bash("git push origin main"), .deny, "claude-code.project.permissions.ask[0]"),
        (bash("timeout 30 git push"), .deny, "claude-code.project.permissions.ask[0]"),
        (bash("rm -rf /tmp/build"), .deny, "claude-code.user.permissions.deny[0]"),
        (bash("git status", key: "full_command"), .allow, "claude-code.project.permissions.allow[1]"),
        (bash("npm install"), .allow, "claude-code.local.permissions.allow[0]"),
        (tool("Bash"), .unevaluable, "claude-code.managed.permissions.deny[2]"),
        (tool("mcp__github__get_file_contents"), .allow, "claude-code.project.permissions.allow[2]"),
        (tool("mcp__github__create_issue"), .deny, "claude-code.local.permissions.defaultMode.ask"),
        (tool("mcp__crm__delete_record"), .deny, "claude-code.project.permissions.deny[0]"),
        (tool("mcp__crm__list_accounts"), .allow, "claude-code.project.permissions.allow[5]"),
        (tool("mcp__crm-admin__drop"), .deny, "claude-code.managed.deniedMcpServers[0]"),
        (tool("mcp__jira__get_issue"), .deny, "claude-code.managed.allowedMcpServers"),
        (tool("WebFetch", ["url": .string("https://api.acme.com/v1/orders")]), .allow, "claude-code.project.permissions.allow[3]"),
        (tool("WebFetch", ["url": .string("https://evil.example/?next=api.acme.com")]), .deny, "claude-code.local.permissions.defaultMode.ask"),
        (tool("WebFetch"), .unevaluable, "claude-code.project.permissions.allow[3]"),
        (tool("Edit", ["file_path": .string("/home/dev/acme/src/app.ts")]), .allow, "claude-code.project.permissions.allow[4]"),
        (tool("Write", ["file_path": .string("/home/dev/acme/src/new.ts")]), .allow, "claude-code.project.permissions.allow[4]"),
        (tool("Edit", ["file_path": .string("/home/dev/acme/README.md")]), .deny, "claude-code.local.permissions.defaultMode.ask"),
        (tool("Skill", ["skill": .string("deploy")]), .unevaluable, "claude-code.local.permissions.allow[1]"),
        (tool("Task", ["subagent_type": .string("explorer")]), .deny, "claude-code.user.permissions.deny[1]"),
        (tool("Task", ["subagent_type": .string("planner")]), .allow, "claude-code.readOnlyTools"),
        (tool("WebSearch", ["query": .string("swift testing")]), .allow, "claude-code.user.permissions.allow[0]"),
        (bash("npm run test", resources: [.egress("registry.npmjs.org", port: 443)]), .allow, "claude-code.project.permissions.allow[0]"),
        (bash("npm run test", resources: [.egress("evil.example", port: 443)]), .deny, "claude-code.sandbox.network.ask"),
        // The sandbox confines Bash only: WebFetch's egress is its rules' business.
        (F.step("WebFetch", ["url": .string("https://api.acme.com/x")], tenant: "acme", resources: [.egress("api.acme.com", port: 443)]),
         .allow, "claude-code.project.permissions.allow[3]"),
        (F.step("claude-sonnet-4-5", tenant: "acme", kind: .llm), .allow, "claude-code.llm"),
        (F.step("recall", tenant: "acme", kind: .memoryRead, resources: [Resource(scheme: .memory, container: "acme", path: "k", access: .read)]),
         .deny, "claude-code.memory"),
    ]

    @Test func everyRuleFormDecidesAsClaudeCodeDoes() throws {
        let sandbox = try Self.acme()
        for (step, effect, rule) in Self.goldenSteps {
            let decision = F.native(sandbox, step)
            #expect(decision.regime == .legacy)
            #expect("\(decision.effect)|\(decision.rule)" == "\(effect)|acme/\(rule)", "\(step.operation) \(step.arguments)")
        }
    }

    @Test func askIsADenyWithAnAskRuleCountedOnItsOwn() throws {
        let sandbox = try Self.acme()
        let asks = Self.goldenSteps.filter { LegacyAsk.isAsk(F.native(sandbox, $0.step)) }.map(\.rule)
        #expect(Set(asks) == ["claude-code.project.permissions.ask[0]", "claude-code.local.permissions.defaultMode.ask", "claude-code.sandbox.network.ask"])
        // Plain denies are not asks.
        #expect(!LegacyAsk.isAsk(F.native(sandbox, Self.bash("rm -rf /"))))
        // The shadow tally counts them apart from the other denies.
        var tally = ShadowTally()
        var fleet = LegacyFleet(sandboxes: [sandbox])
        for (step, _, _) in Self.goldenSteps {
            let legacy = fleet.evaluate(step)
            let node = Decision(regime: .node, effect: .deny, rule: "wf/node", reason: "test")
            tally.add(step, ShadowOutcome(legacy: legacy, node: node, nodeId: nil, provenance: []))
        }
        let summary = tally.summary()
        #expect(summary.legacyAsks?.agreeDeny == asks.count)
        #expect(summary.verdict.contains("\(asks.count) legacy decisions were asks"))
    }

    @Test func scopesMergeWithManagedHighest() throws {
        let sandbox = try Self.acme()
        let policy = try #require(sandbox.dialect?.policy as? ClaudeCodePolicy)
        #expect(policy.files.map(\.scope) == [.managed, .local, .project, .user])
        // bypassPermissions (local) is disabled by managed settings: the mode is `default`, set by local.
        #expect(policy.mode == .default)
        #expect(policy.bypassDisabled)
        #expect(policy.modePath == "claude-code.local.permissions.defaultMode")
        #expect(sandbox.dialect?.files.count == 4)
    }

    @Test func managedRulesOnlyIgnoresEveryOtherScope() throws {
        let read = try F.read("claude-code")
        let globex = try F.sandbox("globex", in: read)
        let decide = { (step: Step) in F.native(globex, step) }
        #expect(decide(Self.tool("Bash", ["command": .string("make build")], tenant: "globex")).rule == "globex/claude-code.managed.permissions.allow[0]")
        // The project's bare `Bash` allow is ignored; its dontAsk mode still applies (managed sets none).
        let ls = decide(Self.tool("Bash", ["command": .string("ls")], tenant: "globex"))
        #expect("\(ls.effect)|\(ls.rule)" == "deny|globex/claude-code.project.permissions.defaultMode")
        #expect(decide(Self.tool("Edit", ["file_path": .string("/etc/hosts")], tenant: "globex")).rule == "globex/claude-code.managed.permissions.ask[0]")
        #expect(decide(Self.tool("Read", ["file_path": .string("/etc/hosts")], tenant: "globex")).rule == "globex/claude-code.managed.permissions.allow[1]")
    }

    @Test func aDenyInTheLowestScopeBeatsAnAllowInTheHighest() throws {
        let read = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("acme"))).parse(
            text: #"{"permissions": {"allow": ["Bash(rm *)"]}}"#, file: "managed-settings.json")
        var files = try #require(read.sandboxes.first?.dialect?.policy as? ClaudeCodePolicy).files
        let user = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("acme"))).parse(
            text: #"{"permissions": {"deny": ["Bash(rm -rf *)"]}}"#, file: "user-settings.json")
        files += try #require(user.sandboxes.first?.dialect?.policy as? ClaudeCodePolicy).files
        let policy = ClaudeCodePolicy(files: files, projectRoot: nil)
        var evaluator = policy.makeEvaluator(tenant: "acme")
        #expect(evaluator.evaluate(Self.bash("rm -rf /"), collectingGrants: false).decision.rule == "acme/claude-code.user.permissions.deny[0]")
        #expect(evaluator.evaluate(Self.bash("rm old.log"), collectingGrants: false).decision.rule == "acme/claude-code.managed.permissions.allow[0]")
    }

    @Test func modesDecideWhatNoRuleMatches() throws {
        func decide(_ mode: String, _ tool: String) -> String {
            let read = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(
                text: #"{"permissions": {"defaultMode": "\#(mode)"}}"#, file: "settings.json")
            guard let sandbox = read.sandboxes.first else { return "no sandbox: \(read.diagnostics)" }
            let decision = F.native(sandbox, F.step(tool, tenant: "t"))
            return "\(decision.effect) \(LegacyAsk.isAsk(decision) ? "ask" : "")".trimmingCharacters(in: .whitespaces)
        }
        #expect(ClaudeCodeMode.allCases.map { "\($0.rawValue): \(decide($0.rawValue, "Edit")), \(decide($0.rawValue, "Bash")), \(decide($0.rawValue, "Glob"))" } == [
            "default: deny ask, deny ask, allow",
            "acceptEdits: allow, deny ask, allow",
            "plan: deny, deny, allow",
            "bypassPermissions: allow, allow, allow",
            "dontAsk: deny, deny, allow",
        ])
    }

    @Test func aCertainAskWinsOverAnUnknownDeny() throws {
        let read = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(
            text: #"{"permissions": {"deny": ["Edit(./.env)", "Read(./.env)"], "ask": ["Edit"], "allow": ["Read"]}}"#, file: "settings.json")
        let sandbox = try #require(read.sandboxes.first, "\(read.diagnostics)")
        // No file_path: whether the deny applies is unknown, but the step is denied either way.
        let edit = F.native(sandbox, F.step("Edit", tenant: "t"))
        #expect("\(edit.effect)|\(edit.rule)" == "deny|t/claude-code.project.permissions.ask[0]")
        // An allow after an unknown deny decides nothing.
        let unknown = F.native(sandbox, F.step("Read", tenant: "t"))
        #expect("\(unknown.effect)|\(unknown.rule)" == "unevaluable|t/claude-code.project.permissions.deny[1]")
        #expect(F.native(sandbox, F.step("Read", ["file_path": .string("/src/a.ts")], tenant: "t")).rule == "t/claude-code.project.permissions.allow[0]")
    }

    @Test func serversMatchedByUrlOrCommandAreUnevaluable() throws {
        let read = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(
            text: #"{"deniedMcpServers": [{"serverUrl": "https://*.untrusted.com/*"}], "allowedMcpServers": [{"serverName": "github"}, {"serverCommand": ["npx", "crm-mcp"]}], "permissions": {"defaultMode": "bypassPermissions"}}"#,
            file: "managed-settings.json")
        let sandbox = try #require(read.sandboxes.first, "\(read.diagnostics)")
        let github = F.native(sandbox, F.step("mcp__github__list", tenant: "t"))
        #expect("\(github.effect)|\(github.rule)" == "unevaluable|t/claude-code.managed.deniedMcpServers[0]")
        let unknown = F.native(sandbox, F.step("mcp__jira__list", tenant: "t"))
        #expect(unknown.effect == .unevaluable)
        let rules = sandbox.dialect?.unexpressible.map(\.keyPath) ?? []
        #expect(rules.contains("deniedMcpServers[0]") && rules.contains("allowedMcpServers[1]"))
    }

    @Test func relativePathsAnchorAtTheConfiguredProjectRoot() throws {
        let options = DialectOptions(projectRoot: "/home/dev/acme", home: "/home/dev")
        let sandbox = try F.sandbox("acme", in: try F.read("claude-code", options: options))
        #expect(F.native(sandbox, Self.tool("Read", ["file_path": .string("/home/dev/acme/.env")])).effect == .deny)
        // Gitignore: a name without `/` matches at any depth below the root, and nowhere else.
        #expect(F.native(sandbox, Self.tool("Read", ["file_path": .string("/home/dev/acme/pkg/.env")])).effect == .deny)
        #expect(F.native(sandbox, Self.tool("Read", ["file_path": .string("/srv/other/.env")])).effect == .allow)
        // `/src/**` is the project's src folder only.
        #expect(F.native(sandbox, Self.tool("Edit", ["file_path": .string("/home/dev/acme/src/a/b.ts")])).effect == .allow)
        #expect(F.native(sandbox, Self.tool("Edit", ["file_path": .string("/home/dev/other/src/a.ts")])).rule == "acme/claude-code.local.permissions.defaultMode.ask")
        #expect(F.native(sandbox, Self.tool("Edit", ["file_path": .string("src/a.ts")])).effect == .allow)
    }

    @Test func theImportRoundTripsOnTheExpressibleRules() throws {
        for options in [DialectOptions.default, DialectOptions(projectRoot: "/home/dev/acme", home: "/home/dev")] {
            let sandbox = try F.sandbox("acme", in: try F.read("claude-code", options: options))
            let agreed = try F.expectRoundTrip(sandbox, Self.goldenSteps.map(\.step))
            // The four that differ are reported as unexpressible: two compound commands (the import's glob
            // is wider), `full_command` (the import tests `command`), the unmodelled `Skill(deploy)`.
            #expect(agreed == Self.goldenSteps.count - 4, "\(agreed) of \(Self.goldenSteps.count) steps agree")
        }
        let globex = try F.sandbox("globex", in: try F.read("claude-code"))
        let steps = ["make build", "ls"].map { Self.tool("Bash", ["command": .string($0)], tenant: "globex") }
            + ["Edit", "Read", "Glob"].map { Self.tool($0, ["file_path": .string("/etc/hosts")], tenant: "globex") }
        #expect(try F.expectRoundTrip(globex, steps) == steps.count)
    }

    @Test func theImportNamesTheSourceOfEveryRule() throws {
        let sandbox = try Self.acme()
        let yaml = SandboxImportWriter.yaml(for: sandbox)
        let managed = try F.folder("claude-code") + "/acme/managed-settings.json"
        #expect(yaml.contains("- {tool: \"Bash\", args: {\"command\": \"curl *\"}}  # from \(managed):7:7 permissions.deny[2] (acme/claude-code.managed.permissions.deny[2])"))
        #expect(yaml.contains("- {fqdn: \"*.npmjs.org\"}  # from \(managed):21:42 sandbox.network.allowedDomains[1] (acme/claude-code.managed.sandbox.network.allowedDomains[1])"))
        // Every imported rule has a source comment.
        for line in yaml.split(separator: "\n") where line.contains("{tool:") || line.contains("{fqdn:") {
            #expect(line.contains("  # from "), "\(line)")
        }
        let reasons = sandbox.dialect?.unexpressible.map { "\($0.keyPath)" } ?? []
        #expect(reasons.contains("hooks"))
        #expect(reasons.contains("permissions.allow[1]"))  // Skill(deploy), local
    }

    @Test func analyzeReportsTheUnexpressibleRulesAsFindings() throws {
        let sandbox = try Self.acme()
        let findings = ConfigRisks.findings(for: [sandbox]).filter { $0.code == "dialect.unexpressible" }
        #expect(findings.count == sandbox.dialect?.unexpressible.count)
        #expect(Set(findings.map(\.id)).count == findings.count)
        let hook = try #require(findings.first { $0.message.hasPrefix("claude-code hooks:") })
        #expect(hook.location?.contains("acme/user-settings.json:6:") == true, "\(hook.location ?? "")")
    }

    @Test func aNodePolicyWiderThanTheSettingsIsCaught() throws {
        let sandbox = try Self.acme()
        let (file, _) = try PolicyCheckFixture.file([
            PolicyCheckFixture.node("mcp__crm__delete_record", tenants: ["acme"]),
            PolicyCheckFixture.node("mcp__github__get_file_contents", tenants: ["acme"]),
        ])
        let widenings = PolicyConfinementCheck.check(file, sandboxes: ["acme": sandbox])
        #expect(widenings.map(\.node) == ["mcp__crm__delete_record"])
    }
}

/// The gitignore matcher and the Bash splitting on their own, including hostile sizes.
@Suite struct ClaudeCodeMatchingTests {
    static func pattern(_ text: String, root: String? = "/p") throws -> ClaudeCodePathPattern {
        try ClaudeCodePathPattern.parse(text, base: ClaudeCodePathBase(projectRoot: root, home: "/home/u")).get()
    }

    @Test func gitignorePathsMatchAsDocumented() throws {
        let cases: [(String, String, Bool)] = [
            ("./.env", "/p/.env", true), ("./.env", "/p/a/b/.env", true), ("./.env", "/q/.env", false),
            ("/src/**", "/p/src/a/b.ts", true), ("/src/**", "/p/src", false), ("/src/**", "/p/lib/src/a.ts", false),
            ("src/**/*.ts", "/p/src/a/b/c.ts", true), ("src/**/*.ts", "/p/src/c.ts", true), ("src/**/*.ts", "/p/src/c.js", false),
            ("*.key", "/p/deep/er/x.key", true), ("secrets", "/p/a/secrets/x", true), ("//etc/**", "/etc/ssh/sshd_config", true),
            ("~/.ssh/**", "/home/u/.ssh/id_ed25519", true), ("~/.ssh/**", "/p/.ssh/id", false),
        ]
        for (text, path, expected) in cases {
            #expect(try Self.pattern(text).matches(path) == expected, "\(text) on \(path)")
        }
        // An unknown root: the pattern floats, matching below any folder.
        #expect(try Self.pattern("/src/**", root: nil).matches("/anywhere/src/x.ts"))
    }

    @Test func manyDoubleStarsStayFast() throws {
        let hostile = try Self.pattern(Array(repeating: "**/a", count: 30).joined(separator: "/") + "/b")
        let path = "/p/" + Array(repeating: "a", count: 400).joined(separator: "/")
        let clock = ContinuousClock()
        var result = true
        let elapsed = clock.measure { result = hostile.matches(path) }
        #expect(!result)
        #expect(elapsed < .seconds(2))
    }

    @Test func compoundCommandsSplitOutsideQuotes() {
        #expect(BashCommandSplit.subcommands(#"npm test && echo "a && b"; git status | grep x & nohup make"#)
                == ["npm test", #"echo "a && b""#, "git status", "grep x", "make"])
        #expect(BashCommandSplit.stripWrappers("timeout -s KILL 30 nice -n 5 npm test") == "npm test")
        let wrappers = String(repeating: "nohup ", count: 200_000) + "ls"
        let clock = ContinuousClock()
        var stripped = ""
        let elapsed = clock.measure { stripped = BashCommandSplit.stripWrappers(wrappers) }
        #expect(stripped == "ls")
        #expect(elapsed < .seconds(5))
    }
}
