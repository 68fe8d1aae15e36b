import Foundation
import Testing
@testable import NodewardCore

/// Decision cost of the agentgateway dialect. Opt-in (NODEWARD_CEL_BENCH=1); figures are meaningful in a
/// release build (`swift test -c release --filter AgentGatewayBench`).
@Suite(.serialized) struct AgentGatewayBenchTests {
    static let enabled = ProcessInfo.processInfo.environment["NODEWARD_CEL_BENCH"] != nil

    static func rate(_ label: String, _ count: Int, _ body: () -> Void) {
        let elapsed = ContinuousClock().measure(body)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("cel bench [\(label)]: \(String(format: "%.0f", Double(count) / seconds)) per second")
    }

    @Test(.enabled(if: enabled)) func compileEvaluateAndDecide() throws {
        let text = #"mcp.tool.name == "read_file" && mcp.tool.arguments.path.startsWith("/data/globex/") && has(jwt.sub)"#
        let count = 200_000
        Self.rate("compile", count / 10) { for _ in 0..<(count / 10) { _ = CELProgram.compile(text) } }
        let program = try CELProgram.compile(text).get()
        let step = AgentGatewayTests.step("read_file", tenant: "globex", arguments: ["path": .string("/data/globex/q3.txt")],
                                          principal: AgentGatewayTests.principal())
        let activation = AgentGatewayCall(step: step, targets: ["files"]).activation(principal: step.principal)
        var allowed = 0
        Self.rate("evaluate", count) { for _ in 0..<count { if program.evaluate(activation).bool == true { allowed += 1 } } }
        #expect(allowed == count)
        let policy = AgentGatewayPolicy(tenant: try AgentGatewayTests.tenant("rule-forms.yaml"))
        var decided = 0
        Self.rate("decide (7 rules, activation built per step)", count / 4) {
            for _ in 0..<(count / 4) { if policy.decide(step).effect == .allow { decided += 1 } }
        }
        #expect(decided == count / 4)
    }
}
