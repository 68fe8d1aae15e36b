import Foundation
import Testing
@testable import NodewardCore

/// Fixtures and helpers shared by the dialect suites (Fixtures/dialects/).
enum DialectFixtures {
    static func folder(_ sub: String = "") throws -> String {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("dialects").path
        return sub.isEmpty ? base : base + "/" + sub
    }

    static func read(_ sub: String, options: DialectOptions = .default) throws -> SandboxReadResult {
        SandboxReader(dialects: options).read(paths: [try folder(sub)])
    }

    static func sandbox(_ tenant: String, in result: SandboxReadResult) throws -> TenantSandbox {
        try #require(result.sandboxes.first { $0.tenantId == tenant })
    }

    static let location = SourceLocation(file: "steps", line: 1)

    static func step(_ operation: String, _ arguments: [String: JSONValue] = [:], tenant: String, kind: StepKind = .toolCall,
                     resources: [Resource] = []) -> Step {
        Step(tenant: tenant, agent: "agent", workflow: "wf", runId: "r1", stepId: operation, startNanos: 1_000,
             kind: kind, operation: operation, resources: resources, arguments: arguments, source: location)
    }

    /// `file:line:col` relative to the dialect fixture folder.
    static func relative(_ location: NodewardCore.SourceLocation?) throws -> String {
        SandboxFixtures.relative(location, to: try folder())
    }

    /// One step decided by the tenant's native dialect evaluator (through the fleet, as shadow mode does).
    static func native(_ sandbox: TenantSandbox, _ step: Step) -> Decision {
        var fleet = LegacyFleet(sandboxes: [sandbox])
        return fleet.evaluate(step)
    }

    /// The same step decided by the imported TenantAgentSandbox: written as YAML, read back, evaluated by
    /// `LegacyEvaluator` (the import round trip).
    static func imported(_ sandbox: TenantSandbox) throws -> TenantSandbox {
        let yaml = SandboxImportWriter.yaml(for: sandbox)
        let read = SandboxReader().parse(text: yaml, file: "\(sandbox.tenantId).yaml")
        #expect(read.errors.isEmpty, "\(read.errors)")
        let reread = try #require(read.sandboxes.first)
        #expect(reread.dialect == nil)
        return reread
    }

    /// Round trip: on every step, the imported sandbox decides the same effect as the native evaluator,
    /// unless the rule that decided either side is one the import reported as unexpressible. Returns the
    /// number of steps that agreed.
    static func expectRoundTrip(_ sandbox: TenantSandbox, _ steps: [Step], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Int {
        let origin = try #require(sandbox.dialect)
        let reread = try imported(sandbox)
        let unexpressible = Set(origin.unexpressible.map(\.rule))
        let sourceOf = Dictionary(origin.sources.map { ("\(sandbox.tenantId)/\($0.sandboxPath)", $0.rule) }, uniquingKeysWith: { first, _ in first })
        var agreed = 0
        for step in steps {
            let native = Self.native(sandbox, step)
            var evaluator = LegacyEvaluator(sandbox: reread)
            let legacy = evaluator.evaluate(step)
            if native.effect == legacy.effect {
                agreed += 1
                continue
            }
            let importedSource = sourceOf[legacy.rule] ?? legacy.rule
            let explained = unexpressible.contains(native.rule) || unexpressible.contains(importedSource)
                || unexpressible.contains(native.rule.replacingOccurrences(of: ".ask", with: ""))
            #expect(explained, "step \(step.operation) \(step.arguments): native \(native) vs imported \(legacy) (from \(importedSource))",
                    sourceLocation: sourceLocation)
        }
        return agreed
    }
}
