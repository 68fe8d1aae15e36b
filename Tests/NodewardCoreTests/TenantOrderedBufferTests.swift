@testable import NodewardCore
import Testing

@Suite struct TenantOrderedBufferTests {
    static func step(tenant: String, start: Int64, id: Int) -> Step {
        Step(tenant: tenant, agent: "a", workflow: "w", runId: "r\(id)", stepId: "s\(id)", startNanos: start, endNanos: start + 1,
             kind: .toolCall, operation: "op", source: SourceLocation(file: "t.jsonl", line: id))
    }

    /// The specification, written plainly: per tenant, a step is released once a step of that tenant
    /// `window` later has arrived, in (start, arrival) order; the rest at the end, tenants in id order.
    static func reference(_ steps: [Step], window: Int64) -> (released: [String], outOfOrder: Int) {
        var held: [String: [(step: Step, arrival: Int)]] = [:]
        var newest: [String: Int64] = [:]
        var last: [String: Int64] = [:]
        var released: [String] = []
        var outOfOrder = 0
        for (arrival, step) in steps.enumerated() {
            if let seen = last[step.tenant], step.startNanos < seen { outOfOrder += 1 }
            held[step.tenant, default: []].append((step, arrival))
            let watermark = max(newest[step.tenant] ?? step.startNanos, step.startNanos)
            newest[step.tenant] = watermark
            var queue = held[step.tenant]!.sorted { ($0.step.startNanos, $0.arrival) < ($1.step.startNanos, $1.arrival) }
            while let first = queue.first, first.step.startNanos <= watermark - window {
                queue.removeFirst()
                last[step.tenant] = max(last[step.tenant] ?? first.step.startNanos, first.step.startNanos)
                released.append(first.step.stepId)
            }
            held[step.tenant] = queue
        }
        for tenant in held.keys.sorted() {
            released += held[tenant]!.sorted { ($0.step.startNanos, $0.arrival) < ($1.step.startNanos, $1.arrival) }.map(\.step.stepId)
        }
        return (released, outOfOrder)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func releasesInTheSpecifiedOrder(seed: UInt64) {
        var random = SplitMix64(state: seed)
        var steps: [Step] = []
        var clock: Int64 = 0
        for id in 0..<3_000 {
            clock += Int64(random.next() % 50)
            // Jitter behind the clock (late arrivals), equal start times, and three tenants of different rates.
            let start = clock - Int64(random.next() % 400)
            let tenant = ["acme", "globex", "hooli"][Int(random.next() % (random.next() % 2 == 0 ? 3 : 1))]
            steps.append(Self.step(tenant: tenant, start: random.next() % 10 == 0 ? clock : start, id: id))
        }
        let window: Int64 = 250
        var buffer = TenantOrderedBuffer(windowNanos: window)
        var released: [Step] = []
        for step in steps { buffer.push(step, into: &released) }
        let beforeDrain = released.count
        buffer.drain(into: &released)
        let expected = Self.reference(steps, window: window)
        #expect(beforeDrain > 0 && beforeDrain < steps.count)
        #expect(released.map(\.stepId) == expected.released)
        #expect(buffer.outOfOrder == expected.outOfOrder)
        #expect(buffer.outOfOrder > 0)
    }
}
